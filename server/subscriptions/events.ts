// The provider's subscription events (first payment, renewals paid or failed, each a purchase with its receipt, updates, ends) and the schedule that renews, ends and falls back to Free.
import { and, eq, lte, or, sql } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { RENEWAL_GRACE_MS, subscriptionPeriodEnd } from '../../shared/rules/subscriptions';
import { periodContaining } from '../../shared/rules/schedule';
import { subscriptions } from '../db/schema';
import type { Db, Tx } from '../db/open';
import { lockAccount } from '../accounts/service';
import type { PaymentEvent, PaymentProvider } from '../payments/provider';
import type { EventOutcome } from '../payments/service';
import type { TestPaymentProvider } from '../payments/test-provider';
import { receiptDetails } from '../purchases/receipts';
import { markPaid, type PurchaseRow } from '../purchases/service';
import { renewalFailed, renewalPaid, renewalPurchase } from './renewal-receipts';
import { endSubscription, findByProviderRef, startPeriod, subscriptionRow, updateSubscription, type SubscriptionRow } from './service';

type Succeeded = Extract<PaymentEvent, { kind: 'payment_succeeded' }>;

export interface SubscriptionDeps {
  catalog: Catalog;
  provider: PaymentProvider;
}

/** A plan's checkout was paid: its first period starts now; a subscription it replaces (an upgrade) is ended at the provider. */
export function subscriptionPaid(deps: SubscriptionDeps) {
  return async (tx: Tx, p: PurchaseRow, ev: Succeeded, nowMs: number): Promise<{ grantId: string | null; expiresAtMs: number; after: EventOutcome['after'] }> => {
    const old = await subscriptionRow(tx, p.accountId, true);
    const period = p.period;
    if (period === null) throw new Error(`purchase ${p.id} is a plan's checkout without a billing period`);
    const startMs = ev.periodStartMs ?? nowMs;
    const endMs = ev.periodEndMs ?? subscriptionPeriodEnd(startMs, period);
    const ref = ev.subscriptionRef ?? p.id;
    const grantId = await startPeriod(tx, deps.catalog, {
      accountId: p.accountId, planId: p.planId!, period, startMs, endMs, provider: deps.provider.name,
      providerSubscriptionId: ref, purchaseId: p.id, sourceRef: `purchase:${p.id}`, paid: { priceMinor: p.priceMinor, currency: p.currency, receipt: receiptDetails(p, ev, endMs) },
    }, nowMs);
    const replaced = old && (old.status === 'active' || old.status === 'past_due') && old.provider === deps.provider.name && old.providerSubscriptionId && old.providerSubscriptionId !== ref ? old.providerSubscriptionId : null;
    return { grantId, expiresAtMs: endMs, after: replaced ? [() => deps.provider.cancelSubscription(replaced, false)] : [] };
  };
}

/** A renewal paid: the next period (at the plan a downgrade chose, if one waits) with its credits, once per invoice; its payment is a purchase with its receipt. */
async function onInvoicePaid(tx: Tx, deps: SubscriptionDeps, row: SubscriptionRow, ev: Extract<PaymentEvent, { kind: 'invoice_paid' }>, nowMs: number): Promise<void> {
  // an invoice for a period already started (the first one, paid at checkout) grants nothing more
  if (ev.periodEndMs <= row.currentPeriodEndMs) return;
  const renewal = await renewalPurchase(tx, deps.catalog, row, ev, nowMs);
  const paid = renewal ? renewalPaid(ev) : null;
  const grantId = await startPeriod(tx, deps.catalog, {
    accountId: row.accountId, planId: row.nextPlanId ?? row.planId, period: row.nextPeriod ?? row.period, startMs: ev.periodStartMs, endMs: ev.periodEndMs,
    provider: row.provider as 'test' | 'stripe', providerSubscriptionId: row.providerSubscriptionId, purchaseId: row.purchaseId, sourceRef: `invoice:${ev.invoiceId}`,
    paid: renewal && paid ? { priceMinor: renewal.priceMinor, currency: renewal.currency, receipt: receiptDetails(renewal, paid, ev.periodEndMs) } : null,
  }, nowMs);
  if (renewal && paid && renewal.status !== 'paid') await markPaid(tx, renewal, paid, grantId, ev.periodEndMs, nowMs);
}

