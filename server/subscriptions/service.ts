// Subscriptions: the account's paid plan and period, starting and renewing a period (its credits granted once), cancel and downgrade at period end, falling back to Free.
import { and, eq } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { findPlan } from '../../shared/catalog/schema';
import { subscriptionViewSchema, type ReceiptDetails, type SubscriptionView, type Wallet, type WalletSubscription } from '../../shared/api/index';
import { formatMoney } from '../../shared/rules/money';
import { FREE_PLAN_ID, PlanRuleError, type LiveSubscriptionStatus, type SubscriptionStatus } from '../../shared/rules/subscriptions';
import type { BillingPeriod } from '../../shared/rules/schedule';
import { accounts, leftPlans, subscriptions } from '../db/schema';
import type { Db, Tx } from '../db/open';
import { lockAccount } from '../accounts/service';
import { DomainError } from '../errors';
import { pendingCheckoutOf } from '../purchases/service';
import { insertGrant, materialize } from '../wallet/service';

export type SubscriptionRow = typeof subscriptions.$inferSelect;
export type SubscriptionProvider = 'test' | 'stripe' | 'operator';

/** What other domains read of an account's plan and billing period (the training allowance counts per period). */
export interface SubscriptionState {
  planId: string;
  period: BillingPeriod | null;
  currentPeriodStartMs: number | null;
  currentPeriodEndMs: number | null;
  status: 'none' | SubscriptionStatus;
  cancelAtPeriodEnd: boolean;
}

/** A plan rule refused, as the API's 4xx. */
export function planRuleError(e: unknown): unknown {
  if (!(e instanceof PlanRuleError)) return e;
  return new DomainError(e.code === 'plan_not_available' ? 'conflict' : 'invalid', e.code, e.message);
}

export async function subscriptionRow(tx: Db | Tx, accountId: string, forUpdate = false): Promise<SubscriptionRow | null> {
  const q = tx.select().from(subscriptions).where(eq(subscriptions.accountId, accountId));
  return (await (forUpdate ? q.for('update') : q))[0] ?? null;
}

const isLive = (r: SubscriptionRow | null): r is SubscriptionRow & { status: LiveSubscriptionStatus } => r !== null && (r.status === 'active' || r.status === 'past_due');

/**
 * The account's plan and billing period as of `nowMs`: a live subscription's, or the account's plan with no period (Free
 * without a subscription: planId 'free', period null). Transitions due at `nowMs` are the schedule's (see sweep.ts).
 */
export async function subscriptionOf(tx: Db | Tx, accountId: string, _nowMs: number): Promise<SubscriptionState> {
  const row = await subscriptionRow(tx, accountId);
  if (isLive(row)) {
    return { planId: row.planId, period: row.period, currentPeriodStartMs: row.currentPeriodStartMs, currentPeriodEndMs: row.currentPeriodEndMs, status: row.status, cancelAtPeriodEnd: row.cancelAtPeriodEnd };
  }
  const [account] = await tx.select({ planId: accounts.planId }).from(accounts).where(eq(accounts.id, accountId));
  return { planId: account?.planId ?? FREE_PLAN_ID, period: null, currentPeriodStartMs: null, currentPeriodEndMs: null, status: 'none', cancelAtPeriodEnd: false };
}

/**
 * The wallet's subscription (null: none) and the state other domains read of it, from one read of its row. A plan not sold by
 * subscription (Free) has none, since a live subscription's plan is always the account's: nothing is read for it.
 */
export async function walletSubscriptionOf(db: Db | Tx, catalog: Catalog, wallet: Wallet): Promise<{ subscription: WalletSubscription | null; state: SubscriptionState }> {
  const none: SubscriptionState = { planId: wallet.planId, period: null, currentPeriodStartMs: null, currentPeriodEndMs: null, status: 'none', cancelAtPeriodEnd: false };
  if ((findPlan(catalog, wallet.planId)?.billing.length ?? 0) === 0) return { subscription: null, state: none };
  const row = await subscriptionRow(db, wallet.accountId);
  if (!isLive(row)) return { subscription: null, state: none };
  const s = {
    planId: row.planId, period: row.period, status: row.status, currentPeriodStartMs: row.currentPeriodStartMs, currentPeriodEndMs: row.currentPeriodEndMs,
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
  };
  return { subscription: { ...s, nextPlanId: row.nextPlanId, nextPeriod: row.nextPeriod, graceUntilMs: row.graceUntilMs }, state: s };
}

export async function subscriptionView(db: Db | Tx, accountId: string, nowMs: number): Promise<SubscriptionView> {
  const s = await subscriptionOf(db, accountId, nowMs);
  const row = await subscriptionRow(db, accountId);
  const live = isLive(row);
  return subscriptionViewSchema.parse({
    ...s, nextPlanId: live ? row.nextPlanId : null, nextPeriod: live ? row.nextPeriod : null, graceUntilMs: live ? row.graceUntilMs : null, pendingPurchaseId: await pendingCheckoutOf(db, accountId, 'subscription'),
  });
}

/** Moves the account to a plan (its entitlements follow accounts.plan_id); a legacy plan left is remembered. */
async function switchPlan(tx: Tx, accountId: string, fromPlanId: string, toPlanId: string, catalog: Catalog, nowMs: number): Promise<void> {
  if (fromPlanId === toPlanId) return;
  await tx.update(accounts).set({ planId: toPlanId }).where(eq(accounts.id, accountId));
  if (findPlan(catalog, fromPlanId)?.legacy) await tx.insert(leftPlans).values({ accountId, planId: fromPlanId, leftAtMs: nowMs }).onConflictDoNothing();
}

