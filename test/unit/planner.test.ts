// The offline planner: costs per line, funding in burn order, expiries, daily resets and renewals, shortfalls and the sentences.
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../shared/catalog/index';
import type { Grant } from '../../shared/rules/grants';
import { planCosts } from '../../shared/rules/planner';
import { planSentences } from '../../shared/rules/planner-text';
import { MS_PER_DAY } from '../../shared/rules/schedule';

const now = Date.parse('2026-02-20T10:00:00Z');
const grant = (id: string, kind: Grant['kind'], credits: number, expiresAtMs: number | null, extra: Partial<Grant> = {}): Grant => ({
  id, kind, amountMc: credits * 1000, remainingMc: credits * 1000, effectiveAtMs: now - MS_PER_DAY, expiresAtMs, priority: 0, paid: kind === 'pack' || kind === 'subscription', pinnedMc: 0, ...extra,
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
    const r = planCosts({ catalog: defaultCatalog, planId: 'starter', grants: [sub], nowMs: now, horizonDays: 10, lines: [] });
    expect(r.projectedGrants.filter((g) => g.kind === 'subscription').map((g) => g.effectiveAtMs)).toEqual([end, end + 7 * MS_PER_DAY]);
    expect(r.expiries.filter((e) => e.kind === 'subscription').map((e) => [e.expiredMc, e.atMs])).toEqual([[200_000, end], [200_000, end + 7 * MS_PER_DAY]]);
  });

  it('a plan limit stops runs without counting them as short', () => {
    const r = planCosts({ catalog: defaultCatalog, planId: 'free', grants: [grant('t', 'trial', 100, null)], nowMs: now, horizonDays: 1, lines: [{ id: 'a', request: { modelId: 'flux-dev', prompt: 'x' }, count: 8 }] });
    expect(r.lines[0]!.runsFunded).toBe(5); // dev is limited to 5 a day on Free
    expect(r.lines[0]!.unfunded?.reason).toBe('model_daily_limit');
    expect(r.shortfall).toBeNull();
  });
});