export async function applySubscriptionEvent(tx: Tx, deps: SubscriptionDeps, ev: PaymentEvent, nowMs: number): Promise<EventOutcome | null> {
  if (ev.kind !== 'invoice_paid' && ev.kind !== 'invoice_failed' && ev.kind !== 'subscription_updated' && ev.kind !== 'subscription_ended') return null;
  const row = await findByProviderRef(tx, deps.provider.name, ev.subscriptionRef);
  if (!row || (row.status !== 'active' && row.status !== 'past_due')) return { accountId: row?.accountId ?? null, after: [] };
  switch (ev.kind) {
    case 'invoice_paid':
      await onInvoicePaid(tx, deps, row, ev, nowMs);
      break;
    case 'invoice_failed':
      if (row.status === 'active') await updateSubscription(tx, row.accountId, { status: 'past_due', graceUntilMs: row.currentPeriodEndMs + RENEWAL_GRACE_MS }, nowMs);
      await renewalFailed(tx, deps.catalog, row, ev, nowMs);
      break;
    case 'subscription_updated':
      await updateSubscription(tx, row.accountId, { cancelAtPeriodEnd: ev.cancelAtPeriodEnd }, nowMs);
      break;
    case 'subscription_ended':
      await endSubscription(tx, deps.catalog, row, nowMs);
      break;
  }
  return { accountId: row.accountId, after: [] };
}

/** How many due subscriptions one sweep handles; the next sweep takes the rest. */
export const SWEEP_BATCH = 100;

/**
 * Subscriptions with something due at `nowMs`: a period ended (renew, end a cancel, or for Stripe, which renews by itself, wait
 * out the grace), or a grace period over (fall back to Free).
 */
async function dueSubscriptions(db: Db, nowMs: number): Promise<SubscriptionRow[]> {
  return db
    .select()
    .from(subscriptions)
    .where(or(
      and(eq(subscriptions.status, 'active'), lte(subscriptions.currentPeriodEndMs, nowMs), or(sql`${subscriptions.provider} <> 'stripe'`, lte(subscriptions.currentPeriodEndMs, nowMs - RENEWAL_GRACE_MS))),
      and(eq(subscriptions.status, 'past_due'), lte(subscriptions.graceUntilMs, nowMs)),
    ))
    .limit(SWEEP_BATCH);
}

export interface SweepDeps extends SubscriptionDeps {
  db: Db;
  testProvider: TestPaymentProvider | null;
  /** publishes an account's wallet after a change */
  changed(accountId: string): Promise<void>;
}

/** One pass of the schedule. Renewals at a provider go through its signed webhook; the operator's renew here. */
export async function sweepSubscriptions(deps: SweepDeps, nowMs: number): Promise<number> {
  const due = await dueSubscriptions(deps.db, nowMs);
  for (const row of due) {
    const renewAtProvider = row.status === 'active' && !row.cancelAtPeriodEnd && row.provider === 'test' && deps.testProvider && row.providerSubscriptionId;
    if (renewAtProvider) {
      const next = periodContaining(row.currentPeriodEndMs, row.nextPeriod ?? row.period, nowMs);
      await deps.testProvider!.renew(row.providerSubscriptionId!, next.startMs, next.endMs);
      continue;
    }
    await deps.db.transaction(async (tx) => {
      const fresh = await findFresh(tx, row.accountId);
      if (!fresh) return;
      if (fresh.status === 'active' && !fresh.cancelAtPeriodEnd && fresh.provider === 'operator') await renewByOperator(tx, deps.catalog, fresh, nowMs);
      else await endSubscription(tx, deps.catalog, fresh, nowMs);
    });
    await deps.changed(row.accountId);
  }
  return due.length;
}

async function findFresh(tx: Tx, accountId: string): Promise<SubscriptionRow | null> {
  await lockAccount(tx, accountId);
  return subscriptionRow(tx, accountId, true);
}

/** The operator's subscription renews itself at its period's end (the operator is the payer): the period that contains now. */
export async function renewByOperator(tx: Tx, catalog: Catalog, row: SubscriptionRow, nowMs: number): Promise<void> {
  const period = row.nextPeriod ?? row.period;
  const next = periodContaining(row.currentPeriodEndMs, period, Math.max(nowMs, row.currentPeriodEndMs));
  await startPeriod(tx, catalog, {
    accountId: row.accountId, planId: row.nextPlanId ?? row.planId, period, startMs: next.startMs, endMs: next.endMs, provider: 'operator', providerSubscriptionId: null, purchaseId: null,
    sourceRef: `operator-renewal:${next.startMs}`, paid: null,
  }, nowMs);
}
