// The fair run queue of one server instance: concurrency and requests per minute per engine, plan priority with aging, round robin across accounts.
import { effectiveRank, TOP_RANK, QUEUE_AGING_MS } from '../../shared/rules/queue';
import type { EngineLimits } from '../engines/types';

export type { EngineLimits };

export interface QueueItem {
  id: string;
  accountId: string;
  engine: string;
  /** the plan's priority rank (PRIORITY_RANK) */
  rank: number;
  enqueuedAtMs: number;
}

export interface QueuePlace {
  /** runs on the same engine that start before this one, if nothing else arrives */
  ahead: number;
  /** when it is expected to start, from the engine's recent run times and its concurrency */
  expectedStartMs: number;
}

const MINUTE_MS = 60_000;
/** a run time never measured yet is assumed to take this long */
const DEFAULT_RUN_MS = 5_000;
/** weight of the newest run time in the engine's moving average */
const EWMA_WEIGHT = 0.2;
/** accounts whose last turn is remembered for round robin (the oldest are forgotten first) */
const MAX_ACCOUNTS_REMEMBERED = 100_000;

interface EngineState {
  limits: EngineLimits;
  running: number;
  /** start times within the last minute, oldest first (bounded by perMinute) */
  starts: number[];
  avgRunMs: number;
  queue: QueueItem[];
}

export class FairScheduler {
  private readonly engines = new Map<string, EngineState>();
  private readonly byId = new Map<string, QueueItem>();
  /** running runs per account, for round robin */
  private readonly runningByAccount = new Map<string, number>();
  private readonly startedAt = new Map<string, { engine: string; accountId: string; atMs: number }>();
  /** when each account was last served, as a sequence number: the least recently served goes first among equals */
  private readonly lastServed = new Map<string, number>();
  private served = 0;
  /** runs queued or running here, until they finish (settled or voided): their owners, and how many each account has */
  private readonly ownerOf = new Map<string, string>();
  private readonly inFlightByAccount = new Map<string, number>();

  constructor(
    private readonly limitsOf: (engine: string) => EngineLimits,
    private readonly now: () => number,
    /** told when one of an account's runs stops counting as in flight here (it ended, or left the queue) */
    private readonly onLeave: (accountId: string) => void = () => {},
  ) {}

  get size(): number {
    return this.byId.size;
  }

  get runningCount(): number {
    return this.startedAt.size;
  }

  has(id: string): boolean {
    return this.byId.has(id) || this.startedAt.has(id);
  }

  queuedIds(): string[] {
    return [...this.byId.keys()];
  }

  add(item: QueueItem): void {
    if (this.has(item.id)) return;
    this.byId.set(item.id, item);
    this.engine(item.engine).queue.push(item);
    if (!this.ownerOf.has(item.id)) {
      this.ownerOf.set(item.id, item.accountId);
      this.inFlightByAccount.set(item.accountId, (this.inFlightByAccount.get(item.accountId) ?? 0) + 1);
    }
  }

  /** Drops a queued run (canceled, or no longer this instance's); true if it was queued here. */
  remove(id: string): boolean {
    const item = this.byId.get(id);
    if (!item) return false;
    this.byId.delete(id);
    const q = this.engine(item.engine).queue;
    q.splice(q.indexOf(item), 1);
    this.untrack(id);
    return true;
  }

  /** Runs of this account queued or running on this instance: never more than the account has in all (other instances may hold more). */
  inFlightOf(accountId: string): number {
    return this.inFlightByAccount.get(accountId) ?? 0;
  }

  /** A run ended (settled or voided): its engine slot is free if it was not freed already, and it no longer counts as in flight. */
  finished(id: string): void {
    this.done(id);
    this.untrack(id);
  }

  private untrack(id: string): void {
    const accountId = this.ownerOf.get(id);
    if (accountId === undefined) return;
    this.ownerOf.delete(id);
    const n = (this.inFlightByAccount.get(accountId) ?? 1) - 1;
    if (n <= 0) this.inFlightByAccount.delete(accountId);
    else this.inFlightByAccount.set(accountId, n);
    this.onLeave(accountId);
  }

  /** The runs to start now, each engine up to its concurrency and per-minute budget, in fair order; they count as running until `done`. */
  take(): QueueItem[] {
    const nowMs = this.now();
    const out: QueueItem[] = [];
    for (const e of this.engines.values()) {
      while (e.queue.length > 0 && e.running < e.limits.concurrency && this.minuteBudget(e, nowMs) > 0) {
        const item = this.pick(e.queue, nowMs);
        e.queue.splice(e.queue.indexOf(item), 1);
        this.byId.delete(item.id);
        e.running++;
        if (e.limits.perMinute !== null) e.starts.push(nowMs);
        this.runningByAccount.set(item.accountId, (this.runningByAccount.get(item.accountId) ?? 0) + 1);
        this.lastServed.set(item.accountId, ++this.served);
        if (this.lastServed.size > MAX_ACCOUNTS_REMEMBERED) this.lastServed.delete(this.lastServed.keys().next().value!);
        this.startedAt.set(item.id, { engine: item.engine, accountId: item.accountId, atMs: nowMs });
        out.push(item);
      }
    }
    return out;
  }

