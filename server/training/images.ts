// Training images: decoded from base64, checked by content (JPEG, PNG, WebP), size, count and duplicates, and stored for the trainer in object storage.
import { createHash } from 'node:crypto';
import type { CreateTrainingBody } from '../../shared/api/index';
import {
  sniffImageType, TRAINING_MAX_IMAGE_BYTES, TRAINING_MAX_IMAGES, TRAINING_MAX_JOB_BYTES, TRAINING_MIN_IMAGE_BYTES, TRAINING_MIN_IMAGES, type TrainingImageType,
} from '../../shared/rules/training';
import { DomainError } from '../errors';
import type { ObjectStore } from '../storage/object-store';

export interface CheckedImage {
  bytes: Buffer;
  mime: TrainingImageType;
  sha256: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
export const EXT: Record<TrainingImageType, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };
export const refuse = (code: string, message: string, details?: Record<string, unknown>) => new DomainError('invalid', code, message, details);

function decodeOne(img: CreateTrainingBody['images'][number], index: number): Buffer {
  const label = img.fileName ? `image ${index + 1} (${img.fileName})` : `image ${index + 1}`;
  if (img.dataBase64.length % 4 !== 0 || !BASE64.test(img.dataBase64)) throw refuse('training_image_invalid', `${label} is not valid base64`, { index });
  const bytes = Buffer.from(img.dataBase64, 'base64');
  if (bytes.length === 0) throw refuse('training_image_empty', `${label} is empty`, { index });
  if (bytes.length > TRAINING_MAX_IMAGE_BYTES) {
    throw refuse('training_image_too_large', `${label} is ${bytes.length} bytes; an image may be at most ${TRAINING_MAX_IMAGE_BYTES} bytes`, { index, bytes: bytes.length, limitBytes: TRAINING_MAX_IMAGE_BYTES });
  }
  return bytes;
}

/** Every check, in the order a user fixes them: count, then each image's encoding, size and type, then the job's size, then duplicates. */
export function checkImages(images: CreateTrainingBody['images']): CheckedImage[] {
  if (images.length < TRAINING_MIN_IMAGES) throw refuse('training_images_missing', `a training job needs ${TRAINING_MIN_IMAGES} to ${TRAINING_MAX_IMAGES} images; none were sent`, { count: 0 });
  if (images.length > TRAINING_MAX_IMAGES) {
    throw refuse('training_too_many_images', `a training job takes at most ${TRAINING_MAX_IMAGES} images; ${images.length} were sent`, { count: images.length, limit: TRAINING_MAX_IMAGES });
  }
  const out: CheckedImage[] = [];
  const seen = new Map<string, number>();
  let total = 0;
  images.forEach((img, index) => {
    const bytes = decodeOne(img, index);
    const mime = bytes.length >= TRAINING_MIN_IMAGE_BYTES ? sniffImageType(bytes) : null;
    if (!mime) {
      throw refuse('training_image_unsupported', `image ${index + 1}${img.fileName ? ` (${img.fileName})` : ''} is not a JPEG, PNG or WebP image (checked by its content)`, { index });
    }
    total += bytes.length;
    if (total > TRAINING_MAX_JOB_BYTES) throw refuse('training_job_too_large', `the images add up to more than ${TRAINING_MAX_JOB_BYTES} bytes`, { limitBytes: TRAINING_MAX_JOB_BYTES });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const first = seen.get(sha256);
    if (first !== undefined) throw refuse('training_image_duplicate', `image ${index + 1} is the same as image ${first + 1}`, { index, duplicateOf: first });
    seen.set(sha256, index);
    out.push({ bytes, mime, sha256 });
  });
  return out;
}

/** What the idempotency key is checked against: the images by hash, so that a replay need not hash megabytes of JSON twice. */
export function requestDigest(body: Pick<CreateTrainingBody, 'name' | 'modelId' | 'approvedMc'>, images: readonly { sha256: string }[]): Record<string, unknown> {
  return { name: body.name, modelId: body.modelId ?? null, approvedMc: body.approvedMc ?? null, images: images.map((i) => i.sha256) };
}

export interface StoredImage {
  file: string;
  mime: string;
  bytes: number;
  sha256: string;
}

/** Where a job's files live in the store (its images, checkpoint and model under it): the account, then the job. */
export function trainingPrefixOf(accountId: string, trainingId: string): string {
  return `${accountId}/${trainingId}`;
}

/** An image's key under its job's prefix, by its place in the job (01 to 30) and type. */
export function imageFileOf(index: number, mime: TrainingImageType): string {
  return `images/${String(index + 1).padStart(2, '0')}.${EXT[mime]}`;
}

/** Writes the images under the job's prefix; the list goes on the job's row. */
export async function storeImages(store: ObjectStore, prefix: string, images: readonly CheckedImage[]): Promise<StoredImage[]> {
  const out = [];
  for (const [i, img] of images.entries()) {
    const file = imageFileOf(i, img.mime);
    await store.put(`${prefix}/${file}`, img.bytes, TRAINING_MAX_IMAGE_BYTES);
    out.push({ file, mime: img.mime, bytes: img.bytes.length, sha256: img.sha256 });
  }
  return out;
}
