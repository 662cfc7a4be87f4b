// How much training upload this instance reads at once: each body may be tens of MB held in memory, so the bytes being read are bounded (in all, and per account).

/** what a refused upload is told to wait before trying again */
export const TRAINING_UPLOAD_RETRY_MS = 5_000;

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
