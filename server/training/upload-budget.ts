// How much training upload this instance reads at once: a JSON body may be tens of MB held in memory, a form a few MB of buffers, so the bytes held are bounded (in all, and per account).

import { TRAINING_IMAGES_ARRAY_MAX } from '../../shared/api/training';
import { TRAINING_MAX_IMAGE_BYTES, TRAINING_MAX_JOB_BYTES } from '../../shared/rules/training';

/**
 * The images' base64 (4 characters per 3 bytes) and room for the rest of the JSON; one image more than the job's limit, so that a
 * job a little too large is answered training_job_too_large rather than body_too_large.
 */
export const TRAINING_BODY_LIMIT_BYTES = Math.ceil((TRAINING_MAX_JOB_BYTES + TRAINING_MAX_IMAGE_BYTES) / 3) * 4 + TRAINING_IMAGES_ARRAY_MAX * 512 + 64 * 1024;

/** the largest training bodies read at once by one instance: a bound on the memory uploads take */
export const TRAINING_UPLOADS_AT_ONCE = 2;

/** what a refused upload is told to wait before trying again */
export const TRAINING_UPLOAD_RETRY_MS = 5_000;
/**
 * What a multipart upload holds in memory at most, whatever its size: one S3 part (5 MiB: an image of up to 4 MiB is sent whole)
 * and the parser's chunks, rounded up. A JSON upload counts its whole body instead.
 */
export const TRAINING_FORM_UPLOAD_BYTES = 8 * 1024 * 1024;

/**
 * A budget of body bytes being read: memory, not money, so it is this instance's own (each instance bounds its own process). An
 * upload counts the bytes its Content-Length announces (the body limit when it announces none), from before its body is read until
 * its answer is sent or its client goes.
 */
export class UploadBudget {
  private usedBytes = 0;
  private readonly byAccount = new Map<string, number>();

  constructor(
    /** bytes read at once by this instance */
    private readonly totalBytes: number,
    /** bytes read at once for one account */
    private readonly perAccountBytes: number,
  ) {}

  get inUseBytes(): number {
    return this.usedBytes;
  }

  /** Which bound refuses an upload of `bytes` now: the account's share, the instance's whole, or neither. */
  fullFor(accountId: string, bytes: number): 'account' | 'instance' | null {
    if ((this.byAccount.get(accountId) ?? 0) + bytes > this.perAccountBytes) return 'account';
    return this.usedBytes + bytes > this.totalBytes ? 'instance' : null;
  }

  /** Room for the account's upload of `bytes` and the function that gives it back (safe to call more than once), or null when there is none. */
  take(accountId: string, bytes: number): (() => void) | null {
    const mine = this.byAccount.get(accountId) ?? 0;
    if (this.usedBytes + bytes > this.totalBytes || mine + bytes > this.perAccountBytes) return null;
    this.usedBytes += bytes;
    this.byAccount.set(accountId, mine + bytes);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.usedBytes -= bytes;
      const left = (this.byAccount.get(accountId) ?? bytes) - bytes;
      if (left <= 0) this.byAccount.delete(accountId);
      else this.byAccount.set(accountId, left);
    };
  }
}
