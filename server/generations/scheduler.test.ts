// The fair queue alone: per-engine concurrency and per-minute budgets, plan priority, aging without starvation, round robin across accounts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FairScheduler, type EngineLimits, type QueueItem } from './scheduler';
import { QUEUE_AGING_MS, TOP_RANK } from '../../shared/rules/queue';

function setup(limits: Record<string, EngineLimits>) {
  let nowMs = 1_000_000;
  const s = new FairScheduler((e) => limits[e] ?? { concurrency: 1, perMinute: null }, () => nowMs);
  let n = 0;
  const add = (accountId: string, engine = 'local', rank = 0): QueueItem => {
    const item = { id: `gen_${++n}`, accountId, engine, rank, enqueuedAtMs: nowMs };
    s.add(item);
    return item;
  };
  return { s, add, advance: (ms: number) => (nowMs += ms), now: () => nowMs };
}

describe('fair scheduler', () => {
  it('runs each engine up to its own concurrency: a slow provider never blocks the local engine', () => {
    const { s, add } = setup({ local: { concurrency: 2, perMinute: null }, openai: { concurrency: 3, perMinute: null } });
    for (let i = 0; i < 5; i++) add('a', 'openai');
    for (let i = 0; i < 5; i++) add('b', 'local');
    const first = s.take();
    expect(first.filter((i) => i.engine === 'openai')).toHaveLength(3);
    expect(first.filter((i) => i.engine === 'local')).toHaveLength(2);
    expect(s.take()).toEqual([]);
    // the local runs finish while every provider run is still waiting on its answer: more local runs start
    s.done(first.find((i) => i.engine === 'local')!.id);
    expect(s.take().map((i) => i.engine)).toEqual(['local']);
  });

  it('keeps to a provider budget of requests per minute and says when it frees up', () => {
    const { s, add, advance, now } = setup({ openai: { concurrency: 100, perMinute: 3 } });
    for (let i = 0; i < 5; i++) add('a', 'openai');
    expect(s.take()).toHaveLength(3);
    expect(s.nextBudgetAtMs()).toBe(now() + 60_000);
    advance(59_999);
    expect(s.take()).toHaveLength(0);
    advance(1);
    expect(s.take()).toHaveLength(2);
  });

  it('serves higher plan priority first, and the waiting light account before the next run of a heavy one', () => {
    const { s, add } = setup({ local: { concurrency: 1, perMinute: null } });
    const heavy = Array.from({ length: 5 }, () => add('heavy'));
    const light = add('light');
    const pro = add('pro', 'local', 2);
    const order: string[] = [];
    for (let i = 0; i < 7; i++) {
      const [next] = s.take();
      order.push(next!.id);
      s.done(next!.id);
    }
    // the higher plan first; then, among equals, the account served least recently: the light one after one heavy run
    expect(order).toEqual([pro.id, heavy[0]!.id, light.id, ...heavy.slice(1).map((h) => h.id)]);
  });

  it('round robin: with one slot busy, the account with fewer runs going is served next', () => {
    const { s, add } = setup({ local: { concurrency: 2, perMinute: null } });
    add('heavy');
    add('heavy');
    add('heavy');
    const light = add('light');
    const started = s.take();
    expect(started.map((i) => i.accountId)).toEqual(['heavy', 'light']);
    expect(started[1]!.id).toBe(light.id);
  });

  it('no starvation: a standard run waits at most TOP_RANK aging steps behind a stream of top-tier runs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 100, max: 4_000 }), (perStep, runMs) => {
        const { s, add, advance } = setup({ local: { concurrency: 1, perMinute: null } });
        const low = add('free', 'local', 0);
        let waitedMs = 0;
        for (let step = 0; step < 200; step++) {
          for (let i = 0; i < perStep; i++) add(`max-${step}-${i}`, 'local', TOP_RANK);
          const [next] = s.take();
          if (next?.id === low.id) break;
          advance(runMs);
          waitedMs += runMs;
          if (next) s.done(next.id);
        }
        expect(s.has(low.id) && s.place(low.id) !== null).toBe(false);
        expect(waitedMs).toBeLessThanOrEqual(TOP_RANK * QUEUE_AGING_MS + runMs);
      }),
      { numRuns: 50 },
    );
  });

  it('an account with nothing going is served before the next run of a busier one, even of a higher tier', () => {
    const { s, add } = setup({ openai: { concurrency: 2, perMinute: null } });
    for (let i = 0; i < 6; i++) add('max-flood', 'openai', TOP_RANK);
    const started = s.take();
    expect(started.map((i) => i.accountId)).toEqual(['max-flood', 'max-flood']);
    const light = add('starter-light', 'openai', 1);
    expect(s.place(light.id)?.ahead).toBe(0);
    s.done(started[0]!.id);
    expect(s.take().map((i) => i.id)).toEqual([light.id]);
  });

  it('tells a waiting run its place and when it should start', () => {
    const { s, add, now } = setup({ local: { concurrency: 2, perMinute: null } });
    const items = Array.from({ length: 6 }, () => add('a'));
    s.take();
    expect(s.place(items[2]!.id)).toEqual({ ahead: 0, expectedStartMs: now() + 5_000 });
    expect(s.place(items[5]!.id)).toEqual({ ahead: 3, expectedStartMs: now() + 10_000 });
    expect(s.place(items[0]!.id)).toBeNull();
    // all places at once agree with each one asked alone
    const all = s.places();
    for (const it of items.slice(2)) expect(all.get(it.id)).toEqual(s.place(it.id));
    expect(s.remove(items[2]!.id)).toBe(true);
    expect(s.place(items[5]!.id)?.ahead).toBe(2);
  });

  it("a run's place, counted alone, is where it stands in the whole queue's order, ties and all", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ account: fc.constantFrom('a', 'b', 'c', 'd'), rank: fc.integer({ min: 0, max: TOP_RANK }), waitMs: fc.constantFrom(0, 0, 1, QUEUE_AGING_MS) }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 4 }),
        (runs, started) => {
          const { s, add, advance } = setup({ local: { concurrency: started, perMinute: null } });
          for (const r of runs) {
            add(r.account, 'local', r.rank);
            advance(r.waitMs);
          }
          s.take(); // some accounts have runs going, which moves the others ahead
          const all = s.places();
          for (const id of s.queuedIds()) expect(s.place(id)).toEqual(all.get(id));
        },
      ),
      { numRuns: 300 },
    );
  });
});
