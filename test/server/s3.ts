// A real local S3-compatible server for tests (s3rver on port 0, in a temp folder) and S3 stores that talk to it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { S3Store, type S3StoreOptions } from '../../server/storage/s3-store';

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** a store on the bucket (each with its own client), optionally under a key prefix */
  store(extra?: Partial<S3StoreOptions>): S3Store;
  close(): Promise<void>;
}

export async function startLocalS3(bucket = 'credits-test'): Promise<LocalS3> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'credits-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const stores: S3Store[] = [];
  return {
    endpoint, bucket,
    store: (extra = {}) => {
      const s = new S3Store({ bucket, endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, requestTimeoutMs: 10_000, ...extra });
      stores.push(s);
      return s;
    },
    close: async () => {
      for (const s of stores) s.close();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
