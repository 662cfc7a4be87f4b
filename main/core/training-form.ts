// A training job as the renderer sends it (base64 images, the IPC contract) turned into the multipart form the server streams: the fields first, then each image as a file.
import { createHash } from 'node:crypto';
import { stableJson } from '../../shared/api/canonical-json';
import { TRAINING_UPLOAD_FILE_FIELD, type CreateTrainingBody } from '../../shared/api/index';
import { sniffImageType, TRAINING_MIN_IMAGE_BYTES } from '../../shared/rules/training';
import { UserFacingError } from './ipc-dispatch';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** the declared type of a file that is no known image: the server reads the type from the content and refuses it by its code */
const UNKNOWN_IMAGE_TYPE = 'application/octet-stream';
const EXTENSION_OF_TYPE: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

export interface TrainingForm {
  /** the fields (name, then modelId and approvedMc when paid in credits), then one file per image in TRAINING_UPLOAD_FILE_FIELD */
  form: FormData;
  /** the job's fingerprint (its fields and each image's hash): a retry of the same job is sent with the same Idempotency-Key */
  digest: string;
}

/** One image's bytes; a string that is not base64 is refused with the server's own code and words for it. */
function decodeImage(image: CreateTrainingBody['images'][number], index: number): Buffer {
  if (image.dataBase64.length % 4 !== 0 || !BASE64.test(image.dataBase64)) {
    const label = image.fileName ? `image ${index + 1} (${image.fileName})` : `image ${index + 1}`;
    throw new UserFacingError('training_image_invalid', `${label} is not valid base64`, { index });
  }
  return Buffer.from(image.dataBase64, 'base64');
}

/**
 * The form for POST /v1/trainings, in the order the server reads it: every field before the first file, so that the plan,
 * the allowance and a replayed key are ruled on before any image is read. Each file carries its name (the user's, or
 * image-N) and its type as its first bytes say; the server checks the content again and is the judge.
 */
export function trainingFormOf(body: CreateTrainingBody): TrainingForm {
  const form = new FormData();
  form.append('name', body.name);
  if (body.modelId !== undefined) form.append('modelId', body.modelId);
  if (body.approvedMc !== undefined) form.append('approvedMc', String(body.approvedMc));
  const imageHashes: string[] = [];
  body.images.forEach((image, index) => {
    const bytes = decodeImage(image, index);
    const type = (bytes.length >= TRAINING_MIN_IMAGE_BYTES ? sniffImageType(bytes) : null) ?? UNKNOWN_IMAGE_TYPE;
    const fileName = image.fileName ?? `image-${index + 1}.${EXTENSION_OF_TYPE[type] ?? 'bin'}`;
    form.append(TRAINING_UPLOAD_FILE_FIELD, new Blob([new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)], { type }), fileName);
    imageHashes.push(createHash('sha256').update(bytes).digest('hex'));
  });
  const fingerprint = { name: body.name.trim(), modelId: body.modelId ?? null, approvedMc: body.approvedMc ?? null, images: imageHashes };
  return { form, digest: createHash('sha256').update(stableJson(fingerprint)).digest('hex') };
}