export interface NewPeriod {
  accountId: string;
  planId: string;
  period: BillingPeriod;
  startMs: number;
  endMs: number;
  provider: SubscriptionProvider;
  providerSubscriptionId: string | null;
  purchaseId: string | null;
  /** what grants the period's credits, once: "purchase:<id>", "invoice:<id>", "operator:…" */
  sourceRef: string;
  /** the payment's receipt, when money was paid for it: the price, and what the ledger entry carries of the purchase that paid (its id first) */
  paid: { priceMinor: number; currency: string; receipt: ReceiptDetails } | null;
}

/**
 * Starts a paid period (under the account's lock): the subscription row, the account's plan (entitlements at once, today's daily
 * credits topped up), and the period's credits as a `subscription` grant expiring at its end (a yearly plan's year upfront).
 * Returns the grant's id, or null if that source had granted already.
 */
export async function startPeriod(tx: Tx, catalog: Catalog, p: NewPeriod, nowMs: number): Promise<string | null> {
  const account = await lockAccount(tx, p.accountId);
  const plan = findPlan(catalog, p.planId);
  const option = plan?.billing.find((b) => b.period === p.period);
  if (!plan || !option) throw new DomainError('conflict', 'plan_not_available', `${p.planId} is not sold ${p.period}`);
  const row = { planId: p.planId, period: p.period, status: 'active' as const, currentPeriodStartMs: p.startMs, currentPeriodEndMs: p.endMs, cancelAtPeriodEnd: false, nextPlanId: null, nextPeriod: null, graceUntilMs: null, provider: p.provider, providerSubscriptionId: p.providerSubscriptionId, purchaseId: p.purchaseId, updatedAtMs: nowMs };
  await tx.insert(subscriptions).values({ accountId: p.accountId, ...row }).onConflictDoUpdate({ target: subscriptions.accountId, set: row });
  await switchPlan(tx, p.accountId, account.planId, p.planId, catalog, nowMs);
  const price = p.paid ? formatMoney({ amountMinor: p.paid.priceMinor, currency: p.paid.currency }) : null;
  const label = `${plan.name} (${p.period})${price ? ` — ${price} ${p.paid!.currency}` : ''}`;
  const grant = {
    accountId: p.accountId, kind: 'subscription' as const, amountMc: option.creditsMc, effectiveAtMs: Math.min(p.startMs, nowMs), expiresAtMs: p.endMs, paid: true,
    note: `${plan.name} credits until ${new Date(p.endMs).toISOString().slice(0, 10)}`, sourceRef: p.sourceRef,
  };
  const about = { label, planId: p.planId, period: p.period, periodStartMs: p.startMs, periodEndMs: p.endMs, ...(p.purchaseId ? { purchaseId: p.purchaseId } : {}) };
  const grantId = await insertGrant(
    tx,
    p.paid
      ? { ...grant, ledgerKind: 'purchase', details: { ...about, ...p.paid.receipt, priceMinor: p.paid.priceMinor, currency: p.paid.currency } }
      : { ...grant, ledgerKind: 'grant', details: about },
    nowMs,
  );
  await materialize(tx, { ...account, planId: p.planId }, catalog, nowMs);
  return grantId;
}

/** Ends the subscription now: the account falls back to Free; what is left of the period's credits expires with them. */
export async function endSubscription(tx: Tx, catalog: Catalog, row: SubscriptionRow, nowMs: number): Promise<void> {
  const account = await lockAccount(tx, row.accountId);
  await tx.update(subscriptions).set({ status: 'canceled', cancelAtPeriodEnd: false, nextPlanId: null, nextPeriod: null, graceUntilMs: null, updatedAtMs: nowMs }).where(eq(subscriptions.accountId, row.accountId));
  await switchPlan(tx, row.accountId, account.planId, FREE_PLAN_ID, catalog, nowMs);
  await materialize(tx, { ...account, planId: FREE_PLAN_ID }, catalog, nowMs);
}

/** The live subscription under the account's lock, or a 409 saying there is none. */
export async function liveSubscription(tx: Tx, accountId: string): Promise<SubscriptionRow> {
  await lockAccount(tx, accountId);
  const row = await subscriptionRow(tx, accountId, true);
  if (!isLive(row)) throw new DomainError('conflict', 'no_subscription', 'the account has no subscription: start one with POST /v1/subscription');
  return row;
}

export async function hasLiveSubscription(tx: Db | Tx, accountId: string): Promise<boolean> {
  return isLive(await subscriptionRow(tx, accountId));
}

export async function updateSubscription(tx: Tx, accountId: string, set: Partial<Pick<SubscriptionRow, 'cancelAtPeriodEnd' | 'nextPlanId' | 'nextPeriod' | 'status' | 'graceUntilMs'>>, nowMs: number): Promise<void> {
  await tx.update(subscriptions).set({ ...set, updatedAtMs: nowMs }).where(eq(subscriptions.accountId, accountId));
}

export async function findByProviderRef(tx: Tx, provider: string, ref: string): Promise<SubscriptionRow | null> {
  const [first] = await tx.select({ accountId: subscriptions.accountId }).from(subscriptions).where(and(eq(subscriptions.provider, provider), eq(subscriptions.providerSubscriptionId, ref)));
  if (!first) return null;
  await lockAccount(tx, first.accountId);
  return subscriptionRow(tx, first.accountId, true);
}
