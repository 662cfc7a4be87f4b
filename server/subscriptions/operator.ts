// The operator's subscriptions (a deployment without a payment provider): set-plan starts one with its period's credits, renew and end act as a provider's events would.
import type { Catalog } from '../../shared/catalog/schema';
import { findPlan } from '../../shared/catalog/schema';
import type { BillingPeriod } from '../../shared/rules/schedule';
import { subscriptionPeriodEnd } from '../../shared/rules/subscriptions';
import type { Tx } from '../db/open';
import { lockAccount, setPlan } from '../accounts/service';
import { DomainError } from '../errors';
import { renewByOperator } from './events';
import { endSubscription, liveSubscription, startPeriod, subscriptionRow } from './service';

/**
 * Puts an account on a plan. A plan sold by subscription starts (or restarts, when plan or period differ) an operator
 * subscription whose period's credits are granted now; a plan without billing (Free) ends any subscription. Setting the plan
 * and period the account is already on changes nothing.
 */
export async function operatorSetPlan(tx: Tx, catalog: Catalog, accountId: string, body: { planId: string; period?: BillingPeriod | undefined }, nowMs: number): Promise<void> {
  const plan = findPlan(catalog, body.planId);
  if (!plan) throw new DomainError('invalid', 'unknown_plan', `unknown plan ${body.planId}`);
  const account = await lockAccount(tx, accountId);
  if (plan.legacy && account.planId !== plan.id) throw new DomainError('conflict', 'plan_not_available', `${plan.name} is a legacy plan and cannot be chosen again once left`);
  const row = await subscriptionRow(tx, accountId, true);
  const live = row && (row.status === 'active' || row.status === 'past_due') ? row : null;
  if (plan.billing.length === 0) {
    if (live) await endSubscription(tx, catalog, live, nowMs);
    await setPlan(tx, catalog, accountId, plan.id);
    return;
  }
  const period = body.period ?? plan.billing[0]!.period;
  if (!plan.billing.some((b) => b.period === period)) throw new DomainError('invalid', 'period_not_offered', `${plan.name} is not sold ${period}`);
  if (live && live.planId === plan.id && live.period === period && live.status === 'active') return;
  await startPeriod(tx, catalog, {
    accountId, planId: plan.id, period, startMs: nowMs, endMs: subscriptionPeriodEnd(nowMs, period), provider: 'operator', providerSubscriptionId: null, purchaseId: null,
    sourceRef: `operator:${plan.id}:${period}:${nowMs}`, paid: null,
  }, nowMs);
}

/** Renews an operator subscription whose period has ended (the schedule does the same on its own); refuses one not yet due. */
export async function operatorRenew(tx: Tx, catalog: Catalog, accountId: string, nowMs: number): Promise<void> {
  const row = await liveSubscription(tx, accountId);
  if (row.provider !== 'operator') throw new DomainError('conflict', 'plan_managed_by_provider', 'this subscription is paid through the payment provider, which renews it');
  if (nowMs < row.currentPeriodEndMs) throw new DomainError('conflict', 'not_due', `the current period runs until ${new Date(row.currentPeriodEndMs).toISOString()}`, { currentPeriodEndMs: row.currentPeriodEndMs });
  await renewByOperator(tx, catalog, row, nowMs);
}

/** Ends a subscription now: the account falls back to Free. */
export async function operatorEnd(tx: Tx, catalog: Catalog, accountId: string, nowMs: number): Promise<void> {
  const row = await liveSubscription(tx, accountId);
  await endSubscription(tx, catalog, row, nowMs);
}
