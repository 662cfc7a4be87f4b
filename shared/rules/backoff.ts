// The one retry schedule: capped exponential backoff with full jitter, used by main (server restarts, wallet reconnects) and the browser bridge.

export interface BackoffPolicy {
  /** the ceiling of the first retry's delay */
  initialMs: number;
  /** no delay is ever longer than this (even the first, when initialMs is larger) */
  maxMs: number;
}

/** 2^30 × any sensible initial delay is already past every cap; a larger exponent only risks Infinity. */
const MAX_EXPONENT = 30;

/**
 * The delay before retry number `attempt` (0 for the first retry): a uniformly random point in [0, min(maxMs, initialMs × 2^attempt)]
 * ("full jitter", so that many clients that failed together do not retry together). `random` is injectable for tests and must
 * return a number in [0, 1]; with `() => 1` the delay is the ceiling itself.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  if (!Number.isSafeInteger(attempt) || attempt < 0) throw new RangeError(`attempt must be a non-negative integer, got ${String(attempt)}`);
  const { initialMs, maxMs } = policy;
  if (!Number.isSafeInteger(initialMs) || initialMs < 0 || !Number.isSafeInteger(maxMs) || maxMs < 0) {
    throw new RangeError(`a backoff needs non-negative integer delays, got initialMs ${String(initialMs)} and maxMs ${String(maxMs)}`);
  }
  const r = random();
  if (!(r >= 0 && r <= 1)) throw new RangeError(`random() must return a number in [0, 1], got ${String(r)}`);
  const ceilingMs = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, MAX_EXPONENT));
  return Math.round(r * ceilingMs);
}
