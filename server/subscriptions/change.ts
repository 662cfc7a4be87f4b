// What a buyer asks of a subscription: start one (a checkout), cancel at period end and resume it until then, upgrade now (a checkout) or downgrade at period end.
import type { Catalog } from '../../shared/catalog/schema';
import { findPlan } from '../../shared/catalog/schema';
import { RESUME_REFUSALS, type Purchase } from '../../shared/api/index';
import { billingOptionFor, changeEffectText, FREE_PLAN_ID, isUpgrade } from '../../shared/rules/subscriptions';
import type { BillingPeriod } from '../../shared/rules/schedule';
import type { Tx } from '../db/open';
import { lockAccount } from '../accounts/service';
import { DomainError } from '../errors';
import type { PaymentProvider } from '../payments/provider';
import type { EventOutcome } from '../payments/service';
import { checkCountry, findPurchaseRow, openCheckout } from '../purchases/service';
import { hasLiveSubscription, liveSubscription, planRuleError, subscriptionRow, subscriptionView, updateSubscription, type SubscriptionRow } from './service';

export interface ChangeDeps {
  catalog: Catalog;
  provider: PaymentProvider;
  baseUrl: string;
}

export interface ChangeResult {
  answer: { subscription: Awaited<ReturnType<typeof subscriptionView>>; effect: string; purchase: Purchase | null };
  after: EventOutcome['after'];
}

function option(catalog: Catalog, planId: string, period: BillingPeriod, currentPlanId: string) {
  try {
    return billingOptionFor(catalog, planId, period, currentPlanId);
  } catch (e) {
    throw planRuleError(e);
  }
}

function planCheckout(tx: Tx, deps: ChangeDeps, accountId: string, o: ReturnType<typeof option>, period: BillingPeriod, country: string, nowMs: number): Promise<Purchase> {
  return openCheckout(tx, deps.catalog, deps.provider, { accountId, kind: 'subscription', packId: null, planId: o.plan.id, period, name: `${o.plan.name} (${period})`, creditsMc: o.creditsMc, priceMinor: o.priceMinor, country }, deps.baseUrl, nowMs);
}

/** A new subscription: the country rule and the plan rules, then a checkout (mode subscription). */
export async function startSubscription(tx: Tx, deps: ChangeDeps, accountId: string, body: { planId: string; period: BillingPeriod; country: string }, nowMs: number): Promise<Purchase> {
  checkCountry(deps.catalog, body.country);
  const account = await lockAccount(tx, accountId);
  if (await hasLiveSubscription(tx, accountId)) throw new DomainError('conflict', 'already_subscribed', 'the account already has a subscription: change it with POST /v1/subscription/change');
  const o = option(deps.catalog, body.planId, body.period, account.planId);
  return planCheckout(tx, deps, accountId, o, body.period, body.country, nowMs);
}

/** The subscription's id at the configured provider, or null for one the operator set (or another provider's). */
const refOf = (deps: ChangeDeps, row: SubscriptionRow) => (row.provider === deps.provider.name ? row.providerSubscriptionId : null);

/** The provider charges the plan's own price again at the next renewal (a downgrade taken back). */
function currentPriceAtProvider(deps: ChangeDeps, ref: string, row: SubscriptionRow): () => Promise<void> {
  const option = findPlan(deps.catalog, row.planId)?.billing.find((b) => b.period === row.period);
  const name = `${findPlan(deps.catalog, row.planId)?.name ?? row.planId} (${row.period})`;
  return () => deps.provider.changeSubscriptionPrice(ref, { name, priceMinor: option?.priceMinor ?? 0, currency: deps.catalog.currency, period: row.period });
}

export async function cancelSubscription(tx: Tx, deps: ChangeDeps, accountId: string, nowMs: number): Promise<ChangeResult> {
  const row = await liveSubscription(tx, accountId);
  await updateSubscription(tx, accountId, { cancelAtPeriodEnd: true, nextPlanId: null, nextPeriod: null }, nowMs);
  const effect = changeEffectText(deps.catalog, { kind: 'cancel', fromPlanId: row.planId, toPlanId: FREE_PLAN_ID, period: null, periodEndMs: row.currentPeriodEndMs });
  const ref = refOf(deps, row);
  // a downgrade the cancel replaces is taken back at the provider too, so that a resume renews at the plan's own price
  const after = ref ? [...(row.nextPlanId || row.nextPeriod ? [currentPriceAtProvider(deps, ref, row)] : []), () => deps.provider.cancelSubscription(ref, true)] : [];
  return { answer: { subscription: await subscriptionView(tx, accountId, nowMs), effect, purchase: null }, after };
}

/**
 * A cancel at the period's end taken back while the period runs: the plan renews again (Stripe: cancel_at_period_end back to
 * false). Refused with a 409 when nothing is cancelled, or when the period has ended (the plan is gone: subscribe again).
 */
