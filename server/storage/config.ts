// Which object store the server keeps training files in, from flags and environment: the data folder (the default) or an S3-compatible bucket.
import path from 'node:path';
import { FolderStore } from './folder-store';
import type { ObjectStore } from './object-store';
import { S3Store, type S3StoreOptions } from './s3-store';

export type StorageConfig = { kind: 'folder' } | ({ kind: 's3' } & S3StoreOptions);

/** the flags parseArgs must know (credentials come from the environment only, never the command line) */
export const STORAGE_FLAGS = {
  's3-bucket': { type: 'string' },
  's3-endpoint': { type: 'string' },
  's3-region': { type: 'string' },
  's3-prefix': { type: 'string' },
  's3-force-path-style': { type: 'boolean' },
} as const;

export interface StorageFlagValues {
  's3-bucket'?: string | undefined;
  's3-endpoint'?: string | undefined;
  's3-region'?: string | undefined;
  's3-prefix'?: string | undefined;
  's3-force-path-style'?: boolean | undefined;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*\/?$/;

/** An S3 bucket when one is named (--s3-bucket or CREDITS_S3_BUCKET); the data folder otherwise. Throws a plain Error naming what is wrong. */
export function parseStorageConfig(values: StorageFlagValues, env: NodeJS.ProcessEnv): StorageConfig {
  const bucket = values['s3-bucket'] ?? env.CREDITS_S3_BUCKET ?? '';
  if (!bucket) return { kind: 'folder' };
  if (!BUCKET.test(bucket)) throw new Error(`--s3-bucket must be an S3 bucket name (3-63 of a-z 0-9 . -), got ${bucket}`);
  const endpoint = values['s3-endpoint'] ?? env.CREDITS_S3_ENDPOINT ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint)) throw new Error(`--s3-endpoint must be an http(s) URL, got ${endpoint}`);
  const keyPrefix = values['s3-prefix'] ?? env.CREDITS_S3_PREFIX ?? undefined;
  if (keyPrefix !== undefined && keyPrefix !== '' && (!PREFIX.test(keyPrefix) || keyPrefix.length > 200)) throw new Error(`--s3-prefix must be folder names of letters, digits and . _ - joined by /, got ${keyPrefix}`);
  const accessKeyId = env.CREDITS_S3_ACCESS_KEY_ID;
  const secretAccessKey = env.CREDITS_S3_SECRET_ACCESS_KEY;
  if (!!accessKeyId !== !!secretAccessKey) throw new Error('CREDITS_S3_ACCESS_KEY_ID and CREDITS_S3_SECRET_ACCESS_KEY go together (or neither, for the AWS SDK credential chain)');
  const pathStyleText = env.CREDITS_S3_FORCE_PATH_STYLE;
  return {
    kind: 's3', bucket, endpoint, keyPrefix,
    region: values['s3-region'] ?? env.CREDITS_S3_REGION ?? env.AWS_REGION ?? 'us-east-1',
    forcePathStyle: values['s3-force-path-style'] ?? (pathStyleText === '1' || pathStyleText === 'true'),
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  };
}

/** The store itself: the folder is the data directory's trainings folder (as before object storage). */
export function openStorage(config: StorageConfig, dataDir: string): ObjectStore {
  if (config.kind === 'folder') return new FolderStore(path.join(dataDir, 'trainings'));
  const { kind: _kind, ...options } = config;
  return new S3Store(options);
}
