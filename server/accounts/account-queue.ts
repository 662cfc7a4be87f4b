// One turn at a time per account on this instance: work that takes an account's row lock waits here, in memory, instead of holding a database connection while it waits.
import { DomainError } from '../errors';

/** callers waiting for one account's turn at most; past it the server is busy for that account */
export const MAX_WAITING_PER_ACCOUNT = 1_000;

/**
 * Requests of one account that all take its row lock would otherwise each hold one of the pool's connections while they wait
 * on the lock: a busy account could take the whole pool and stall every other account. Here they queue in memory, and only
 * one per account at a time asks the database. (The row lock still orders them across instances.)
 */
export class AccountTurns {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly waiting = new Map<string, number>();

  constructor(private readonly maxWaiting = MAX_WAITING_PER_ACCOUNT) {}

  /** accounts with work waiting or running (for tests) */
  get busyAccounts(): number {
    return this.tails.size;
  }

  /** Runs `fn` when the account's earlier work here has finished; `fn` must not wait for another turn of the same account. */
  async run<T>(accountId: string, fn: () => Promise<T>): Promise<T> {
    const n = this.waiting.get(accountId) ?? 0;
    if (n >= this.maxWaiting) throw new DomainError('busy', 'busy', `this account has ${n} requests waiting on this server; try again in a moment`, { retryAfterMs: 1_000 });
    this.waiting.set(accountId, n + 1);
    const before = this.tails.get(accountId) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = before.then(() => mine);
    this.tails.set(accountId, tail);
    try {
      await before;
      return await fn();
    } finally {
      release();
      const left = (this.waiting.get(accountId) ?? 1) - 1;
      if (left <= 0) this.waiting.delete(accountId);
      else this.waiting.set(accountId, left);
      if (this.tails.get(accountId) === tail) this.tails.delete(accountId);
    }
  }
}
