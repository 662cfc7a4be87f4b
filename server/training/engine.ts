// The local trainer: fits a small LoRA (rank-4 adapter) to features of the job's images, one step per percent, checkpointing each step, and writes a safetensors file, all through object storage (so any instance resumes it).
import { TRAINING_MAX_IMAGE_BYTES, TRAINING_STEPS } from '../../shared/rules/training';
import { EngineError, sleep } from '../engines/types';
import { deletePrefix, readObject, type ObjectStore } from '../storage/object-store';

/** feature width (a byte histogram of 64 buckets) and the adapter's rank */
export const FEATURES = 64;
export const RANK = 4;
const LEARNING_RATE = 0.05;
/** passes over the images per step: the work a step does, whatever the speed */
const PASSES_PER_STEP = 20;
/** checkpoints go under the job's prefix, one key per step; the one before is removed only once the new step is saved on the job's row */
export const CHECKPOINTS = 'checkpoints';
const checkpointKey = (prefix: string, step: number) => `${prefix}/${CHECKPOINTS}/${String(step).padStart(3, '0')}.bin`;
/** a checkpoint's size: the step and both matrices */
const CHECKPOINT_BYTES = 4 + 2 * RANK * FEATURES * 4;
/** the model file's largest size (its header and both matrices are far below) */
export const MAX_MODEL_BYTES = 64 * 1024;

export interface TrainJob {
  store: ObjectStore;
  /** the job's key prefix in the store (account/training), without a trailing slash */
  prefix: string;
  /** image keys relative to the prefix */
  images: string[];
  /** the step to start from: 0, or a resumed job's last saved step */
  fromStep: number;
  /** how long the whole job runs (the configured speed applied) */
  durationMs: number;
  signal: AbortSignal;
  /** called after each step is done and checkpointed */
  onStep(step: number, timeLeftMs: number): Promise<void>;
}

interface Weights {
  a: Float32Array; // RANK × FEATURES
  b: Float32Array; // FEATURES × RANK
}

/** A normalised histogram of an image's bytes: what this trainer learns to reconstruct. */
function featuresOf(bytes: Buffer): Float32Array {
  const f = new Float32Array(FEATURES);
  for (const x of bytes) f[x >> 2]! += 1;
  let norm = 0;
  for (const v of f) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < FEATURES; i++) f[i]! /= norm;
  return f;
}

/** Deterministic small initial weights (a seeded generator, so that a job's run is reproducible). */
function initialWeights(seed: number): Weights {
  let s = seed >>> 0 || 1;
  const rand = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 0xffffffff - 0.5) * 0.2;
  };
  const a = new Float32Array(RANK * FEATURES).map(rand);
  const b = new Float32Array(FEATURES * RANK).map(rand);
  return { a, b };
}

/** One gradient step of ‖B·A·x − x‖² over every image; returns the mean loss. */
function trainPass(w: Weights, xs: readonly Float32Array[]): number {
  let loss = 0;
  const h = new Float32Array(RANK);
  const err = new Float32Array(FEATURES);
  for (const x of xs) {
    for (let r = 0; r < RANK; r++) {
      let v = 0;
      for (let i = 0; i < FEATURES; i++) v += w.a[r * FEATURES + i]! * x[i]!;
      h[r] = v;
    }
    for (let i = 0; i < FEATURES; i++) {
      let y = 0;
      for (let r = 0; r < RANK; r++) y += w.b[i * RANK + r]! * h[r]!;
      err[i] = y - x[i]!;
      loss += err[i]! * err[i]!;
    }
    for (let r = 0; r < RANK; r++) {
      let gh = 0;
      for (let i = 0; i < FEATURES; i++) {
        gh += err[i]! * w.b[i * RANK + r]!;
        w.b[i * RANK + r]! -= LEARNING_RATE * err[i]! * h[r]!;
      }
      for (let i = 0; i < FEATURES; i++) w.a[r * FEATURES + i]! -= LEARNING_RATE * gh * x[i]!;
    }
  }
  return loss / Math.max(1, xs.length);
}

