// The words of a plan change's confirmation: the new plan's price and period, when it is charged, what happens to the current plan's credits, and whether the daily free credits stop.
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../shared/catalog/index';
import type { Catalog } from '../../shared/catalog/schema';
import { changeEffectText, planChangeTerms } from '../../shared/rules/subscriptions';

const end = Date.parse('2026-12-14T09:30:00Z');

describe('plan change terms', () => {
  it('an upgrade: paid now at checkout, the current credits kept until they expire, no daily credits on either', () => {
    expect(planChangeTerms(defaultCatalog, { kind: 'upgrade', fromPlanId: 'starter', toPlanId: 'pro', period: 'weekly', periodEndMs: end, creditsLeftMc: 120_500 })).toEqual([
      'Pro starts as soon as it is paid: 450 credits weekly, its batch size, models, priority and training allowance at once; a new paid period starts then.',
      'Price: $9.99 a week, charged now at checkout, then every week until you cancel.',
      'Your 120.5 Starter credits left are kept until they expire on 2026-12-14.',
      'Pro has no daily free credits, as Starter has none.',
    ]);
  });

  it('starting a plan from Free says that the daily free credits stop', () => {
    expect(planChangeTerms(defaultCatalog, { kind: 'start', fromPlanId: 'free', toPlanId: 'starter', period: 'weekly', periodEndMs: null })).toEqual([
      'Starter starts as soon as it is paid: 200 credits weekly, its batch size, models, priority and training allowance at once.',
      'Price: $4.99 a week, charged now at checkout, then every week until you cancel.',
      'The credits you have now are kept until they expire (today\'s free credits at midnight UTC).',
      'Starter has no daily free credits: your 10 free credits a day stop when it starts.',
    ]);
  });

  it('a downgrade or another period: charged at the period end, nothing now; the current credits expire with the period', () => {
    expect(planChangeTerms(defaultCatalog, { kind: 'downgrade', fromPlanId: 'pro', toPlanId: 'starter', period: 'yearly', periodEndMs: end, creditsLeftMc: 300_000 })).toEqual([
      'Pro stays until the end of the paid period; on 2026-12-14 Starter (yearly) starts with 10,400 credits.',
      'Price: $199.00 a year, charged on 2026-12-14 at the end of the paid period, then every year; nothing is charged now.',
      'Your 300 Pro credits left stay until the period ends on 2026-12-14; what is left then expires.',
      'Starter has no daily free credits, as Pro has none.',
    ]);
  });

  it('a cancel: nothing more charged, resumable until the period ends, and Free\'s daily credits from then', () => {
    const terms = planChangeTerms(defaultCatalog, { kind: 'cancel', fromPlanId: 'starter', toPlanId: 'free', period: null, periodEndMs: end });
    expect(terms).toEqual([
      'Starter stays until the end of the paid period; on 2026-12-14 the account moves to Free and nothing more is charged.',
      'You can resume Starter until 2026-12-14.',
      'What is left of your Starter credits stays until the period ends on 2026-12-14; what is left then expires.',
      'On Free you get 10 free credits a day from 2026-12-14.',
    ]);
    expect(changeEffectText(defaultCatalog, { kind: 'cancel', fromPlanId: 'starter', toPlanId: 'free', period: null, periodEndMs: end })).toBe(terms.join(' '));
  });

  it('a resume: the plan renews again, at its price, on the period end', () => {
    expect(planChangeTerms(defaultCatalog, { kind: 'resume', fromPlanId: 'starter', toPlanId: 'starter', period: 'weekly', periodEndMs: end, creditsLeftMc: 20_000 })).toEqual([
      'Starter (weekly) stays, and renews on 2026-12-14.',
      'Price: $4.99 a week, charged on 2026-12-14, then every week until you cancel.',
      'Your 20 Starter credits left stay until 2026-12-14, when 200 new ones come.',
      'Starter has no daily free credits.',
    ]);
  });

  it('daily free credits that change, go on, or start', () => {
    const c: Catalog = structuredClone(defaultCatalog);
    c.plans.find((p) => p.id === 'pro')!.dailyFreeMc = 30_000;
    const daily = (kind: 'upgrade' | 'downgrade' | 'resume', from: string, to: string) => planChangeTerms(c, { kind, fromPlanId: from, toPlanId: to, period: 'weekly', periodEndMs: end }).at(-1);
    expect(daily('upgrade', 'starter', 'pro')).toBe('Pro gives 30 free credits a day when it starts.');
    expect(daily('downgrade', 'pro', 'starter')).toBe('Starter has no daily free credits: your 30 free credits a day stop on 2026-12-14.');
    expect(daily('resume', 'pro', 'pro')).toBe('The 30 free credits a day go on.');
  });
});
