// Remembers, for a moment, that a token's account was refused for runs in flight, so a client retrying in a tight loop is refused from memory (no database).
import { sha256 } from '../util';
import { DomainError, type RefusalKind } from '../errors';

/** how long a refusal is repeated from memory: short, so a run that finishes meanwhile makes room almost at once */
export const REFUSAL_MEMO_MS = 250;
/** tokens remembered at most; the oldest are forgotten first */
export const REFUSAL_MEMO_MAX = 10_000;

interface Remembered {
  accountId: string;
  untilMs: number;
  kind: RefusalKind;
  code: string;
  message: string;
  details: unknown;
}

export class RefusalMemo {
  private readonly byToken = new Map<string, Remembered>();
  /** the tokens remembered for each account, so that a run ending makes room for all of them at once */
  private readonly byAccount = new Map<string, Set<string>>();

  constructor(
    private readonly now: () => number,
    private readonly memoMs = REFUSAL_MEMO_MS,
    private readonly max = REFUSAL_MEMO_MAX,
  ) {}

  get size(): number {
    return this.byToken.size;
  }

  /** Throws the remembered refusal again if this token was refused within the last moment. */
  check(bearer: string): void {
    if (!bearer || this.byToken.size === 0) return;
    const key = sha256(bearer);
    const r = this.byToken.get(key);
    if (!r) return;
    if (this.now() >= r.untilMs) {
      this.drop(key);
      return;
    }
    throw new DomainError(r.kind, r.code, r.message, r.details);
  }

  /** Remembers a too_many_runs refusal given to this token of this account; other errors are not remembered. */
  remember(bearer: string, accountId: string, e: unknown): void {
    if (!(e instanceof DomainError) || e.kind !== 'too_many' || e.code !== 'too_many_runs' || !bearer) return;
    const key = sha256(bearer);
    this.drop(key);
    this.byToken.set(key, { accountId, untilMs: this.now() + this.memoMs, kind: e.kind, code: e.code, message: e.message, details: e.details });
    let keys = this.byAccount.get(accountId);
    if (!keys) this.byAccount.set(accountId, (keys = new Set()));
    keys.add(key);
    while (this.byToken.size > this.max) this.drop(this.byToken.keys().next().value!);
  }

  /** One of the account's runs ended or left the queue: its tokens are asked again at once. */
  forgetAccount(accountId: string): void {
    const keys = this.byAccount.get(accountId);
    if (!keys) return;
    this.byAccount.delete(accountId);
    for (const k of keys) this.byToken.delete(k);
  }

  private drop(key: string): void {
    const r = this.byToken.get(key);
    if (!r) return;
    this.byToken.delete(key);
    const keys = this.byAccount.get(r.accountId);
    keys?.delete(key);
    if (keys?.size === 0) this.byAccount.delete(r.accountId);
  }
}
