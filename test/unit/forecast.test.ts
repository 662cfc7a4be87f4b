// The balance forecast (docs/credit-rules.md §13): the run-out day at the pace, credits expiring unused, spend limits slowing the spend, auto top-ups within their cap, a cancelled plan not renewing; and a fast-check property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../shared/catalog/index';
import type { TopUpCap } from '../../shared/rules/auto-top-up';
import { forecastCredits, type ForecastInput, type ForecastTopUp } from '../../shared/rules/forecast';
import type { Grant } from '../../shared/rules/grants';
import type { PlannedSubscription } from '../../shared/rules/planner';
import { capMonthOf } from '../../shared/rules/auto-top-up';
import { MS_PER_DAY, nextUtcMidnight, startOfUtcDay } from '../../shared/rules/schedule';
import type { SpendLimitState } from '../../shared/rules/spend-limits';

const now = Date.parse('2026-02-20T10:00:00Z');
const C = 1000;
const grant = (id: string, kind: Grant['kind'], credits: number, expiresAtMs: number | null): Grant => ({
  id, kind, amountMc: credits * C, remainingMc: credits * C, effectiveAtMs: now - MS_PER_DAY, expiresAtMs, priority: 0, paid: kind !== 'bonus' && kind !== 'daily', pinnedMc: 0,
});
const input = (extra: Partial<ForecastInput>): ForecastInput => ({ catalog: defaultCatalog, planId: 'starter', grants: [], nowMs: now, paceMcPerDay: 0, ...extra });
const dayLimit = (limitMc: number, spentMc = 0): SpendLimitState => ({
  window: 'day', scope: { kind: 'all' }, limitMc, setBy: 'user', spentMc, heldMc: 0, windowStartMs: startOfUtcDay(now), resetsAtMs: nextUtcMidnight(now),
});
const topUp = (cap: TopUpCap, extra: Partial<ForecastTopUp> = {}): ForecastTopUp => ({
  settings: { enabled: true, packId: 'pack-200', thresholdMc: 100 * C, cap, country: 'US' }, card: { brand: 'visa', last4: '4242' }, paused: null, month: { count: 0, amountMinor: 0 }, ...extra,
});