  /** A started run's engine work ended (it may still be settling): its slot is free and its time feeds the engine's average. */
  done(id: string): void {
    const s = this.startedAt.get(id);
    if (!s) return;
    this.startedAt.delete(id);
    const e = this.engine(s.engine);
    e.running--;
    e.avgRunMs = Math.round(e.avgRunMs * (1 - EWMA_WEIGHT) + Math.max(0, this.now() - s.atMs) * EWMA_WEIGHT);
    const n = (this.runningByAccount.get(s.accountId) ?? 1) - 1;
    if (n <= 0) this.runningByAccount.delete(s.accountId);
    else this.runningByAccount.set(s.accountId, n);
  }

  /** When the per-minute budget of some engine with waiting runs frees up next; null if nothing waits on a budget. */
  nextBudgetAtMs(): number | null {
    const nowMs = this.now();
    let next: number | null = null;
    for (const e of this.engines.values()) {
      if (e.queue.length === 0 || e.running >= e.limits.concurrency || this.minuteBudget(e, nowMs) > 0) continue;
      const at = e.starts[0]! + MINUTE_MS;
      next = next === null ? at : Math.min(next, at);
    }
    return next;
  }

  /** Where a queued run stands: how many start before it on its engine, and when it should start. */
  place(id: string): QueuePlace | null {
    const item = this.byId.get(id);
    if (!item) return null;
    const e = this.engine(item.engine);
    const nowMs = this.now();
    // counted in one pass (the queue may hold thousands): the runs that sort before it, ties in arrival order as order() keeps them
    let ahead = 0;
    let earlier = true;
    for (const other of e.queue) {
      if (other === item) earlier = false;
      else if (this.before(other, item, nowMs) || (earlier && !this.before(item, other, nowMs))) ahead++;
    }
    return this.placeAt(e, ahead, nowMs);
  }

  /** Every queued run's place, each engine's queue ordered once (for telling all owners in one pass). */
  places(): Map<string, QueuePlace> {
    const nowMs = this.now();
    const out = new Map<string, QueuePlace>();
    for (const e of this.engines.values()) this.order(e.queue, nowMs).forEach((item, ahead) => out.set(item.id, this.placeAt(e, ahead, nowMs)));
    return out;
  }

  private placeAt(e: EngineState, ahead: number, nowMs: number): QueuePlace {
    const waves = Math.floor(ahead / Math.max(1, e.limits.concurrency)) + (e.running >= e.limits.concurrency ? 1 : 0);
    let expectedStartMs = nowMs + waves * e.avgRunMs;
    if (e.limits.perMinute !== null) expectedStartMs = Math.max(expectedStartMs, nowMs + Math.floor(ahead / e.limits.perMinute) * MINUTE_MS);
    return { ahead, expectedStartMs };
  }

  /** How long until one of this account's runs is expected to finish, for a Retry-After. */
  retryAfterMs(accountId: string): number {
    let best: number | null = null;
    const nowMs = this.now();
    for (const s of this.startedAt.values()) {
      if (s.accountId !== accountId) continue;
      const left = Math.max(1_000, s.atMs + this.engine(s.engine).avgRunMs - nowMs);
      best = best === null ? left : Math.min(best, left);
    }
    return best ?? QUEUE_AGING_MS;
  }

  private engine(name: string): EngineState {
    let e = this.engines.get(name);
    if (!e) {
      e = { limits: this.limitsOf(name), running: 0, starts: [], avgRunMs: DEFAULT_RUN_MS, queue: [] };
      this.engines.set(name, e);
    }
    return e;
  }

  private minuteBudget(e: EngineState, nowMs: number): number {
    if (e.limits.perMinute === null) return Number.POSITIVE_INFINITY;
    while (e.starts.length > 0 && e.starts[0]! <= nowMs - MINUTE_MS) e.starts.shift();
    return e.limits.perMinute - e.starts.length;
  }

  /**
   * The next run: an account with nothing going first; then the highest effective rank (plan rank plus aging, capped at the top
   * so the long-waiting are served in arrival order with the fastest tier), then the account with the fewest runs going, then
   * the account served least recently (round robin), then the earliest arrival.
   */
  private pick(queue: QueueItem[], nowMs: number): QueueItem {
    let best = queue[0]!;
    for (let i = 1; i < queue.length; i++) if (this.before(queue[i]!, best, nowMs)) best = queue[i]!;
    return best;
  }

  private order(queue: QueueItem[], nowMs: number): QueueItem[] {
    return [...queue].sort((a, b) => (this.before(a, b, nowMs) ? -1 : this.before(b, a, nowMs) ? 1 : 0));
  }

  private before(a: QueueItem, b: QueueItem, nowMs: number): boolean {
    const na = this.runningByAccount.get(a.accountId) ?? 0;
    const nb = this.runningByAccount.get(b.accountId) ?? 0;
    // an account with nothing going is served before the next run of one that has runs going, whatever the tiers
    if (Math.min(na, 1) !== Math.min(nb, 1)) return na === 0;
    const ra = Math.min(TOP_RANK, effectiveRank(a.rank, a.enqueuedAtMs, nowMs));
    const rb = Math.min(TOP_RANK, effectiveRank(b.rank, b.enqueuedAtMs, nowMs));
    if (ra !== rb) return ra > rb;
    if (na !== nb) return na < nb;
    const sa = this.lastServed.get(a.accountId) ?? 0;
    const sb = this.lastServed.get(b.accountId) ?? 0;
    if (sa !== sb) return sa < sb;
    return a.enqueuedAtMs < b.enqueuedAtMs;
  }
}
