// The period a training allowance is counted in: the subscription's billing period when there is one, else the plan's in the catalog.
import { eq } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { findPlan } from '../../shared/catalog/schema';
import { allowancePeriodOf, utcWeekOf, yearFromAnchorOf, type AllowancePeriod } from '../../shared/rules/training';
import { accounts } from '../db/schema';
import type { Db, Tx } from '../db/open';
import { notFound } from '../errors';
import { subscriptionOf, type SubscriptionState } from '../subscriptions/service';

export interface BillingWindow {
  planId: string;
  /** null: the plan has no training allowance */
  period: AllowancePeriod | null;
  windowStartMs: number;
  windowEndMs: number;
}

/**
 * The account's current billing window at `nowMs` (server clock), as docs/credit-rules.md §7 says: the allowance follows the billing
 * period. A live weekly or yearly subscription counts in its own paid period (a yearly plan per subscription year) where the
 * plan has an allowance for that period; without one (an operator's plan, a monthly period), weekly plans count Monday
 * 00:00 UTC weeks and yearly ones years from the account's creation.
 */
export async function billingWindowOf(tx: Db | Tx, accountId: string, nowMs: number, catalog: Catalog, known?: SubscriptionState): Promise<BillingWindow> {
  const [account] = await tx.select({ planId: accounts.planId, createdAtMs: accounts.createdAtMs }).from(accounts).where(eq(accounts.id, accountId));
  if (!account) throw notFound(`account ${accountId}`);
  // a plan without any training allowance (Free) needs nothing more: the subscription's plan is always the account's plan
  const accountPlan = findPlan(catalog, account.planId);
  if (!accountPlan || !((accountPlan.trainingAllowance.perWeek ?? 0) > 0 || (accountPlan.trainingAllowance.perYear ?? 0) > 0)) {
    return { planId: account.planId, period: null, windowStartMs: nowMs, windowEndMs: nowMs };
  }
  // the wallet read the subscription already: it is not read twice
  const sub = known ?? (await subscriptionOf(tx, accountId, nowMs));
  const subPlan = findPlan(catalog, sub.planId);
  if (subPlan && sub.currentPeriodStartMs !== null && sub.currentPeriodEndMs !== null && sub.currentPeriodStartMs <= nowMs && nowMs < sub.currentPeriodEndMs) {
    const allowance = sub.period === 'weekly' ? subPlan.trainingAllowance.perWeek : sub.period === 'yearly' ? subPlan.trainingAllowance.perYear : null;
    if ((sub.period === 'weekly' || sub.period === 'yearly') && (allowance ?? 0) > 0) {
      return { planId: sub.planId, period: sub.period, windowStartMs: sub.currentPeriodStartMs, windowEndMs: sub.currentPeriodEndMs };
    }
  }
  const plan = accountPlan;
  const period = plan ? allowancePeriodOf(plan) : null;
  if (period === 'weekly') {
    const w = utcWeekOf(nowMs);
    return { planId: account.planId, period, windowStartMs: w.startMs, windowEndMs: w.endMs };
  }
  if (period === 'yearly') {
    const y = yearFromAnchorOf(account.createdAtMs, nowMs);
    return { planId: account.planId, period, windowStartMs: y.startMs, windowEndMs: y.endMs };
  }
  return { planId: account.planId, period: null, windowStartMs: nowMs, windowEndMs: nowMs };
}
