// check:faults helpers: a seeded random source (so a run can be repeated), sleeping, and bounded concurrency.

/** mulberry32: a small seeded generator; the same --seed gives the same requests and kill points. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  next.pick = (list) => list[Math.floor(next() * list.length)];
  return next;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `task(i)` for i in [0, count) with at most `limit` in flight; resolves when all have finished. */
export async function pool(count, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** Polls `check` (async, returns a truthy value when done) every `everyMs` until it is done or `timeoutMs` passes; returns its last value. */
export async function until(check, timeoutMs, everyMs = 500) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v || Date.now() >= end) return v;
    await sleep(everyMs);
  }
}

export function fmt(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : String(n);
}
