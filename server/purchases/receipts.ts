// What a receipt needs, recorded: the card and billing country a provider reported, the details each payment's ledger entry carries, and the ledger's entries for failed payments and refused countries.
import { eq, sql } from 'drizzle-orm';
import type { PaymentMethod, ReceiptDetails } from '../../shared/api/index';
import { formatMoney } from '../../shared/rules/money';
import { ledgerEntries, purchases } from '../db/schema';
import type { Tx } from '../db/open';
import { ledgerRow } from '../wallet/ledger';

type Row = typeof purchases.$inferSelect;

/** A payment as the provider reported it: its id (what a refund names), and the card and billing country when it said. */
export interface PaidWith {
  paymentId: string;
  paymentMethod?: PaymentMethod | null | undefined;
  billingCountry?: string | null | undefined;
}

/** The card recorded on a purchase, or null. */
export function methodOfRow(r: Pick<Row, 'paymentBrand' | 'paymentLast4'>): PaymentMethod | null {
  return r.paymentBrand && r.paymentLast4 ? { brand: r.paymentBrand, last4: r.paymentLast4 } : null;
}

/** The columns a reported card sets (nothing when none was reported: what is recorded stays). */
export function methodColumns(m: PaymentMethod | null | undefined): Partial<Pick<Row, 'paymentBrand' | 'paymentLast4'>> {
  return m ? { paymentBrand: m.brand, paymentLast4: m.last4 } : {};
}

/** "200 credits — $1.99 USD" */
export const priceLabel = (p: Pick<Row, 'name' | 'priceMinor' | 'currency'>) => `${p.name} — ${formatMoney({ amountMinor: p.priceMinor, currency: p.currency })} ${p.currency}`;

/**
 * What a payment's ledger entry carries for its receipt, as of the payment (the app reads it offline): what was bought, the card, the
 * billing country, the payment, and when the credits expire. The purchase keeps the same, and what a provider reports later.
 */
export function receiptDetails(p: Row, paid: PaidWith | null, expiresAtMs: number | null): ReceiptDetails {
  return {
    purchaseId: p.id, purchaseKind: p.kind as ReceiptDetails['purchaseKind'], name: p.name, priceMinor: p.priceMinor, currency: p.currency,
    paymentMethod: paid?.paymentMethod ?? methodOfRow(p), billingCountry: paid?.billingCountry ?? p.billingCountry,
    ...(paid ? { paymentId: paid.paymentId } : {}), ...(expiresAtMs !== null ? { expiresAtMs } : {}),
    ...(p.reason === 'auto_top_up' ? { reason: 'auto_top_up' as const, crossedBy: p.crossingKey } : {}),
  };
}

/** A payment that did not go through: an entry in the ledger (no credits change) with what it was for, the card and why. */
export async function recordFailedPayment(tx: Tx, p: Row, failure: { code: string; message: string; paymentMethod?: PaymentMethod | null | undefined }, nowMs: number): Promise<void> {
  await tx.insert(ledgerEntries).values(ledgerRow({
    accountId: p.accountId, kind: 'payment_failed', amountMc: 0, grantId: null, ref: `payment_failed:${p.id}`, atMs: nowMs,
    details: { ...receiptDetails(p, null, null), paymentMethod: failure.paymentMethod ?? null, label: priceLabel(p), code: failure.code, message: failure.message },
  }));
}

/** A payment refunded because its billing country may not pay: the ledger shows the money given back and no credits. */
export async function recordCountryRefund(tx: Tx, p: Row, paid: PaidWith, message: string, nowMs: number): Promise<void> {
  await tx
    .update(purchases)
    .set({ status: 'refunded', providerPaymentId: paid.paymentId, failureCode: 'country_not_allowed', failureMessage: message, refundedAtMs: nowMs, refundedMinor: p.priceMinor, billingCountry: paid.billingCountry ?? p.billingCountry, ...methodColumns(paid.paymentMethod), updatedAtMs: nowMs })
    .where(eq(purchases.id, p.id));
  await tx.insert(ledgerEntries).values(ledgerRow({
    accountId: p.accountId, kind: 'refund', amountMc: 0, grantId: null, ref: `country_not_allowed:${p.id}`, atMs: nowMs,
    details: { ...receiptDetails(p, paid, null), reason: 'country_not_allowed', label: `${priceLabel(p)} refunded: ${message}`, refundedMinor: p.priceMinor, takenBackMc: 0, spentMc: 0 },
  }));
}

/** The card and billing country a provider reported apart from the payment: fills in what the purchase lacks, never overwrites. */
export async function recordPaymentDetails(tx: Tx, p: Row, d: { paymentMethod?: PaymentMethod | null | undefined; billingCountry: string | null }, nowMs: number): Promise<void> {
  const m = d.paymentMethod;
  await tx
    .update(purchases)
    .set({
      paymentBrand: sql`coalesce(${purchases.paymentBrand}, ${m?.brand ?? null})`,
      paymentLast4: sql`case when ${purchases.paymentBrand} is null then ${m?.last4 ?? null} else ${purchases.paymentLast4} end`,
      billingCountry: sql`coalesce(${purchases.billingCountry}, ${d.billingCountry})`,
      updatedAtMs: nowMs,
    })
    .where(eq(purchases.id, p.id));
}