export async function resumeSubscription(tx: Tx, deps: ChangeDeps, accountId: string, nowMs: number): Promise<ChangeResult> {
  await lockAccount(tx, accountId);
  const row = await subscriptionRow(tx, accountId, true);
  const endedOn = row ? new Date(row.currentPeriodEndMs).toISOString().slice(0, 10) : '';
  if (row && (row.status === 'canceled' || (row.cancelAtPeriodEnd && (row.status !== 'active' || nowMs >= row.currentPeriodEndMs)))) {
    throw new DomainError('conflict', RESUME_REFUSALS.periodEnded, `the plan's paid period ended on ${endedOn}: it cannot be resumed; subscribe again in the store`, { currentPeriodEndMs: row.currentPeriodEndMs });
  }
  if (!row || row.status !== 'active' || !row.cancelAtPeriodEnd) {
    throw new DomainError('conflict', RESUME_REFUSALS.nothingToResume, row && row.status === 'active' ? 'the plan is not cancelled: there is nothing to resume' : 'the account has no subscription to resume', row ? { planId: row.planId } : undefined);
  }
  await updateSubscription(tx, accountId, { cancelAtPeriodEnd: false }, nowMs);
  const effect = changeEffectText(deps.catalog, { kind: 'resume', fromPlanId: row.planId, toPlanId: row.planId, period: row.period, periodEndMs: row.currentPeriodEndMs });
  const ref = refOf(deps, row);
  return { answer: { subscription: await subscriptionView(tx, accountId, nowMs), effect, purchase: null }, after: ref ? [() => deps.provider.resumeSubscription(ref)] : [] };
}

/** An upgrade is a checkout that starts a new period when paid; a downgrade or another period waits for the period's end; Free is a cancel. */
export async function changeSubscription(tx: Tx, deps: ChangeDeps, accountId: string, body: { planId: string; period: BillingPeriod }, nowMs: number): Promise<ChangeResult> {
  const row = await liveSubscription(tx, accountId);
  if (body.planId === FREE_PLAN_ID) return cancelSubscription(tx, deps, accountId, nowMs);
  const o = option(deps.catalog, body.planId, body.period, row.planId);
  const view = async () => subscriptionView(tx, accountId, nowMs);
  const ref = refOf(deps, row);
  const priceOf = (period: BillingPeriod) => ({ name: `${o.plan.name} (${period})`, priceMinor: o.priceMinor, currency: deps.catalog.currency, period });
  // a change that keeps the subscription going takes back a cancel at the provider too
  const resumed = ref && row.cancelAtPeriodEnd ? [() => deps.provider.resumeSubscription(ref)] : [];
  if (o.plan.id === row.planId && body.period === row.period) {
    await updateSubscription(tx, accountId, { cancelAtPeriodEnd: false, nextPlanId: null, nextPeriod: null }, nowMs);
    // a downgrade taken back: the provider charges the current price again
    const after = [...resumed, ...(ref && row.nextPlanId ? [() => deps.provider.changeSubscriptionPrice(ref, priceOf(body.period))] : [])];
    const effect = changeEffectText(deps.catalog, { kind: 'resume', fromPlanId: row.planId, toPlanId: row.planId, period: body.period, periodEndMs: row.currentPeriodEndMs });
    return { answer: { subscription: await view(), effect, purchase: null }, after };
  }
  if (isUpgrade(deps.catalog, row.planId, o.plan.id)) {
    if (row.provider !== deps.provider.name) throw new DomainError('conflict', 'plan_managed_by_operator', `this ${findPlan(deps.catalog, row.planId)?.name ?? row.planId} plan was set by the operator; ask them to change it`);
    const country = row.purchaseId ? (await findPurchaseRow(tx, row.purchaseId))?.country : undefined;
    if (!country) throw new DomainError('conflict', 'country_unknown', 'the country of this subscription is unknown: cancel it and subscribe again');
    const purchase = await planCheckout(tx, deps, accountId, o, body.period, country, nowMs);
    const effect = changeEffectText(deps.catalog, { kind: 'upgrade', fromPlanId: row.planId, toPlanId: o.plan.id, period: body.period, periodEndMs: row.currentPeriodEndMs });
    return { answer: { subscription: await view(), effect, purchase }, after: [] };
  }
  await updateSubscription(tx, accountId, { cancelAtPeriodEnd: false, nextPlanId: o.plan.id, nextPeriod: body.period }, nowMs);
  const effect = changeEffectText(deps.catalog, { kind: 'downgrade', fromPlanId: row.planId, toPlanId: o.plan.id, period: body.period, periodEndMs: row.currentPeriodEndMs });
  // the provider charges the new price from the next renewal on; the period already paid is not prorated
  return { answer: { subscription: await view(), effect, purchase: null }, after: [...resumed, ...(ref ? [() => deps.provider.changeSubscriptionPrice(ref, priceOf(body.period))] : [])] };
}
