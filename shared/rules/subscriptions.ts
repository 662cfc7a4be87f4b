// Plan and subscription rules (docs/credit-rules.md §6): billing options, upgrade or downgrade, the grace period, and what a change does, in words (price, when charged, credits kept, daily credits).
import type { Catalog, Plan } from '../catalog/schema';
import { findPlan } from '../catalog/schema';
import { formatCredits, formatMoney } from './money';
import { addUtcMonthsClamped, MS_PER_DAY, periodEnd, type BillingPeriod } from './schedule';

/** A failed renewal keeps the plan this long, then the account falls back to Free. */
export const RENEWAL_GRACE_MS = 3 * MS_PER_DAY;
export const FREE_PLAN_ID = 'free';

/** A paid plan's subscription: active, past_due (a renewal failed; the plan is kept until its grace ends), or canceled. */
export const SUBSCRIPTION_STATUSES = ['active', 'past_due', 'canceled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];
/** The statuses of a subscription still in force: the wallet carries it and the schedule renews or ends it. */
export const LIVE_SUBSCRIPTION_STATUSES = ['active', 'past_due'] as const satisfies readonly SubscriptionStatus[];
export type LiveSubscriptionStatus = (typeof LIVE_SUBSCRIPTION_STATUSES)[number];

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
const PER: Record<BillingPeriod, string> = { weekly: 'a week', monthly: 'a month', yearly: 'a year' };
const EVERY: Record<BillingPeriod, string> = { weekly: 'every week', monthly: 'every month', yearly: 'every year' };

/**
 * A plan change as its confirmation describes it: start (a first plan, from Free: a checkout), upgrade (a checkout, now), downgrade
 * or another period (at the period's end), cancel (at the period's end; Free from then), resume (a cancel or downgrade taken back).
 */
export interface PlanChange {
  kind: 'start' | 'upgrade' | 'downgrade' | 'cancel' | 'resume';
  fromPlanId: string;
  /** the plan after the change: Free for a cancel, the same plan for a resume */
  toPlanId: string;
  /** the new plan's billing period (null for a cancel) */
  period: BillingPeriod | null;
  /** when the paid period ends (null: none, as on Free) */
  periodEndMs: number | null;
  /** what is left of the current plan's credits of this period, when the one asking knows it */
  creditsLeftMc?: number | null | undefined;
}

/** What the daily free credits do: stop, start, change or go on, and when. */
function dailyTerm(from: Plan | undefined, to: Plan | undefined, c: PlanChange, names: { from: string; to: string }, endDay: string): string {
  const was = from?.dailyFreeMc ?? 0;
  const will = to?.dailyFreeMc ?? 0;
  const at = c.kind === 'downgrade' || c.kind === 'cancel' ? `on ${endDay}` : 'when it starts';
  if (will === 0) {
    if (c.kind === 'resume' || c.fromPlanId === c.toPlanId) return `${names.to} has no daily free credits.`;
    return was > 0 ? `${names.to} has no daily free credits: your ${formatCredits(was)} free credits a day stop ${at}.` : `${names.to} has no daily free credits, as ${names.from} has none.`;
  }
  if (will === was) return `The ${formatCredits(will)} free credits a day go on.`;
  const instead = was > 0 ? ` instead of ${formatCredits(was)}` : '';
  if (c.kind === 'cancel') return `On ${names.to} you get ${formatCredits(will)} free credits a day${instead} from ${endDay}.`;
  return `${names.to} gives ${formatCredits(will)} free credits a day${instead} ${at === 'when it starts' ? at : `from ${endDay}`}.`;
}

/** What happens to the credits the account has now: kept until they expire, or until the paid period ends. */
function creditsTerm(c: PlanChange, from: Plan | undefined, fromName: string, endDay: string, newCreditsMc: number): string {
  if (c.kind === 'start') return `The credits you have now are kept until they expire${(from?.dailyFreeMc ?? 0) > 0 ? " (today's free credits at midnight UTC)" : ''}.`;
  const known = c.creditsLeftMc !== null && c.creditsLeftMc !== undefined;
  const left = known ? `Your ${formatCredits(c.creditsLeftMc!)} ${fromName} credits left` : `What is left of your ${fromName} credits`;
  const [stay, are] = known ? ['stay', 'are'] : ['stays', 'is'];
  if (c.kind === 'upgrade') return `${left} ${are} kept until ${known ? 'they expire' : 'it expires'} on ${endDay}.`;
  if (c.kind === 'resume') return `${left} ${stay} until ${endDay}, when ${formatCredits(newCreditsMc)} new ones come.`;
  return `${left} ${stay} until the period ends on ${endDay}; what is left then expires.`;
}

/**
 * The confirmation's words, one sentence each: what changes and when; the new plan's price and period and when it is charged (now at
 * checkout, or at the period's end); what happens to the current plan's credits; whether the daily free credits stop.
 */
export function planChangeTerms(catalog: Catalog, c: PlanChange): string[] {
  const from = findPlan(catalog, c.fromPlanId);
  const to = findPlan(catalog, c.toPlanId);
  const names = { from: from?.name ?? c.fromPlanId, to: to?.name ?? c.toPlanId };
  const endDay = c.periodEndMs === null ? 'the end of the paid period' : day(c.periodEndMs);
  const option = c.period ? to?.billing.find((b) => b.period === c.period) : undefined;
  const price = option && c.period ? `Price: ${formatMoney({ amountMinor: option.priceMinor, currency: catalog.currency })} ${PER[c.period]}` : null;
  const credits = option ? `${formatCredits(option.creditsMc)} credits ${c.period}` : 'its credits';
  const lines: string[] = [];
  switch (c.kind) {
    case 'start':
    case 'upgrade':
      lines.push(`${names.to} starts as soon as it is paid: ${credits}, its batch size, models, priority and training allowance at once${c.kind === 'upgrade' ? '; a new paid period starts then' : ''}.`);
      if (price) lines.push(`${price}, charged now at checkout, then ${EVERY[c.period!]} until you cancel.`);
      break;
    case 'downgrade':
      lines.push(`${names.from} stays until the end of the paid period; on ${endDay} ${names.to} (${c.period}) starts with ${option ? formatCredits(option.creditsMc) : 'its'} credits.`);
      if (price) lines.push(`${price}, charged on ${endDay} at the end of the paid period, then ${EVERY[c.period!]}; nothing is charged now.`);
      break;
    case 'cancel':
      lines.push(`${names.from} stays until the end of the paid period; on ${endDay} the account moves to ${names.to} and nothing more is charged.`, `You can resume ${names.from} until ${endDay}.`);
      break;
    case 'resume':
      lines.push(`${names.to} (${c.period}) stays, and renews on ${endDay}.`);
      if (price) lines.push(`${price}, charged on ${endDay}, then ${EVERY[c.period!]} until you cancel.`);
      break;
  }
  lines.push(creditsTerm(c, from, names.from, endDay, option?.creditsMc ?? 0), dailyTerm(from, to, c, names, endDay));
  return lines;
}

/** What a change does and when, in the words the confirmation shows (the API's `effect`). */
export function changeEffectText(catalog: Catalog, change: PlanChange): string {
  return planChangeTerms(catalog, change).join(' ');
}

/** Start of the UTC calendar month containing `ms`, the key of its monthly bonus ("2026-11") and the next month's start. */
export function utcMonthOf(ms: number): { startMs: number; endMs: number; key: string } {
  const d = new Date(ms);
  const startMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return { startMs, endMs: addUtcMonthsClamped(startMs, 1), key: new Date(startMs).toISOString().slice(0, 7) };
}
