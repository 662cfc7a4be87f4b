// The local folder as object storage (the embedded default): a key is a file under the root, written beside it first and renamed into place whole.
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { byteLimit, checkKey, checkPrefix, MAX_LIST_KEYS, ObjectTooLargeError, StorageError, type ObjectStore, type StoredObject } from './object-store';

/** where puts are written before they are renamed into place; its name starts with a dot, which no key may */
const PARTIAL_DIR = '.partial';
/** folders walked and files seen by one list, so that a huge tree cannot keep a list going */
const MAX_LIST_DIRS = 10_000;
const MAX_LIST_SEEN = 50_000;

const isMissing = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR';

export class FolderStore implements ObjectStore {
  readonly kind = 'folder' as const;

  constructor(readonly root: string) {}

  private fileOf(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  async put(key: string, body: Readable | Buffer, maxBytes: number): Promise<{ bytes: number }> {
    const file = this.fileOf(key);
    const tmp = path.join(this.root, PARTIAL_DIR, randomUUID());
    const counted = { bytes: 0 };
    try {
      await mkdir(path.dirname(tmp), { recursive: true });
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, byteLimit(maxBytes, counted), createWriteStream(tmp));
      await mkdir(path.dirname(file), { recursive: true });
      await rename(tmp, file);
      return { bytes: counted.bytes };
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      if (e instanceof ObjectTooLargeError || !(e as NodeJS.ErrnoException).syscall) throw e; // the body's own failure
      throw new StorageError(`the folder store could not write ${key}: ${(e as Error).message}`, { cause: e });
    }
  }

  async get(key: string): Promise<{ body: Readable; bytes: number } | null> {
    const file = this.fileOf(key);
    const st = await stat(file).catch((e: unknown) => (isMissing(e) ? null : Promise.reject(e)));
    if (!st?.isFile()) return null;
    return { body: createReadStream(file), bytes: st.size };
  }

  async head(key: string): Promise<{ bytes: number } | null> {
    const st = await stat(this.fileOf(key)).catch((e: unknown) => (isMissing(e) ? null : Promise.reject(e)));
    return st?.isFile() ? { bytes: st.size } : null;
  }

  async delete(key: string): Promise<void> {
    await rm(this.fileOf(key), { force: true });
  }

  /** Walks the folder the prefix names (its complete segments), skipping the partial puts; sorted as S3 sorts (by the whole key). */
  async list(prefix: string, limit: number): Promise<StoredObject[]> {
    checkPrefix(prefix);
    const out: StoredObject[] = [];
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    let dirs = 0;
    const walk = async (dirKey: string): Promise<void> => {
      if (++dirs > MAX_LIST_DIRS) return;
      const dir = dirKey ? path.join(this.root, ...dirKey.split('/')) : this.root;
      const entries = await readdir(dir, { withFileTypes: true }).catch((e: unknown) => (isMissing(e) ? [] : Promise.reject(e)));
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (out.length >= MAX_LIST_SEEN || e.name.startsWith('.')) continue;
        const key = dirKey ? `${dirKey}/${e.name}` : e.name;
        if (e.isDirectory() && (prefix.startsWith(`${key}/`) || key.startsWith(prefix))) await walk(key);
        else if (e.isFile() && key.startsWith(prefix)) out.push({ key, bytes: (await stat(path.join(dir, e.name))).size });
      }
    };
    await walk(base);
    return out.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key))).slice(0, Math.min(limit, MAX_LIST_KEYS));
  }
}
