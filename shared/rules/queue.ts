// Fair queue rules shared by the server and the app: plan priority ranks, the per-account limit of runs in flight, and aging.
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
