// Plan and subscription rules (CREDIT-RULES §6): billing options, upgrade or downgrade, the grace period, and what a change does, in words.
import type { Catalog, Plan } from '../catalog/schema';
import { findPlan } from '../catalog/schema';
import { formatCredits } from './money';
import { addUtcMonthsClamped, MS_PER_DAY, periodEnd, type BillingPeriod } from './schedule';

/** A failed renewal keeps the plan this long, then the account falls back to Free. */
export const RENEWAL_GRACE_MS = 3 * MS_PER_DAY;
export const FREE_PLAN_ID = 'free';

export class PlanRuleError extends Error {
  constructor(
    readonly code: 'unknown_plan' | 'plan_not_available' | 'period_not_offered' | 'plan_not_billable',
    message: string,
  ) {
    super(message);
  }
}

/** The billing option of a plan for a period, or why it cannot be bought (unknown, legacy and not the current plan, not sold by that period). */
export function billingOptionFor(catalog: Catalog, planId: string, period: BillingPeriod, currentPlanId: string): { plan: Plan; creditsMc: number; priceMinor: number } {
  const plan = findPlan(catalog, planId);
  if (!plan) throw new PlanRuleError('unknown_plan', `there is no plan ${planId}`);
  if (plan.legacy && plan.id !== currentPlanId) throw new PlanRuleError('plan_not_available', `${plan.name} is a legacy plan: once left, it cannot be chosen again`);
  if (plan.billing.length === 0) throw new PlanRuleError('plan_not_billable', `${plan.name} is not sold by subscription`);
  const option = plan.billing.find((b) => b.period === period);
  if (!option) throw new PlanRuleError('period_not_offered', `${plan.name} is not sold ${period}; it is sold ${plan.billing.map((b) => b.period).join(' or ')}`);
  return { plan, creditsMc: option.creditsMc, priceMinor: option.priceMinor };
}

/** Plans rank in catalog order (Free first): a higher rank is an upgrade, taken at once; a lower one or another period waits for the period's end. */
export function isUpgrade(catalog: Catalog, fromPlanId: string, toPlanId: string): boolean {
  const rank = (id: string) => catalog.plans.findIndex((p) => p.id === id);
  return rank(toPlanId) > rank(fromPlanId);
}

/** The end of the period that starts at `startMs` (a yearly plan's whole year). */
export function subscriptionPeriodEnd(startMs: number, period: BillingPeriod): number {
  return periodEnd(startMs, period);
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** What a change does and when, in the words the confirmation shows. */
export function changeEffectText(catalog: Catalog, change: { kind: 'upgrade' | 'downgrade' | 'cancel'; fromPlanId: string; toPlanId: string; period: BillingPeriod | null; periodEndMs: number | null }): string {
  const from = findPlan(catalog, change.fromPlanId)?.name ?? change.fromPlanId;
  const to = findPlan(catalog, change.toPlanId);
  const toName = to?.name ?? change.toPlanId;
  const until = change.periodEndMs === null ? 'now' : `on ${day(change.periodEndMs)}`;
  if (change.kind === 'cancel') return `${from} stays until the end of the paid period; ${until} the account moves to Free and nothing more is charged.`;
  const option = to?.billing.find((b) => b.period === change.period);
  const credits = option ? `${formatCredits(option.creditsMc)} credits ${change.period}` : 'its credits';
  if (change.kind === 'upgrade') return `${toName} starts as soon as it is paid: ${credits}, its batch size, models, priority, daily credits and training allowance at once; a new paid period starts then.`;
  return `${from} stays until the end of the paid period; ${until} ${toName} starts (${credits}).`;
}

/** Start of the UTC calendar month containing `ms`, the key of its monthly bonus ("2026-11") and the next month's start. */
export function utcMonthOf(ms: number): { startMs: number; endMs: number; key: string } {
  const d = new Date(ms);
  const startMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return { startMs, endMs: addUtcMonthsClamped(startMs, 1), key: new Date(startMs).toISOString().slice(0, 7) };
}