/**
 * A step's checkpoint, under its own key (a put is visible only whole): the previous one stays until the row says this step, so an
 * instance killed between the two leaves the checkpoint of the step its row names, and the job resumes there on any instance.
 */
async function saveCheckpoint(store: ObjectStore, prefix: string, step: number, w: Weights): Promise<void> {
  const buf = Buffer.alloc(4 + (w.a.length + w.b.length) * 4);
  buf.writeUInt32LE(step, 0);
  Buffer.from(w.a.buffer, w.a.byteOffset, w.a.byteLength).copy(buf, 4);
  Buffer.from(w.b.buffer, w.b.byteOffset, w.b.byteLength).copy(buf, 4 + w.a.byteLength);
  await store.put(checkpointKey(prefix, step), buf, CHECKPOINT_BYTES);
}

/** The checkpoint of `step`, or null when there is none for that step (the job then starts over). */
async function loadCheckpoint(store: ObjectStore, prefix: string, step: number): Promise<Weights | null> {
  const buf = await readObject(store, checkpointKey(prefix, step), CHECKPOINT_BYTES).catch(() => null);
  if (!buf || buf.length !== CHECKPOINT_BYTES || buf.readUInt32LE(0) !== step) return null;
  const floats = new Float32Array(buf.buffer.slice(buf.byteOffset + 4, buf.byteOffset + buf.length));
  return { a: floats.slice(0, RANK * FEATURES), b: floats.slice(RANK * FEATURES) };
}

/** A safetensors file: an 8-byte little-endian header length, the JSON header, then the tensors' bytes. */
export function safetensors(w: Weights, metadata: Record<string, string>): Buffer {
  const aBytes = w.a.byteLength;
  const header = {
    __metadata__: metadata,
    lora_A: { dtype: 'F32', shape: [RANK, FEATURES], data_offsets: [0, aBytes] },
    lora_B: { dtype: 'F32', shape: [FEATURES, RANK], data_offsets: [aBytes, aBytes + w.b.byteLength] },
  };
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, Buffer.from(json), Buffer.from(w.a.buffer, w.a.byteOffset, aBytes), Buffer.from(w.b.buffer, w.b.byteOffset, w.b.byteLength)]);
}

/** Runs the job from `fromStep` to the end; returns the model file's name and size. Rejects with a canceled EngineError when the signal aborts. */
export async function trainLocally(job: TrainJob, seed: number): Promise<{ file: string; bytes: number; loss: number }> {
  const xs: Float32Array[] = [];
  for (const f of job.images) {
    // a store that fails (not a missing image) rejects with its StorageError: the job fails rather than training on less
    const bytes = await readObject(job.store, `${job.prefix}/${f}`, TRAINING_MAX_IMAGE_BYTES);
    if (!bytes) throw new EngineError('engine_failed', `the training image ${f} is missing`);
    xs.push(featuresOf(bytes));
  }
  const resumed = job.fromStep > 0 ? await loadCheckpoint(job.store, job.prefix, job.fromStep) : null;
  const w = resumed ?? initialWeights(seed);
  let step = resumed ? job.fromStep : 0;
  const stepMs = job.durationMs / TRAINING_STEPS;
  let loss = 0;
  while (step < TRAINING_STEPS) {
    const started = Date.now();
    for (let p = 0; p < PASSES_PER_STEP; p++) loss = trainPass(w, xs);
    step++;
    await saveCheckpoint(job.store, job.prefix, step, w);
    await sleep(Math.max(0, Math.round(stepMs - (Date.now() - started))), job.signal);
    await job.onStep(step, Math.round((TRAINING_STEPS - step) * stepMs));
    if (step > 1) await job.store.delete(checkpointKey(job.prefix, step - 1)).catch(() => undefined); // best effort: the rest go when the job ends
  }
  const data = safetensors(w, { format: 'pt', kind: 'lora', rank: String(RANK), images: String(xs.length), loss: loss.toFixed(6) });
  const file = 'model.safetensors';
  await job.store.put(`${job.prefix}/${file}`, data, MAX_MODEL_BYTES);
  await deletePrefix(job.store, `${job.prefix}/${CHECKPOINTS}/`, TRAINING_STEPS + 1);
  return { file, bytes: data.length, loss };
}
