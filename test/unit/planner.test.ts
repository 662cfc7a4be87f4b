// The offline planner: costs per line, funding in burn order, expiries, daily resets, renewals as the subscription will make them (cancelled, downgraded, ended), shortfalls and the sentences.
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../shared/catalog/index';
import type { Grant } from '../../shared/rules/grants';
import { planCosts, type PlannedSubscription } from '../../shared/rules/planner';
import { planSentences } from '../../shared/rules/planner-text';
import { MS_PER_DAY, periodEnd, startOfUtcDay } from '../../shared/rules/schedule';

const now = Date.parse('2026-02-20T10:00:00Z');
const grant = (id: string, kind: Grant['kind'], credits: number, expiresAtMs: number | null, extra: Partial<Grant> = {}): Grant => ({
  id, kind, amountMc: credits * 1000, remainingMc: credits * 1000, effectiveAtMs: now - MS_PER_DAY, expiresAtMs, priority: 0, paid: kind === 'pack' || kind === 'subscription', pinnedMc: 0, ...extra,
});

/** A weekly subscription as the wallet carries it, its period ending at `end`. */
const weekly = (planId: string, end: number, extra: Partial<PlannedSubscription> = {}): PlannedSubscription => ({
  planId, period: 'weekly', status: 'active', currentPeriodEndMs: end, cancelAtPeriodEnd: false, nextPlanId: null, nextPeriod: null, graceUntilMs: null, ...extra,
});

