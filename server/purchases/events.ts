// Applies the provider's checkout and payment events to purchases (in the webhook's transaction): grant once, refuse a country, fail, cancel, take back.
import { and, eq, ne } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { isCountryAllowed, countryRefusal } from '../../shared/rules/purchases';
import { accounts, purchases } from '../db/schema';
import type { Tx } from '../db/open';
import type { PaymentEvent, PaymentProvider } from '../payments/provider';
import type { EventOutcome } from '../payments/service';
import { recordCountryRefund, recordPaymentDetails } from './receipts';
import { failPurchase, grantPack, lockPurchase, markPaid, takeBack, type PurchaseRow } from './service';

type Succeeded = Extract<PaymentEvent, { kind: 'payment_succeeded' }>;

export interface PurchaseEventDeps {
  catalog: Catalog;
  provider: PaymentProvider;
  /** a plan's checkout was paid: the subscriptions domain starts the plan and answers the grant of its first period (null when subscriptions are not wired) */
  subscriptionPaid: ((tx: Tx, p: PurchaseRow, ev: Succeeded, nowMs: number) => Promise<{ grantId: string | null; expiresAtMs: number; after: EventOutcome['after'] }>) | null;
}

const nothing = (accountId: string | null = null): EventOutcome => ({ accountId, after: [] });

async function paymentUsedElsewhere(tx: Tx, provider: string, paymentId: string, purchaseId: string): Promise<boolean> {
  const rows = await tx.select({ id: purchases.id }).from(purchases).where(and(eq(purchases.provider, provider), eq(purchases.providerPaymentId, paymentId), ne(purchases.id, purchaseId)));
  return rows.length > 0;
}

/**
 * Keeps the card a checkout saved for payments without the buyer (auto top-up), with its brand and last 4: the account's one saved
 * card, the newest. Saving a card never turns auto top-up on.
 */
async function keepSavedMethod(tx: Tx, provider: string, accountId: string, ev: { savedMethod?: { customerRef: string; methodRef: string } | null | undefined; paymentMethod?: { brand: string; last4: string } | null | undefined }): Promise<void> {
  if (!ev.savedMethod) return;
  const savedMethod = { provider, ...ev.savedMethod, brand: ev.paymentMethod?.brand ?? null, last4: ev.paymentMethod?.last4 ?? null };
  await tx.update(accounts).set({ savedMethod }).where(eq(accounts.id, accountId));
}

/** A top-up that paused auto top-up, paid after all (the buyer confirmed it at its checkout): auto top-up goes on. */
async function liftPauseOf(tx: Tx, p: PurchaseRow): Promise<void> {
  const [account] = await tx.select({ autoTopUp: accounts.autoTopUp }).from(accounts).where(eq(accounts.id, p.accountId)).for('update');
  if (account?.autoTopUp?.paused?.purchaseId !== p.id) return;
  await tx.update(accounts).set({ autoTopUp: { ...account.autoTopUp, paused: null } }).where(eq(accounts.id, p.accountId));
}

async function onSucceeded(tx: Tx, deps: PurchaseEventDeps, ev: Succeeded, nowMs: number): Promise<EventOutcome> {
  const p = await lockPurchase(tx, { id: ev.purchaseId });
  if (!p || p.provider !== deps.provider.name) return nothing();
  await keepSavedMethod(tx, p.provider, p.accountId, ev);
  const refund = (): EventOutcome => ({ accountId: p.accountId, after: [() => deps.provider.refund(ev.paymentId)] });
  // dedupe by payment: a payment already applied (to this purchase or another) changes nothing more
  if (p.providerPaymentId === ev.paymentId || (await paymentUsedElsewhere(tx, p.provider, ev.paymentId, p.id))) return nothing(p.accountId);
  // a second, different payment for a purchase already paid: the buyer paid twice, and the second is given back
  if (p.status === 'paid' || p.status === 'refunded' || p.status === 'disputed') return refund();
  // a renewal is paid by the provider's billing (invoice events), never through a checkout
  if (p.kind === 'renewal') return refund();
  if (ev.billingCountry !== null && !isCountryAllowed(deps.catalog, ev.billingCountry)) {
    await recordCountryRefund(tx, p, ev, `${countryRefusal(deps.catalog, ev.billingCountry)}; the payment was refunded`, nowMs);
    return refund();
  }
  if (p.kind === 'pack') {
    await grantPack(tx, deps.catalog, p, ev, nowMs);
    if (p.reason === 'auto_top_up') await liftPauseOf(tx, p);
    return nothing(p.accountId);
  }
  if (!deps.subscriptionPaid) return refund();
  const started = await deps.subscriptionPaid(tx, p, ev, nowMs);
  await markPaid(tx, p, ev, started.grantId, started.expiresAtMs, nowMs);
  return { accountId: p.accountId, after: started.after };
}

/** The card and country a provider reports apart from the payment: the purchase paid by it, else the one it names if not paid by another. */
async function onDetails(tx: Tx, deps: PurchaseEventDeps, ev: Extract<PaymentEvent, { kind: 'payment_details' }>, nowMs: number): Promise<EventOutcome> {
  let p = await lockPurchase(tx, { provider: deps.provider.name, paymentId: ev.paymentId });
  if (!p && ev.purchaseId) {
    const named = await lockPurchase(tx, { id: ev.purchaseId });
    if (named && named.provider === deps.provider.name && (named.providerPaymentId === null || named.providerPaymentId === ev.paymentId)) p = named;
  }
  if (!p) return nothing();
  await keepSavedMethod(tx, p.provider, p.accountId, ev);
  await recordPaymentDetails(tx, p, ev, nowMs);
  return nothing(p.accountId);
}

/** The purchase events' handler; returns null for events that are not about purchases. */
export async function applyPurchaseEvent(tx: Tx, deps: PurchaseEventDeps, ev: PaymentEvent, nowMs: number): Promise<EventOutcome | null> {
  switch (ev.kind) {
    case 'payment_succeeded':
      return onSucceeded(tx, deps, ev, nowMs);
    case 'payment_failed':
    case 'checkout_canceled': {
      const p = await lockPurchase(tx, { id: ev.purchaseId });
      if (!p || p.provider !== deps.provider.name || (p.status !== 'pending' && p.status !== 'failed')) return nothing(p?.accountId ?? null);
      if (ev.kind === 'payment_failed') await failPurchase(tx, p, 'failed', { code: ev.code, message: `the payment failed: ${ev.message}; nothing was charged`, providerMessage: ev.message, paymentMethod: ev.paymentMethod }, nowMs);
      else await failPurchase(tx, p, 'canceled', { code: 'checkout_canceled', message: 'the checkout was canceled; nothing was charged' }, nowMs);
      return nothing(p.accountId);
    }
    case 'refunded':
    case 'disputed': {
      const p = await lockPurchase(tx, { provider: deps.provider.name, paymentId: ev.paymentId });
      if (!p || p.status !== 'paid') return nothing(p?.accountId ?? null);
      await takeBack(tx, p, ev.kind, ev.kind === 'refunded' ? (ev.amountMinor ?? null) : null, nowMs);
      return nothing(p.accountId);
    }
    case 'payment_details':
      return onDetails(tx, deps, ev, nowMs);
    default:
      return null;
  }
}