describe('forecast', () => {
  it('names the first day the credits fall short of the pace, or that they last beyond the horizon', () => {
    const f = forecastCredits(input({ grants: [grant('pack', 'pack', 1000, null)], paceMcPerDay: 100 * C }));
    expect(f.runOutAtMs).toBe(now + 10 * MS_PER_DAY);
    expect(f.days[9]!.availableMc).toBe(0);
    expect(f.days.every((d) => d.availableMc >= 0)).toBe(true);
    const slow = forecastCredits(input({ grants: [grant('pack', 'pack', 1000, null)], paceMcPerDay: 10 * C, horizonDays: 90 }));
    expect(slow.runOutAtMs).toBeNull();
    expect(slow.endMs).toBe(now + 90 * MS_PER_DAY);
  });

  it('spends in burn order and reports what expires unused, with its date', () => {
    const march3 = Date.parse('2026-03-03T00:00:00Z');
    const f = forecastCredits(input({ grants: [grant('pack', 'pack', 1000, null), grant('bonus', 'bonus', 500, march3)], paceMcPerDay: 20 * C }));
    // 20 Feb to 2 Mar: 11 days of 20 credits from the bonus, which expires first
    expect(f.expiringUnused[0]).toEqual({ grantId: 'bonus', kind: 'bonus', amountMc: 280 * C, atMs: march3 });
    // then 50 days of the pack's 1,000 credits
    expect(f.runOutAtMs).toBe(now + 61 * MS_PER_DAY);
  });

  it('leaves the daily credits of Free out of what expires unused', () => {
    const f = forecastCredits(input({ planId: 'free', paceMcPerDay: 5 * C, horizonDays: 10 }));
    expect(f.expiringUnused).toEqual([]);
    expect(f.days.every((d) => d.spentMc === 5 * C)).toBe(true);
  });

  it('spends no more a day than the spend limits covering everything allow, counting what the window already spent', () => {
    const grants = [grant('pack', 'pack', 1000, null)];
    const f = forecastCredits(input({ grants, paceMcPerDay: 100 * C, spendLimits: [dayLimit(50 * C, 30 * C)] }));
    expect(f.days[0]!.spentMc).toBe(20 * C);
    expect(f.days[1]!.spentMc).toBe(50 * C);
    // 20 + 19 × 50 = 970, then 30 left on day 20
    expect(f.runOutAtMs).toBe(now + 20 * MS_PER_DAY);
    const modelOnly: SpendLimitState = { ...dayLimit(1 * C), scope: { kind: 'model', modelId: 'flux-dev' } };
    expect(forecastCredits(input({ grants, paceMcPerDay: 100 * C, spendLimits: [modelOnly] })).runOutAtMs).toBe(now + 10 * MS_PER_DAY);
  });

  it('adds an auto top-up at each crossing within the month’s cap, which moves the run-out day, and stops at the cap', () => {
    const grants = [grant('pack', 'pack', 300, null)];
    const without = forecastCredits(input({ grants, paceMcPerDay: 100 * C }));
    expect(without.runOutAtMs).toBe(now + 3 * MS_PER_DAY);
    const f = forecastCredits(input({ grants, paceMcPerDay: 100 * C, autoTopUp: topUp({ kind: 'count', count: 2 }) }));
    expect(f.topUps.map((t) => t.atMs)).toEqual([now + 2 * MS_PER_DAY, now + 4 * MS_PER_DAY]);
    expect(f.topUps.every((t) => t.creditsMc === 200 * C)).toBe(true);
    expect(f.runOutAtMs).toBe(now + 7 * MS_PER_DAY);
    // one already bought this month: one more only
    const one = forecastCredits(input({ grants, paceMcPerDay: 100 * C, autoTopUp: topUp({ kind: 'count', count: 2 }, { month: { count: 1, amountMinor: 199 } }) }));
    expect(one.topUps).toHaveLength(1);
    expect(one.runOutAtMs).toBe(now + 5 * MS_PER_DAY);
    // an amount cap of two packs' price
    expect(forecastCredits(input({ grants, paceMcPerDay: 100 * C, autoTopUp: topUp({ kind: 'amount', amountMinor: 398, currency: 'USD' }) })).topUps).toHaveLength(2);
  });

  it('buys nothing while auto top-up is paused or off', () => {
    const grants = [grant('pack', 'pack', 300, null)];
    const paused = topUp({ kind: 'count', count: 5 }, { paused: { code: 'card_declined', message: 'declined', purchaseId: 'pur_1', atMs: now, fixUrl: null } });
    expect(forecastCredits(input({ grants, paceMcPerDay: 100 * C, autoTopUp: paused })).topUps).toEqual([]);
    const off = topUp({ kind: 'count', count: 5 });
    off.settings = { ...off.settings!, enabled: false };
    expect(forecastCredits(input({ grants, paceMcPerDay: 100 * C, autoTopUp: off })).runOutAtMs).toBe(now + 3 * MS_PER_DAY);
  });

  it('renews only a plan that will renew: a cancelled one ends, then Free with its daily credits', () => {
    const end = now + 3.5 * MS_PER_DAY;
    const sub = (cancelAtPeriodEnd: boolean): PlannedSubscription => ({ planId: 'starter', period: 'weekly', status: 'active', currentPeriodEndMs: end, cancelAtPeriodEnd, nextPlanId: null, nextPeriod: null, graceUntilMs: null });
    const grants = [grant('sub', 'subscription', 200, end)];
    const renewing = forecastCredits(input({ grants, subscription: sub(false), paceMcPerDay: 50 * C }));
    expect(renewing.days[4]!.spentMc).toBe(50 * C);
    expect(renewing.runOutAtMs).toBe(now + 8 * MS_PER_DAY);
    const cancelled = forecastCredits(input({ grants, subscription: sub(true), paceMcPerDay: 50 * C }));
    expect(cancelled.runOutAtMs).toBe(now + 4 * MS_PER_DAY);
    expect(cancelled.days[4]!.spentMc).toBe(10 * C); // Free's daily credits only
  });
});

