// Object storage: one small interface (put a stream, get a stream, head, delete, list by prefix) that the local folder and an S3-compatible bucket both implement.
import { Transform, type Readable } from 'node:stream';

/** the longest key accepted, in characters (S3 allows 1,024 bytes; the prefix of an S3 store is added to it) */
export const MAX_KEY_CHARS = 512;
/** a list asks for at most this many keys */
export const MAX_LIST_KEYS = 1_000;

export interface StoredObject {
  key: string;
  bytes: number;
}

export interface ObjectStore {
  readonly kind: 'folder' | 's3';
  /**
   * Writes the body under the key; it becomes visible only whole. A body that fails, or passes `maxBytes`, rejects and leaves
   * nothing visible (and whatever the key held before in place).
   */
  put(key: string, body: Readable | Buffer, maxBytes: number): Promise<{ bytes: number }>;
  /** the object's bytes as a stream and its size; null when there is no such key */
  get(key: string): Promise<{ body: Readable; bytes: number } | null>;
  head(key: string): Promise<{ bytes: number } | null>;
  /** removes the key; a missing key is no error */
  delete(key: string): Promise<void>;
  /** the keys that start with the prefix, in key order, at most `limit` */
  list(prefix: string, limit: number): Promise<StoredObject[]>;
}

/** The store could not be reached or failed (not a missing key): the caller may try again later. */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/** A body past its limit. */
export class ObjectTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the object is larger than ${maxBytes} bytes`);
    this.name = 'ObjectTooLargeError';
  }
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** A key is path segments of letters, digits and . _ - (none starting with a dot), joined by '/'; anything else is a bug of the caller. */
export function checkKey(key: string): string {
  if (key.length === 0 || key.length > MAX_KEY_CHARS || !key.split('/').every((s) => SEGMENT.test(s))) throw new Error(`not a storage key: ${JSON.stringify(key.slice(0, 80))}`);
  return key;
}

/** A prefix is a key's beginning: empty, or segments where the last may be partial (or end with '/'). */
export function checkPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  const segments = prefix.split('/');
  const last = segments.pop()!;
  if (prefix.length > MAX_KEY_CHARS || !segments.every((s) => SEGMENT.test(s)) || (last !== '' && !SEGMENT.test(last))) throw new Error(`not a storage prefix: ${JSON.stringify(prefix.slice(0, 80))}`);
  return prefix;
}

/** Passes bytes through, counting them, and fails the stream past `maxBytes`. */
export function byteLimit(maxBytes: number, counted: { bytes: number } = { bytes: 0 }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      counted.bytes += chunk.length;
      if (counted.bytes > maxBytes) done(new ObjectTooLargeError(maxBytes));
      else done(null, chunk);
    },
  });
}

/** Reads a stored object whole into memory: only for objects known to be small (an image, a checkpoint), bounded by `maxBytes`. */
export async function readObject(store: ObjectStore, key: string, maxBytes: number): Promise<Buffer | null> {
  const got = await store.get(key);
  if (!got) return null;
  if (got.bytes > maxBytes) {
    got.body.destroy();
    throw new ObjectTooLargeError(maxBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of got.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      got.body.destroy();
      throw new ObjectTooLargeError(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Removes every key under the prefix, a page at a time, at most `maxKeys` in all; returns how many went. */
export async function deletePrefix(store: ObjectStore, prefix: string, maxKeys = 10 * MAX_LIST_KEYS): Promise<number> {
  let removed = 0;
  while (removed < maxKeys) {
    const page = await store.list(prefix, Math.min(MAX_LIST_KEYS, maxKeys - removed));
    if (page.length === 0) break;
    for (const o of page) await store.delete(o.key);
    removed += page.length;
  }
  return removed;
}
