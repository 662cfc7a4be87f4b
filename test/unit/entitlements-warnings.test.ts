// Tests of plan entitlements (access, batch, level, daily limits, training allowance) and warnings (low balance, expiring credits).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultCatalog as cat, findPlan } from '../../shared/catalog/index';
import { accessFor, checkEntitlements, entitlementsOf, EntitlementError, trainingAllowanceLeft } from '../../shared/rules/entitlements';
import { expandRequest } from '../../shared/rules/pricing';
import { defaultLowBalanceThresholdMc, evaluateLowBalance, expiringSoon, INITIAL_LOW_BALANCE_STATE } from '../../shared/rules/warnings';
import type { Grant } from '../../shared/rules/grants';

const plan = (id: string) => findPlan(cat, id)!;
const runs = (req: Parameters<typeof expandRequest>[0]) => expandRequest(req, cat);

describe('entitlements', () => {
  it('Free has schnell, dev limited, no GA models', () => {
    const free = plan('free');
    expect(accessFor(free, cat.models.find((m) => m.id === 'flux-schnell')!)).toEqual({ kind: 'full' });
    expect(accessFor(free, cat.models.find((m) => m.id === 'flux-dev')!)).toEqual({ kind: 'limited', runsPerDay: 5 });
    expect(() => checkEntitlements(free, runs({ modelId: 'gpt-4o' }))).toThrow(/not included in the Free plan/);
    expect(() => checkEntitlements(free, runs({ modelId: 'flux-dev' }), { total: 0, byModel: { 'flux-dev': 5 } })).toThrow(/5 runs of FLUX.1 Dev a day/);
    expect(() => checkEntitlements(free, runs({ modelId: 'flux-dev' }), { total: 0, byModel: { 'flux-dev': 4 } })).not.toThrow();
  });
  it('batch sizes are 1 / 4 / 8 / 16 / unlimited', () => {
    expect(() => checkEntitlements(plan('free'), runs({ modelId: 'flux-schnell', count: 2 }))).toThrow(EntitlementError);
    expect(() => checkEntitlements(plan('starter'), runs({ modelId: 'flux-schnell', count: 4 }))).not.toThrow();
    expect(() => checkEntitlements(plan('starter'), runs({ modelId: 'flux-schnell', count: 5 }))).toThrow(/at most 4/);
    expect(() => checkEntitlements(plan('max'), runs({ modelId: 'flux-schnell', count: 16 }))).not.toThrow();
    expect(entitlementsOf(plan('max')).batchSize).toBeNull();
  });
  it('parameter levels gate advanced options', () => {
    expect(() => checkEntitlements(plan('starter'), runs({ modelId: 'flux-dev', resolutionId: '2048x2048' }))).toThrow(/advanced parameters/);
    expect(() => checkEntitlements(plan('pro'), runs({ modelId: 'flux-dev', resolutionId: '2048x2048' }))).not.toThrow();
  });
  it('the daily run limit applies to every run', () => {
    expect(() => checkEntitlements(plan('free'), runs({ modelId: 'flux-schnell' }), { total: 100, byModel: {} })).toThrow(/100 runs a day/);
  });
  it('beta and uncensored tiers follow the plan table', () => {
    expect(plan('pro').access.tiers.uncensored.kind).toBe('full');
    expect(plan('pro').access.tiers.beta.kind).toBe('none');
    expect(plan('ultra').access.tiers.beta.kind).toBe('full');
  });
  it('training allowance: the tighter of week and year, none on Free', () => {
    expect(trainingAllowanceLeft(plan('free'), 0, 0)).toBe(0);
    expect(trainingAllowanceLeft(plan('starter'), 0, 1)).toBe(1);
    expect(trainingAllowanceLeft(plan('pro'), 1, 3)).toBe(0);
    expect(trainingAllowanceLeft(plan('pro'), 0, 12)).toBe(0);
    expect(trainingAllowanceLeft(plan('ultra'), 2, 10)).toBe(3);
  });
  it('period credits come from the shortest billing period', () => {
    expect(entitlementsOf(plan('starter')).periodCreditsMc).toBe(200_000);
    expect(entitlementsOf(plan('free')).periodCreditsMc).toBe(50_000);
  });
});

describe('low balance warning', () => {
  it('defaults to 20% of period credits, at least 10', () => {
    expect(defaultLowBalanceThresholdMc(plan('free'), cat.policies)).toBe(10_000);
    expect(defaultLowBalanceThresholdMc(plan('pro'), cat.policies)).toBe(90_000);
  });
  it('fires once per crossing, again only after rising above the threshold', () => {
    let s = INITIAL_LOW_BALANCE_STATE;
    const fired: boolean[] = [];
    for (const bal of [50, 9, 8, 10, 9, 11, 5, 4]) {
      const r = evaluateLowBalance(s, bal, 10);
      fired.push(r.fire);
      s = r.state;
    }
    expect(fired).toEqual([false, true, false, false, false, false, true, false]);
  });
  it('never fires twice without the balance rising above the threshold in between', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -100, max: 100 }), { maxLength: 60 }), fc.integer({ min: 0, max: 50 }), (balances, threshold) => {
        let s = INITIAL_LOW_BALANCE_STATE;
        let roseSinceFire = true;
        for (const b of balances) {
          const r = evaluateLowBalance(s, b, threshold);
          if (r.fire) {
            expect(roseSinceFire).toBe(true);
            roseSinceFire = false;
          }
          if (b > threshold) roseSinceFire = true;
          s = r.state;
        }
      }),
    );
  });
});

describe('expiring credits', () => {
  const NOW = Date.parse('2026-11-22T12:00:00Z');
  const DAY = 86_400_000;
  const g = (id: string, kind: Grant['kind'], expiresAtMs: number | null, remainingMc = 5_000): Grant => ({
    id, kind, amountMc: 10_000, remainingMc, effectiveAtMs: NOW - DAY, expiresAtMs, priority: 0, paid: kind === 'pack', pinnedMc: 0,
  });
  it('lists credits expiring unused within 3 days, soonest first, leaving out daily credits', () => {
    const r = expiringSoon([g('p', 'pack', NOW + 2 * DAY), g('s', 'subscription', NOW + DAY), g('d', 'daily', NOW + 1000), g('late', 'pack', NOW + 4 * DAY), g('spent', 'pack', NOW + DAY, 0), g('never', 'trial', null)], NOW);
    expect(r.items.map((i) => i.grantId)).toEqual(['s', 'p']);
    expect(r.totalMc).toBe(10_000);
  });
});