describe('forecast property', () => {
  const grantArb = fc.record({
    kind: fc.constantFrom<Grant['kind']>('pack', 'bonus', 'subscription', 'trial'),
    credits: fc.integer({ min: 1, max: 2000 }),
    expiresInDays: fc.option(fc.integer({ min: 1, max: 120 }), { nil: null }),
  });
  const caseArb = fc.record({
    planId: fc.constantFrom('free', 'starter', 'pro'),
    grants: fc.array(grantArb, { maxLength: 4 }),
    paceCredits: fc.integer({ min: 0, max: 500 }),
    limitCredits: fc.option(fc.integer({ min: 0, max: 300 }), { nil: null }),
    cap: fc.integer({ min: 1, max: 4 }),
    monthCount: fc.integer({ min: 0, max: 5 }),
    threshold: fc.integer({ min: 1, max: 500 }),
    paused: fc.boolean(),
    renews: fc.option(fc.boolean(), { nil: null }),
    startOffsetDays: fc.integer({ min: 0, max: 60 }),
  });

  it('never takes the balance below 0, spends at most the pace, and buys no more top-ups a month than the cap', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const t0 = now + c.startOffsetDays * MS_PER_DAY;
        const grants = c.grants.map((g, i) => ({ ...grant(`g${i}`, g.kind, g.credits, g.expiresInDays === null ? null : t0 + g.expiresInDays * MS_PER_DAY), effectiveAtMs: t0 - MS_PER_DAY }));
        const paused = c.paused ? { code: 'x', message: 'x', purchaseId: 'pur_1', atMs: t0, fixUrl: null } : null;
        const subscription: PlannedSubscription | null = c.renews === null ? null : { planId: 'pro', period: 'weekly', status: 'active', currentPeriodEndMs: t0 + 2 * MS_PER_DAY, cancelAtPeriodEnd: !c.renews, nextPlanId: null, nextPeriod: null, graceUntilMs: null };
        const f = forecastCredits({
          catalog: defaultCatalog, planId: c.planId, grants, nowMs: t0, paceMcPerDay: c.paceCredits * C, subscription,
          spendLimits: c.limitCredits === null ? [] : [{ ...dayLimit(c.limitCredits * C), windowStartMs: startOfUtcDay(t0), resetsAtMs: nextUtcMidnight(t0) }],
          autoTopUp: { ...topUp({ kind: 'count', count: c.cap }, { paused, month: { count: c.monthCount, amountMinor: 0 } }), settings: { enabled: true, packId: 'pack-200', thresholdMc: c.threshold * C, cap: { kind: 'count', count: c.cap }, country: 'US' } },
        });
        for (const d of f.days) {
          expect(d.availableMc).toBeGreaterThanOrEqual(0);
          expect(d.spentMc).toBeLessThanOrEqual(c.paceCredits * C);
          if (c.limitCredits !== null) expect(d.spentMc).toBeLessThanOrEqual(c.limitCredits * C);
        }
        const byMonth = new Map<string, number>();
        for (const t of f.topUps) byMonth.set(capMonthOf(t.atMs), (byMonth.get(capMonthOf(t.atMs)) ?? 0) + 1);
        for (const [month, n] of byMonth) expect(n + (month === capMonthOf(t0) ? c.monthCount : 0)).toBeLessThanOrEqual(c.cap);
        if (c.paused) expect(f.topUps).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
