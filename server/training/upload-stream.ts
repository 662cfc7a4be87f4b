// A multipart training upload, read part by part: the fields first (checked before any image), then each image streamed to storage and checked by content as it lands; nothing whole in memory.
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import { TRAINING_UPLOAD_FILE_FIELD, trainingUploadFieldsSchema, type TrainingUploadFields } from '../../shared/api/training';
import { sniffImageType, TRAINING_MAX_IMAGE_BYTES, TRAINING_MAX_IMAGES, TRAINING_MAX_JOB_BYTES, TRAINING_MIN_IMAGE_BYTES, TRAINING_MIN_IMAGES } from '../../shared/rules/training';
import { issuesText } from '../../shared/rules/issues';
import { ObjectTooLargeError, type ObjectStore } from '../storage/object-store';
import { imageFileOf, refuse, type StoredImage } from './images';

/** the form's limits, given to the multipart parser: a file one byte over the image limit (so that the limit is reported as such), one file over the count */
export const TRAINING_UPLOAD_LIMITS = {
  fields: 8, fieldSize: 1024, fieldNameSize: 64, files: TRAINING_MAX_IMAGES + 1, fileSize: TRAINING_MAX_IMAGE_BYTES + 1, parts: TRAINING_MAX_IMAGES + 9, headerPairs: 100,
} as const;

/** Reads the fields, which come before the first file; the fields and that first file (null when there is none). */
export async function readUploadFields(parts: AsyncIterator<Multipart>): Promise<{ fields: TrainingUploadFields; first: MultipartFile | null }> {
  const raw: Record<string, string> = {};
  for (;;) {
    const r = await parts.next();
    if (r.done || r.value.type === 'file') {
      const parsed = trainingUploadFieldsSchema.safeParse(raw);
      if (!parsed.success) throw refuse('invalid_request', `the form's fields are not valid: ${issuesText(parsed.error.issues, { root: 'form' })}`);
      return { fields: parsed.data, first: r.done ? null : (r.value as MultipartFile) };
    }
    if (r.value.fieldname in raw) throw refuse('invalid_request', `the field ${r.value.fieldname.slice(0, 64)} is sent twice`);
    raw[r.value.fieldname] = String(r.value.value);
  }
}

/** The first bytes of a stream (at least `bytes` unless it ends first), and a stream of all of it, those bytes included. */
async function peek(stream: Readable, bytes: number): Promise<{ head: Buffer; whole: Readable }> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < bytes) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    chunks.push(r.value);
    length += r.value.length;
  }
  const head = Buffer.concat(chunks, length);
  async function* all() {
    yield head;
    if (ended) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { head, whole: Readable.from(all(), { objectMode: false }) };
}

interface JobSoFar {
  totalBytes: number;
  seen: Map<string, number>;
}

/** One image: its type from its first bytes, then streamed to the store under the image and job limits, hashed as it goes; refused by the same codes as a JSON upload. */
async function storeOneImage(store: ObjectStore, prefix: string, part: MultipartFile, index: number, job: JobSoFar): Promise<StoredImage> {
  const label = part.filename ? `image ${index + 1} (${part.filename.slice(0, 200)})` : `image ${index + 1}`;
  if (part.fieldname !== TRAINING_UPLOAD_FILE_FIELD) throw refuse('invalid_request', `files go in the field ${TRAINING_UPLOAD_FILE_FIELD}, not ${part.fieldname.slice(0, 64)}`);
  if (index >= TRAINING_MAX_IMAGES) throw refuse('training_too_many_images', `a training job takes at most ${TRAINING_MAX_IMAGES} images; more were sent`, { count: index + 1, limit: TRAINING_MAX_IMAGES });
  const { head, whole } = await peek(part.file, TRAINING_MIN_IMAGE_BYTES);
  if (head.length === 0) throw refuse('training_image_empty', `${label} is empty`, { index });
  const mime = head.length >= TRAINING_MIN_IMAGE_BYTES ? sniffImageType(head) : null;
  if (!mime) throw refuse('training_image_unsupported', `${label} is not a JPEG, PNG or WebP image (checked by its content)`, { index });
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  whole.once('error', (e) => hashing.destroy(e));
  const file = imageFileOf(index, mime);
  const roomBytes = Math.min(TRAINING_MAX_IMAGE_BYTES, TRAINING_MAX_JOB_BYTES - job.totalBytes);
  let bytes: number;
  try {
    ({ bytes } = await store.put(`${prefix}/${file}`, whole.pipe(hashing), roomBytes));
  } catch (e) {
    if (!(e instanceof ObjectTooLargeError)) throw e;
    if (roomBytes === TRAINING_MAX_IMAGE_BYTES) {
      throw refuse('training_image_too_large', `${label} is larger than ${TRAINING_MAX_IMAGE_BYTES} bytes, the most an image may be`, { index, limitBytes: TRAINING_MAX_IMAGE_BYTES });
    }
    throw refuse('training_job_too_large', `the images add up to more than ${TRAINING_MAX_JOB_BYTES} bytes`, { limitBytes: TRAINING_MAX_JOB_BYTES });
  }
  job.totalBytes += bytes;
  const sha256 = hash.digest('hex');
  const first = job.seen.get(sha256);
  if (first !== undefined) throw refuse('training_image_duplicate', `image ${index + 1} is the same as image ${first + 1}`, { index, duplicateOf: first });
  job.seen.set(sha256, index);
  return { file, mime, bytes, sha256 };
}

/**
 * Streams the images, from the first file on, to the job's prefix, checking each as it lands. A refusal or failure rejects at
 * once, with the rest of the request unread; the caller removes what was stored.
 */
export async function streamImages(store: ObjectStore, prefix: string, first: MultipartFile | null, parts: AsyncIterator<Multipart>): Promise<StoredImage[]> {
  const out: StoredImage[] = [];
  const job: JobSoFar = { totalBytes: 0, seen: new Map() };
  for (let part: Multipart | null = first; part; ) {
    if (part.type !== 'file') throw refuse('invalid_request', 'the fields come before the images');
    out.push(await storeOneImage(store, prefix, part, out.length, job));
    const r = await parts.next();
    part = r.done ? null : r.value;
  }
  if (out.length < TRAINING_MIN_IMAGES) throw refuse('training_images_missing', `a training job needs ${TRAINING_MIN_IMAGES} to ${TRAINING_MAX_IMAGES} images; none were sent`, { count: 0 });
  return out;
}
