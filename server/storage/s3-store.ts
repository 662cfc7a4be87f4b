// An S3-compatible bucket as object storage (AWS S3, MinIO, R2, …): streamed puts through lib-storage (multipart past one part, aborted on failure), gets as streams, bounded timeouts and retries.
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { byteLimit, checkKey, checkPrefix, MAX_LIST_KEYS, ObjectTooLargeError, StorageError, type ObjectStore, type StoredObject } from './object-store';

export interface S3StoreOptions {
  bucket: string;
  /** the service's URL for a store other than AWS (http://127.0.0.1:9000); AWS's own when absent */
  endpoint?: string | undefined;
  region: string;
  /** static credentials; the SDK's usual chain (environment, profile, instance role) when absent */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** bucket in the path rather than the host name (MinIO and most local stores need it) */
  forcePathStyle: boolean;
  /** a folder inside the bucket every key goes under ('' for the bucket's root) */
  keyPrefix?: string | undefined;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** tries of one request, the first included */
  maxAttempts?: number;
}

/** parts of a streamed put: S3's smallest; one part is buffered at a time per put */
export const S3_PART_BYTES = 5 * 1024 * 1024;
export const DEFAULT_S3_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_S3_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_S3_MAX_ATTEMPTS = 3;
/** list pages read by one list */
const MAX_LIST_PAGES = 20;

const statusOf = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const isMissing = (e: unknown) => statusOf(e) === 404 || ['NoSuchKey', 'NotFound'].includes((e as Error).name);

export class S3Store implements ObjectStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly keyPrefix: string;

  constructor(private readonly opts: S3StoreOptions) {
    this.keyPrefix = opts.keyPrefix ? `${checkKey(opts.keyPrefix.replace(/\/+$/, ''))}/` : '';
    this.client = new S3Client({
      region: opts.region,
      forcePathStyle: opts.forcePathStyle,
      maxAttempts: opts.maxAttempts ?? DEFAULT_S3_MAX_ATTEMPTS,
      requestHandler: { connectionTimeout: opts.connectTimeoutMs ?? DEFAULT_S3_CONNECT_TIMEOUT_MS, requestTimeout: opts.requestTimeoutMs ?? DEFAULT_S3_REQUEST_TIMEOUT_MS },
      // checksums only where the API requires them: S3-compatible stores do not all speak the newer trailing checksums
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
    });
  }

  private fail(what: string, e: unknown): StorageError {
    return new StorageError(`the object store (bucket ${this.opts.bucket}) failed to ${what}: ${(e as Error).message || (e as Error).name}`, { cause: e });
  }

  async put(key: string, body: Readable | Buffer, maxBytes: number): Promise<{ bytes: number }> {
    const Key = this.keyPrefix + checkKey(key);
    const counted = { bytes: 0 };
    const limited = byteLimit(maxBytes, counted);
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    let bodyError: unknown = null;
    source.once('error', (e) => {
      bodyError = e;
      limited.destroy(e);
    });
    limited.once('error', (e) => (bodyError ??= e));
    source.pipe(limited);
    // a failed multipart put is aborted, its parts removed: nothing becomes visible
    const upload = new Upload({ client: this.client, params: { Bucket: this.opts.bucket, Key, Body: limited }, partSize: S3_PART_BYTES, queueSize: 1, leavePartsOnError: false });
    try {
      await upload.done();
      if (bodyError) throw bodyError;
      return { bytes: counted.bytes };
    } catch (e) {
      source.unpipe(limited);
      limited.destroy();
      const cause = bodyError ?? e;
      if (cause instanceof ObjectTooLargeError || cause === bodyError) throw cause;
      throw this.fail(`store ${key}`, e);
    }
  }

  async get(key: string): Promise<{ body: Readable; bytes: number } | null> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: this.keyPrefix + checkKey(key) }));
      if (!r.Body) throw new Error('no body');
      return { body: r.Body as Readable, bytes: r.ContentLength ?? 0 };
    } catch (e) {
      if (isMissing(e)) return null;
      throw this.fail(`read ${key}`, e);
    }
  }

  async head(key: string): Promise<{ bytes: number } | null> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.opts.bucket, Key: this.keyPrefix + checkKey(key) }));
      return { bytes: r.ContentLength ?? 0 };
    } catch (e) {
      if (isMissing(e)) return null;
      throw this.fail(`look up ${key}`, e);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.keyPrefix + checkKey(key) }));
    } catch (e) {
      if (!isMissing(e)) throw this.fail(`delete ${key}`, e);
    }
  }

  /** Pages of S3's default size (1,000 keys), cut to the limit here: some S3-compatible stores fail a truncated page of a smaller max-keys. */
  async list(prefix: string, limit: number): Promise<StoredObject[]> {
    const max = Math.min(limit, MAX_LIST_KEYS);
    const out: StoredObject[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES && out.length < max; page++) {
      let r;
      try {
        r = await this.client.send(new ListObjectsV2Command({ Bucket: this.opts.bucket, Prefix: this.keyPrefix + checkPrefix(prefix), ContinuationToken: token }));
      } catch (e) {
        throw this.fail(`list ${prefix}`, e);
      }
      for (const o of r.Contents ?? []) if (o.Key) out.push({ key: o.Key.slice(this.keyPrefix.length), bytes: o.Size ?? 0 });
      if (!r.IsTruncated || !r.NextContinuationToken) break;
      token = r.NextContinuationToken;
    }
    return out.slice(0, max);
  }

  close(): void {
    this.client.destroy();
  }
}
