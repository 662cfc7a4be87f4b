// One contract for both object stores (the local folder, and S3 against a real local S3-compatible server): put and get, missing keys, prefix lists, limits, and interrupted puts that leave nothing visible.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../test/server/s3';
import { FolderStore } from './folder-store';
import { deletePrefix, ObjectTooLargeError, readObject, StorageError, type ObjectStore } from './object-store';
import { S3Store } from './s3-store';

const MiB = 1024 * 1024;

/** A body that sends `bytes` in 64 KiB chunks, then fails (or ends when `fail` is false). */
function body(bytes: number, fail: boolean): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytes) {
        if (fail) this.destroy(new Error('the client went'));
        else this.push(null);
        return;
      }
      const n = Math.min(64 * 1024, bytes - sent);
      sent += n;
      this.push(Buffer.alloc(n, sent % 251));
    },
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let s3: LocalS3;
const folderRoot = mkdtempSync(path.join(os.tmpdir(), 'credits-folder-store-'));
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await s3.close();
  rmSync(folderRoot, { recursive: true, force: true });
});

const STORES: [string, () => ObjectStore][] = [
  ['the local folder', () => new FolderStore(folderRoot)],
  ['S3 (s3rver)', () => s3.store({ keyPrefix: 'contract' })],
];

describe.each(STORES)('object store contract: %s', (_name, make) => {
  let store: ObjectStore;
  const ns = `t${randomBytes(4).toString('hex')}`;
  beforeAll(() => {
    store = make();
  });

  it('puts, heads, gets and replaces an object; deletes it', async () => {
    const first = randomBytes(3_000);
    expect(await store.put(`${ns}/one.bin`, first, MiB)).toEqual({ bytes: 3_000 });
    expect(await store.head(`${ns}/one.bin`)).toEqual({ bytes: 3_000 });
    expect(sha((await readObject(store, `${ns}/one.bin`, MiB))!)).toBe(sha(first));
    const second = randomBytes(10);
    await store.put(`${ns}/one.bin`, Readable.from([second]), MiB);
    expect(await readObject(store, `${ns}/one.bin`, MiB)).toEqual(second);
    await store.delete(`${ns}/one.bin`);
    expect(await store.head(`${ns}/one.bin`)).toBeNull();
  });

  it('a missing key: get and head are null, delete is no error, a bad key is refused', async () => {
    expect(await store.get(`${ns}/missing.bin`)).toBeNull();
    expect(await store.head(`${ns}/missing.bin`)).toBeNull();
    await store.delete(`${ns}/missing.bin`);
    await expect(store.get(`${ns}/../escape`)).rejects.toThrow(/not a storage key/);
  });

  it('lists by prefix in key order, with a limit; deletePrefix removes exactly those', async () => {
    for (const k of ['a/2.bin', 'a/1.bin', 'a/b/3.bin', 'ab/4.bin', 'b/5.bin']) await store.put(`${ns}/${k}`, Buffer.from(k), MiB);
    const keys = async (prefix: string, limit = 100) => (await store.list(`${ns}/${prefix}`, limit)).map((o) => o.key.slice(ns.length + 1));
    expect(await keys('a/')).toEqual(['a/1.bin', 'a/2.bin', 'a/b/3.bin']);
    expect(await keys('a')).toEqual(['a/1.bin', 'a/2.bin', 'a/b/3.bin', 'ab/4.bin']);
    expect(await keys('a/', 2)).toEqual(['a/1.bin', 'a/2.bin']);
    expect(await store.list(`${ns}/a/1`, 10)).toEqual([{ key: `${ns}/a/1.bin`, bytes: 7 }]);
    expect(await keys('nothing/')).toEqual([]);
    expect(await deletePrefix(store, `${ns}/a/`)).toBe(3);
    expect(await keys('')).toEqual(['ab/4.bin', 'b/5.bin']);
  });

  it('streams a body of several parts', { timeout: 60_000 }, async () => {
    expect(await store.put(`${ns}/big.bin`, body(12 * MiB, false), 16 * MiB)).toEqual({ bytes: 12 * MiB });
    expect(await store.head(`${ns}/big.bin`)).toEqual({ bytes: 12 * MiB });
    const got = (await store.get(`${ns}/big.bin`))!;
    let n = 0;
    for await (const chunk of got.body as AsyncIterable<Buffer>) n += chunk.length;
    expect(n).toBe(12 * MiB);
  });

  it('an interrupted put (small, or past one part) leaves nothing visible, and what the key held stays', { timeout: 60_000 }, async () => {
    await expect(store.put(`${ns}/cut/small.bin`, body(100_000, true), 16 * MiB)).rejects.toThrow('the client went');
    await expect(store.put(`${ns}/cut/large.bin`, body(7 * MiB, true), 16 * MiB)).rejects.toThrow('the client went');
    expect(await store.list(`${ns}/cut/`, 10)).toEqual([]);
    await store.put(`${ns}/kept.bin`, Buffer.from('kept'), MiB);
    await expect(store.put(`${ns}/kept.bin`, body(200_000, true), MiB)).rejects.toThrow('the client went');
    expect((await readObject(store, `${ns}/kept.bin`, MiB))!.toString()).toBe('kept');
  });

  it('a body past maxBytes is refused and leaves nothing', async () => {
    await expect(store.put(`${ns}/over.bin`, body(300_000, false), 200_000)).rejects.toBeInstanceOf(ObjectTooLargeError);
    expect(await store.head(`${ns}/over.bin`)).toBeNull();
    await store.put(`${ns}/read-limit.bin`, randomBytes(2_000), MiB);
    await expect(readObject(store, `${ns}/read-limit.bin`, 1_000)).rejects.toBeInstanceOf(ObjectTooLargeError);
  });
});

describe('object store down', () => {
  it('an S3 store that cannot be reached fails with StorageError (bounded tries), never a missing key', async () => {
    const down = new S3Store({ bucket: 'b', endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 2, connectTimeoutMs: 1_000 });
    await expect(down.head('k')).rejects.toBeInstanceOf(StorageError);
    await expect(down.get('k')).rejects.toBeInstanceOf(StorageError);
    await expect(down.put('k', Buffer.from('x'), 10)).rejects.toBeInstanceOf(StorageError);
    await expect(down.list('', 10)).rejects.toBeInstanceOf(StorageError);
    down.close();
  });
});
