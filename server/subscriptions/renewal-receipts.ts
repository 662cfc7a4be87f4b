// A renewal's payment as a purchase of its own (paid or failed, one per provider payment): it has a receipt, a refund can name it, and it is listed with the purchases.
import { and, eq } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { findPlan } from '../../shared/catalog/schema';
import { purchases } from '../db/schema';
import type { Tx } from '../db/open';
import type { PaymentEvent } from '../payments/provider';
import { methodColumns, recordFailedPayment, type PaidWith } from '../purchases/receipts';
import type { PurchaseRow } from '../purchases/service';
import { newId } from '../util';
import type { SubscriptionRow } from './service';

type Invoice = Extract<PaymentEvent, { kind: 'invoice_paid' | 'invoice_failed' }>;

/** What a refund of the renewal will name: the provider's payment (Stripe: the invoice's PaymentIntent), else the invoice. */
export const renewalPaid = (ev: Invoice): PaidWith => ({ paymentId: ev.paymentId ?? ev.invoiceId, paymentMethod: ev.paymentMethod, billingCountry: ev.kind === 'invoice_paid' ? (ev.billingCountry ?? null) : null });

/**
 * The purchase a renewal's invoice pays (the plan the next period is at, at the amount the provider charged, else the plan's
 * price): found by its payment when an earlier attempt failed, else inserted (pending, or failed). Null for a plan no longer sold.
 */
export async function renewalPurchase(tx: Tx, catalog: Catalog, row: SubscriptionRow, ev: Invoice, nowMs: number): Promise<PurchaseRow | null> {
  const paid = renewalPaid(ev);
  const [existing] = await tx.select().from(purchases).where(and(eq(purchases.provider, row.provider), eq(purchases.providerPaymentId, paid.paymentId))).for('update');
  if (existing) return existing.accountId === row.accountId && existing.kind === 'renewal' ? existing : null;
  const period = row.nextPeriod ?? row.period;
  const plan = findPlan(catalog, row.nextPlanId ?? row.planId);
  const option = plan?.billing.find((b) => b.period === period);
  if (!plan || !option) return null;
  const [first] = row.purchaseId ? await tx.select({ country: purchases.country, billingCountry: purchases.billingCountry }).from(purchases).where(eq(purchases.id, row.purchaseId)) : [];
  const [inserted] = await tx
    .insert(purchases)
    .values({
      id: newId('pur'), accountId: row.accountId, kind: 'renewal', packId: null, planId: plan.id, period, name: `${plan.name} (${period})`, creditsMc: option.creditsMc,
      priceMinor: ev.amountMinor ?? option.priceMinor, currency: ev.currency ?? catalog.currency, country: first?.country ?? paid.billingCountry ?? '', status: 'pending',
      provider: row.provider, providerPaymentId: paid.paymentId, billingCountry: paid.billingCountry ?? first?.billingCountry ?? null, ...methodColumns(paid.paymentMethod),
      createdAtMs: nowMs, updatedAtMs: nowMs,
    })
    .returning();
  return inserted ?? null;
}

/** A renewal the provider could not charge: its purchase failed (with the card and why), and an entry in the ledger. */
export async function renewalFailed(tx: Tx, catalog: Catalog, row: SubscriptionRow, ev: Extract<PaymentEvent, { kind: 'invoice_failed' }>, nowMs: number): Promise<void> {
  const p = await renewalPurchase(tx, catalog, row, ev, nowMs);
  if (!p || p.status === 'paid') return;
  const code = ev.code ?? 'renewal_declined';
  const message = ev.message ?? 'the renewal payment was declined';
  await tx.update(purchases).set({ status: 'failed', failureCode: code, failureMessage: `the renewal payment failed: ${message}`, ...methodColumns(ev.paymentMethod), updatedAtMs: nowMs }).where(eq(purchases.id, p.id));
  await recordFailedPayment(tx, p, { code, message, paymentMethod: ev.paymentMethod ?? null }, nowMs);
}
