// Fair queue rules shared by the server and the app: plan priority ranks, the per-account limit of runs in flight, aging, and the fair order of waiting runs.
import type { Plan } from '../catalog/schema';

export type QueuePriority = Plan['queuePriority'];

/** Higher runs first; a waiting run gains one rank per `QUEUE_AGING_MS`, so the lowest tier waits a bounded time. */
export const PRIORITY_RANK: Record<QueuePriority, number> = { standard: 0, priority: 1, fastest: 2, instant: 3 };
export const TOP_RANK = 3;

/** Every `QUEUE_AGING_MS` a waiting run climbs one rank: after TOP_RANK steps it is served in arrival order with the fastest tier. */
export const QUEUE_AGING_MS = 5_000;

/** Runs an account may have queued and running at once, by its plan's queue priority: one busy account cannot starve the rest. */
export const IN_FLIGHT_LIMIT: Record<QueuePriority, number> = { standard: 8, priority: 16, fastest: 32, instant: 64 };

/** The rank a run waiting since `enqueuedAtMs` has at `nowMs`. */
export function effectiveRank(rank: number, enqueuedAtMs: number, nowMs: number): number {
  return rank + Math.floor(Math.max(0, nowMs - enqueuedAtMs) / QUEUE_AGING_MS);
}

/** A run waiting for an engine slot, as the fair order sees it. */
export interface WaitingRun {
  accountId: string;
  /** the plan's priority rank (PRIORITY_RANK) */
  rank: number;
  enqueuedAtMs: number;
}

/** What the fair order knows of an account: its runs going now, and when it was last served (0: never; only the order counts). */
export interface AccountTurn {
  running: number;
  lastServed: number;
}

const NO_TURN: AccountTurn = { running: 0, lastServed: 0 };

/**
 * Whether run `a` starts before run `b`: an account with nothing going first, whatever the tiers; then the highest effective
 * rank (plan rank plus aging, capped at the top so the long-waiting are served in arrival order with the fastest tier); then
 * the account with fewer runs going; then the account served least recently (round robin); then the earliest arrival.
 */
export function runsBefore(a: WaitingRun, b: WaitingRun, turnOf: (accountId: string) => AccountTurn | undefined, nowMs: number): boolean {
  const ta = turnOf(a.accountId) ?? NO_TURN;
  const tb = turnOf(b.accountId) ?? NO_TURN;
  if (Math.min(ta.running, 1) !== Math.min(tb.running, 1)) return ta.running === 0;
  const ra = Math.min(TOP_RANK, effectiveRank(a.rank, a.enqueuedAtMs, nowMs));
  const rb = Math.min(TOP_RANK, effectiveRank(b.rank, b.enqueuedAtMs, nowMs));
  if (ra !== rb) return ra > rb;
  if (ta.running !== tb.running) return ta.running < tb.running;
  if (ta.lastServed !== tb.lastServed) return ta.lastServed < tb.lastServed;
  return a.enqueuedAtMs < b.enqueuedAtMs;
}

/** The next run among `runs` in the fair order (the first of equals); undefined when there is none. */
export function nextRun<T extends WaitingRun>(runs: readonly T[], turnOf: (accountId: string) => AccountTurn | undefined, nowMs: number): T | undefined {
  let best = runs[0];
  for (let i = 1; i < runs.length; i++) if (runsBefore(runs[i]!, best!, turnOf, nowMs)) best = runs[i];
  return best;
}

/** `runs` in the fair order, ties kept in the order given. */
export function fairOrder<T extends WaitingRun>(runs: readonly T[], turnOf: (accountId: string) => AccountTurn | undefined, nowMs: number): T[] {
  return [...runs].sort((a, b) => (runsBefore(a, b, turnOf, nowMs) ? -1 : runsBefore(b, a, turnOf, nowMs) ? 1 : 0));
}
