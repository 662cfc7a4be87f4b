// The fair order of waiting runs (shared/rules/queue.ts), the one comparator the fleet's queue in the database uses: the rules in order, aging, no starvation, a strict order.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fairOrder, nextRun, runsBefore, QUEUE_AGING_MS, TOP_RANK, type AccountTurn, type WaitingRun } from '../../shared/rules/queue';

const NOW = 1_000_000;
const run = (accountId: string, rank = 0, enqueuedAtMs = NOW): WaitingRun & { id: string } => ({ id: `${accountId}-${rank}-${enqueuedAtMs}`, accountId, rank, enqueuedAtMs });

describe('the fair order of waiting runs', () => {
  it('an account with nothing going first, then the higher effective rank, fewer runs going, the least recently served, the earliest arrival', () => {
    const turns: Record<string, AccountTurn> = { busyMax: { running: 2, lastServed: 5 }, idleFree: { running: 0, lastServed: 9 }, one: { running: 1, lastServed: 1 }, two: { running: 2, lastServed: 0 }, old: { running: 1, lastServed: 3 } };
    const turnOf = (a: string) => turns[a];
    // nothing going beats a higher tier with runs going
    expect(runsBefore(run('idleFree', 0), run('busyMax', TOP_RANK), turnOf, NOW)).toBe(true);
    // among accounts with runs going: the higher rank
    expect(runsBefore(run('busyMax', TOP_RANK), run('one', 0), turnOf, NOW)).toBe(true);
    // equal ranks: fewer runs going
    expect(runsBefore(run('one', 1), run('two', 1), turnOf, NOW)).toBe(true);
    // equal ranks and runs going: served least recently
    expect(runsBefore(run('one', 1), run('old', 1), turnOf, NOW)).toBe(true);
    // the same account: the earlier arrival
    expect(runsBefore(run('one', 1, NOW - 10), run('one', 1, NOW - 5), turnOf, NOW)).toBe(true);
    // an unknown account has nothing going and was never served
    expect(runsBefore(run('new', 0), run('one', TOP_RANK), turnOf, NOW)).toBe(true);
  });

  it('aging: a standard run waiting TOP_RANK steps ranks with the top tier, and then goes first by arrival', () => {
    const turnOf = () => ({ running: 1, lastServed: 0 });
    const aged = run('a', 0, NOW - TOP_RANK * QUEUE_AGING_MS);
    const fresh = run('b', TOP_RANK, NOW);
    expect(runsBefore(aged, fresh, turnOf, NOW)).toBe(true);
    expect(runsBefore(run('a', 0, NOW - (TOP_RANK * QUEUE_AGING_MS - 1)), fresh, turnOf, NOW)).toBe(false);
  });

  it('no starvation: with one slot, a standard run waits at most TOP_RANK aging steps behind a stream of top-tier runs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 100, max: 4_000 }), (perStep, runMs) => {
        const low = run('free', 0, NOW);
        let waiting: (WaitingRun & { id: string })[] = [low];
        const turns = new Map<string, AccountTurn>();
        let nowMs = NOW;
        let served = 0;
        let lowServed = false;
        for (let step = 0; step < 200 && !lowServed; step++) {
          for (let i = 0; i < perStep; i++) waiting.push({ id: `max-${step}-${i}`, accountId: `max-${step}-${i}`, rank: TOP_RANK, enqueuedAtMs: nowMs });
          const next = nextRun(waiting, (a) => turns.get(a), nowMs)!;
          lowServed = next === low;
          waiting = waiting.filter((r) => r !== next);
          turns.set(next.accountId, { running: 0, lastServed: ++served }); // it ran its runMs and ended
          if (!lowServed) nowMs += runMs;
        }
        expect(lowServed).toBe(true);
        expect(nowMs - NOW).toBeLessThanOrEqual(TOP_RANK * QUEUE_AGING_MS + runMs);
      }),
      { numRuns: 50 },
    );
  });

  it('is a strict order: never both ways, and the next run is the first of the whole order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ account: fc.constantFrom('a', 'b', 'c', 'd'), rank: fc.integer({ min: 0, max: TOP_RANK }), ageMs: fc.integer({ min: 0, max: 4 * QUEUE_AGING_MS }) }), { minLength: 1, maxLength: 30 }),
        fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.record({ running: fc.integer({ min: 0, max: 3 }), lastServed: fc.integer({ min: 0, max: 5 }) })),
        (spec, turns) => {
          const runs = spec.map((r, i) => ({ id: `r${i}`, accountId: r.account, rank: r.rank, enqueuedAtMs: NOW - r.ageMs }));
          const turnOf = (a: string) => turns[a];
          for (const x of runs) for (const y of runs) expect(runsBefore(x, y, turnOf, NOW) && runsBefore(y, x, turnOf, NOW)).toBe(false);
          const ordered = fairOrder(runs, turnOf, NOW);
          const first = nextRun(runs, turnOf, NOW)!;
          expect(ordered.some((r) => runsBefore(r, first, turnOf, NOW))).toBe(false);
          for (let i = 1; i < ordered.length; i++) expect(runsBefore(ordered[i]!, ordered[i - 1]!, turnOf, NOW)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});