describe('planner', () => {
  it('funds runs in burn order, reports what expires unused and says how many more runs that is', () => {
    const march3 = Date.parse('2026-03-03T00:00:00Z');
    const grants = [grant('pack', 'pack', 200, Date.parse('2026-08-01T00:00:00Z')), grant('bonus', 'bonus', 120, march3)];
    const r = planCosts({ catalog: defaultCatalog, planId: 'starter', grants, nowMs: now, horizonDays: 30, lines: [{ id: 'a', request: { modelId: 'flux-dev', prompt: 'x' }, count: 10 }] });
    const line = r.lines[0]!;
    expect(line.runsFunded).toBe(10);
    expect(line.funding[0]!.grantId).toBe('bonus'); // expires first
    expect(line.chargedMc).toBe(10 * line.unitMaxMc);
    const expired = r.expiries.find((e) => e.grantId === 'bonus')!;
    expect(expired.expiredMc).toBe(120_000 - Math.min(120_000, line.chargedMc));
    expect(expired.atMs).toBe(march3);
    const text = planSentences(r, defaultCatalog);
    expect(text[0]).toMatch(new RegExp(`You can make ${Math.floor(expired.expiredMc / line.unitMaxMc)} more FLUX.1 Dev images before .* expire on 3 March`));
  });

  it('runs per day, with daily resets on Free, and a shortfall with the pack that covers it', () => {
    const grants = [grant('trial', 'trial', 5, null)];
    const r = planCosts({ catalog: defaultCatalog, planId: 'free', grants, nowMs: now, horizonDays: 10, lines: [{ id: 'a', request: { modelId: 'flux-schnell', prompt: 'x' }, count: 200, perDay: 20 }] });
    expect(r.days).toHaveLength(10);
    expect(r.days.every((d) => d.grantedMc >= 10_000)).toBe(true); // 10 credits each day
    expect(r.lines[0]!.runsFunded).toBeLessThan(200);
    expect(r.shortfall?.shortMc).toBeGreaterThan(0);
    expect(planSentences(r, defaultCatalog).some((t) => /^Short by .*: the .*-credit pack covers it\.$/.test(t))).toBe(true);
  });

  it('renews a subscription at the end of its period', () => {
    const end = now + 2 * MS_PER_DAY;
    const sub = grant('sub', 'subscription', 200, end, { effectiveAtMs: end - 7 * MS_PER_DAY });
    const r = planCosts({ catalog: defaultCatalog, planId: 'starter', grants: [sub], subscription: weekly('starter', end), nowMs: now, horizonDays: 10, lines: [] });
    expect(r.projectedGrants.filter((g) => g.kind === 'subscription').map((g) => g.effectiveAtMs)).toEqual([end, end + 7 * MS_PER_DAY]);
    expect(r.expiries.filter((e) => e.kind === 'subscription').map((e) => [e.expiredMc, e.atMs])).toEqual([[200_000, end], [200_000, end + 7 * MS_PER_DAY]]);
  });

  it('a plan cancelled at the period end grants nothing after it: Free from then, with its daily credits and its limits', () => {
    const end = now + 2 * MS_PER_DAY;
    const sub = grant('sub', 'subscription', 200, end, { effectiveAtMs: end - 7 * MS_PER_DAY });
    const pack = grant('pack', 'pack', 500, Date.parse('2026-08-01T00:00:00Z'));
    const lines = [{ id: 'a', request: { modelId: 'flux-dev', prompt: 'x' }, count: 32, perDay: 8 }];
    const r = planCosts({ catalog: defaultCatalog, planId: 'starter', grants: [sub, pack], subscription: weekly('starter', end, { cancelAtPeriodEnd: true }), nowMs: now, horizonDays: 10, lines });
    expect(r.projectedGrants.filter((g) => g.kind === 'subscription')).toEqual([]);
    // Free's 10 credits a day from the day the plan ends, none before
    expect(r.projectedGrants.filter((g) => g.kind === 'daily').map((g) => [g.amountMc, g.effectiveAtMs])).toEqual(Array.from({ length: 8 }, (_, i) => [10_000, startOfUtcDay(end) + i * MS_PER_DAY]));
    expect(r.days.map((d) => d.grantedMc)).toEqual([0, 0, ...Array(8).fill(10_000)]);
    // Starter runs FLUX.1 Dev without a daily limit; Free 5 a day
    expect(r.lines[0]!.runsFunded).toBe(8 + 8 + 5 + 5);
    expect(r.lines[0]!.unfunded).toMatchObject({ runs: 6, reason: 'model_daily_limit', firstDay: 2 });
  });

  it('a downgrade at the period end grants the next plan\'s credits from then, and a change of period its period', () => {
    const end = now + 2 * MS_PER_DAY;
    const sub = grant('sub', 'subscription', 450, end, { effectiveAtMs: end - 7 * MS_PER_DAY });
    const subscriptionGrants = (r: ReturnType<typeof planCosts>) => r.projectedGrants.filter((g) => g.kind === 'subscription').map((g) => [g.amountMc, g.effectiveAtMs, g.expiresAtMs]);
    const down = planCosts({ catalog: defaultCatalog, planId: 'pro', grants: [sub], subscription: weekly('pro', end, { nextPlanId: 'starter', nextPeriod: 'weekly' }), nowMs: now, horizonDays: 10, lines: [] });
    expect(subscriptionGrants(down)).toEqual([[200_000, end, end + 7 * MS_PER_DAY], [200_000, end + 7 * MS_PER_DAY, end + 14 * MS_PER_DAY]]);
    const yearly = planCosts({ catalog: defaultCatalog, planId: 'pro', grants: [sub], subscription: weekly('pro', end, { nextPlanId: 'starter', nextPeriod: 'yearly' }), nowMs: now, horizonDays: 10, lines: [] });
    expect(subscriptionGrants(yearly)).toEqual([[10_400_000, end, periodEnd(end, 'yearly')]]);
  });

  it('an ended plan, or one whose renewal failed, grants nothing more', () => {
    const end = now + 2 * MS_PER_DAY;
    const sub = grant('sub', 'subscription', 200, end, { effectiveAtMs: end - 7 * MS_PER_DAY });
    const ended = planCosts({ catalog: defaultCatalog, planId: 'free', grants: [sub], subscription: null, nowMs: now, horizonDays: 10, lines: [] });
    expect(ended.projectedGrants.filter((g) => g.kind === 'subscription')).toEqual([]);
    expect(ended.expiries.filter((e) => e.kind === 'subscription').map((e) => [e.expiredMc, e.atMs])).toEqual([[200_000, end]]);
    // past due: the plan is kept until the grace ends, then Free, and nothing is granted meanwhile
    const graceUntilMs = now + 3 * MS_PER_DAY;
    const late = planCosts({ catalog: defaultCatalog, planId: 'starter', grants: [], subscription: weekly('starter', now - MS_PER_DAY, { status: 'past_due', graceUntilMs }), nowMs: now, horizonDays: 5, lines: [] });
    expect(late.projectedGrants.map((g) => [g.kind, g.effectiveAtMs])).toEqual([['daily', startOfUtcDay(graceUntilMs)], ['daily', startOfUtcDay(graceUntilMs) + MS_PER_DAY]]);
  });

  it('a spend limit stops runs past it, from what its window already spent, and starts over with the next window', () => {
    const grants = [grant('pack', 'pack', 500, null)];
    const day = { window: 'day' as const, scope: { kind: 'all' as const }, limitMc: 2_500, setBy: 'user' as const, spentMc: 1_000, heldMc: 0, windowStartMs: startOfUtcDay(now), resetsAtMs: startOfUtcDay(now) + MS_PER_DAY };
    const video = { ...day, scope: { kind: 'modality' as const, modality: 'video' as const }, limitMc: 1, spentMc: 0 };
    const r = planCosts({ catalog: defaultCatalog, planId: 'pro', grants, nowMs: now, horizonDays: 3, spendLimits: [day, video], lines: [{ id: 'a', request: { modelId: 'flux-schnell', prompt: 'x' }, count: 12, perDay: 4 }] });
    // today 1 credit is already spent: 1 run fits; then 2 a day (2.5 credits); the video limit does not cover images
    expect(r.days.map((d) => d.spentMc)).toEqual([1_000, 2_000, 2_000]);
    expect(r.lines[0]).toMatchObject({ runsFunded: 5, unfunded: { runs: 7, reason: 'spend_limit_reached', firstDay: 0 } });
    expect(r.shortfall).toBeNull();
    expect(planSentences(r, defaultCatalog).join(' ')).toContain('7 FLUX.1 Schnell images do not fit your spend limits.');
  });

  it('a plan limit stops runs without counting them as short', () => {
    const r = planCosts({ catalog: defaultCatalog, planId: 'free', grants: [grant('t', 'trial', 100, null)], nowMs: now, horizonDays: 1, lines: [{ id: 'a', request: { modelId: 'flux-dev', prompt: 'x' }, count: 8 }] });
    expect(r.lines[0]!.runsFunded).toBe(5); // dev is limited to 5 a day on Free
    expect(r.lines[0]!.unfunded?.reason).toBe('model_daily_limit');
    expect(r.shortfall).toBeNull();
  });
});
