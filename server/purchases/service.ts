// Purchases: create a pack's checkout (country rule first), read them, and apply the provider's events: grant once, fail, cancel, take back on refund or dispute.
import { and, desc, eq, gt, sql } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { purchaseSchema, type PaymentMethod, type Purchase } from '../../shared/api/index';
import { checkNewGrant, TooManyGrantsError } from '../../shared/rules/grants';
import { CreditAmountError, formatCredits, formatMoney } from '../../shared/rules/money';
import { countryRefusal, takeBackOf } from '../../shared/rules/purchases';
import { packExpiry, type BillingPeriod } from '../../shared/rules/schedule';
import { grants, ledgerEntries, purchases } from '../db/schema';
import type { Db, Tx } from '../db/open';
import { lockAccount } from '../accounts/service';
import { DomainError, notFound } from '../errors';
import { ProviderError, type CheckoutRequest, type PaymentProvider } from '../payments/provider';
import { insertGrant, loadGrants, materialize } from '../wallet/service';
import { ledgerRow } from '../wallet/ledger';
import { newId } from '../util';
import { methodColumns, methodOfRow, receiptDetails, recordFailedPayment, type PaidWith } from './receipts';

export type PurchaseRow = typeof purchases.$inferSelect;

/** Checkouts an account may have waiting for payment within CHECKOUT_WINDOW_MS; past it, a 429 until they end or age out. */
export const MAX_PENDING_CHECKOUTS = 20;
export const CHECKOUT_WINDOW_MS = 60 * 60_000;

export function purchaseView(r: PurchaseRow): Purchase {
  return purchaseSchema.parse({
    id: r.id, kind: r.kind, status: r.status, packId: r.packId, planId: r.planId, period: r.period, name: r.name, creditsMc: r.creditsMc, priceMinor: r.priceMinor,
    currency: r.currency, country: r.country, checkoutUrl: r.checkoutUrl, createdAtMs: r.createdAtMs, paidAtMs: r.paidAtMs, grantId: r.grantId, takenBackMc: r.takenBackMc,
    failure: r.failureCode ? { code: r.failureCode, message: r.failureMessage ?? r.failureCode } : null,
    paymentMethod: methodOfRow(r), billingCountry: r.billingCountry, grantExpiresAtMs: r.grantExpiresAtMs, refundedAtMs: r.refundedAtMs, refundedMinor: r.refundedMinor,
    reason: r.reason,
  });
}

/** The country rule, before anything is created at the provider: a 422 naming the country. */
export function checkCountry(catalog: Catalog, country: string): void {
  const refusal = countryRefusal(catalog, country);
  if (refusal) throw new DomainError('unprocessable', 'country_not_allowed', refusal, { country, allowedCountries: catalog.policies.purchaseCountries });
}

/** Refuses, before any charge, a grant the account could not hold (too many grants, or past the balance limit). */
async function checkCanHold(tx: Tx, accountId: string, amountMc: number): Promise<void> {
  try {
    checkNewGrant(await loadGrants(tx, accountId, gt(grants.remainingMc, 0)), amountMc);
  } catch (e) {
    if (e instanceof CreditAmountError || e instanceof TooManyGrantsError) throw new DomainError('conflict', e.code, e.message);
    throw e;
  }
}

export interface NewCheckout {
  accountId: string;
  kind: 'pack' | 'subscription';
  packId: string | null;
  planId: string | null;
  period: BillingPeriod | null;
  name: string;
  creditsMc: number;
  priceMinor: number;
  country: string;
  /** keep the card for payments without the buyer (auto top-up) */
  saveMethod?: boolean;
}

/** Inserts a pending purchase and opens its checkout at the provider (inside the caller's transaction: a provider failure leaves nothing). */
export async function openCheckout(tx: Tx, catalog: Catalog, provider: PaymentProvider, c: NewCheckout, baseUrl: string, nowMs: number): Promise<Purchase> {
  checkCountry(catalog, c.country);
  await lockAccount(tx, c.accountId);
  await checkCanHold(tx, c.accountId, c.creditsMc);
  const [waiting] = await tx.select({ n: sql<string>`count(*)` }).from(purchases).where(and(eq(purchases.accountId, c.accountId), eq(purchases.status, 'pending'), gt(purchases.createdAtMs, nowMs - CHECKOUT_WINDOW_MS)));
  if (Number(waiting?.n ?? 0) >= MAX_PENDING_CHECKOUTS) throw new DomainError('too_many', 'too_many_checkouts', `${MAX_PENDING_CHECKOUTS} checkouts are already waiting for payment; finish or cancel one, or try again within the hour`, { limit: MAX_PENDING_CHECKOUTS });
  const id = newId('pur');
  const { saveMethod: _save, ...columns } = c;
  const [row] = await tx
    .insert(purchases)
    .values({ id, ...columns, currency: catalog.currency, status: 'pending', provider: provider.name, createdAtMs: nowMs, updatedAtMs: nowMs })
    .returning();
  const req: CheckoutRequest = {
    purchaseId: id, accountId: c.accountId, mode: c.kind === 'pack' ? 'payment' : 'subscription', name: c.name, priceMinor: c.priceMinor, currency: catalog.currency, country: c.country, baseUrl,
    ...(c.period ? { period: c.period } : {}), ...(c.planId ? { planId: c.planId } : {}), ...(c.saveMethod ? { saveMethod: true } : {}),
  };
  let session;
  try {
    session = await provider.createCheckout(req);
  } catch (e) {
    throw new DomainError('upstream_failed', 'payment_provider_unavailable', `the payment provider could not start a checkout; nothing was charged (${e instanceof ProviderError ? e.message : 'no answer'})`);
  }
  const [updated] = await tx.update(purchases).set({ providerSessionId: session.sessionId, checkoutUrl: session.checkoutUrl }).where(eq(purchases.id, row!.id)).returning();
  return purchaseView(updated!);
}

export async function createPackPurchase(tx: Tx, catalog: Catalog, provider: PaymentProvider, accountId: string, body: { packId: string; country: string; saveCard?: boolean | undefined }, baseUrl: string, nowMs: number): Promise<Purchase> {
  checkCountry(catalog, body.country);
  const pack = catalog.packs.find((p) => p.id === body.packId);
  if (!pack) throw new DomainError('invalid', 'unknown_pack', `there is no pack ${body.packId}`);
  return openCheckout(tx, catalog, provider, { accountId, kind: 'pack', packId: pack.id, planId: null, period: null, name: pack.name, creditsMc: pack.creditsMc, priceMinor: pack.priceMinor, country: body.country, saveMethod: body.saveCard === true }, baseUrl, nowMs);
}

export async function listPurchases(db: Db, accountId: string, limit: number): Promise<Purchase[]> {
  const rows = await db.select().from(purchases).where(eq(purchases.accountId, accountId)).orderBy(desc(purchases.createdAtMs), desc(purchases.id)).limit(limit);
  return rows.map(purchaseView);
}

export async function getPurchase(db: Db | Tx, accountId: string, id: string): Promise<Purchase> {
  const rows = await db.select().from(purchases).where(and(eq(purchases.id, id), eq(purchases.accountId, accountId)));
  if (!rows[0]) throw notFound(`purchase ${id}`);
  return purchaseView(rows[0]);
}

export async function findPurchaseRow(db: Db | Tx, id: string): Promise<PurchaseRow | undefined> {
  return (await db.select().from(purchases).where(eq(purchases.id, id)))[0];
}

/** Locks the account, then the purchase (always in that order): every change to a purchase happens under both. */
export async function lockPurchase(tx: Tx, where: { id: string } | { provider: string; paymentId: string }): Promise<PurchaseRow | null> {
  const cond = 'id' in where ? eq(purchases.id, where.id) : and(eq(purchases.provider, where.provider), eq(purchases.providerPaymentId, where.paymentId));
  const first = (await tx.select({ accountId: purchases.accountId }).from(purchases).where(cond))[0];
  if (!first) return null;
  await lockAccount(tx, first.accountId);
  return (await tx.select().from(purchases).where(cond).for('update'))[0] ?? null;
}

/** Grants a paid pack once: the purchase's status (under its lock) and the grant's unique source both guard it. The grant's ledger entry is the receipt. */
export async function grantPack(tx: Tx, catalog: Catalog, p: PurchaseRow, paid: PaidWith, nowMs: number): Promise<string> {
  const account = await lockAccount(tx, p.accountId);
  await materialize(tx, account, catalog, nowMs);
  const price = formatMoney({ amountMinor: p.priceMinor, currency: p.currency });
  const expiresAtMs = packExpiry(nowMs);
  const grantId = await insertGrant(tx, {
    accountId: p.accountId, kind: 'pack', amountMc: p.creditsMc, effectiveAtMs: nowMs, expiresAtMs, paid: true,
    note: `${p.name}, bought for ${price}`, sourceRef: `purchase:${p.id}`, ledgerKind: 'purchase',
    details: { ...receiptDetails(p, paid, expiresAtMs), packId: p.packId, label: `${p.name} — ${price} ${p.currency}`, country: p.country },
  }, nowMs);
  await markPaid(tx, p, paid, grantId, expiresAtMs, nowMs);
  return grantId ?? '';
}

/**
 * A refund or a dispute: takes back what is left of the purchase's grant and no run holds (never below zero), and ends the grant now,
 * so what runs in progress release later expires too. What was spent stays spent; the ledger shows the take-back with both numbers.
 */
export async function takeBack(tx: Tx, p: PurchaseRow, reason: 'refunded' | 'disputed', refundedMinor: number | null, nowMs: number): Promise<void> {
  let taken = 0;
  if (p.grantId) {
    const [g] = await loadGrants(tx, p.accountId, eq(grants.id, p.grantId));
    if (g) {
      const t = takeBackOf(g);
      taken = t.takenBackMc;
      const updated = await tx
        .update(grants)
        .set({ remainingMc: sql`${grants.remainingMc} - ${taken}`, expiresAtMs: sql`least(coalesce(${grants.expiresAtMs}, ${nowMs}), ${nowMs})` })
        .where(and(eq(grants.id, g.id), sql`${grants.remainingMc} >= ${taken}`))
        .returning({ id: grants.id });
      if (updated.length !== 1) throw new Error(`taking back ${taken} mc from grant ${g.id} would overdraw it`);
      const label = `${p.name} ${reason === 'refunded' ? 'refunded' : 'disputed'}: ${formatCredits(taken)} taken back, ${formatCredits(t.spentMc)} already spent`;
      await tx.insert(ledgerEntries).values(ledgerRow({
        accountId: p.accountId, kind: 'refund', amountMc: -taken, grantId: g.id, ref: `${reason}:${p.id}`, atMs: nowMs,
        details: {
          ...receiptDetails(p, null, null), reason, label, packMc: g.amountMc, spentMc: t.spentMc, takenBackMc: taken, pinnedMc: t.pinnedMc, paidAtMs: p.paidAtMs,
          ...(reason === 'refunded' ? { refundedMinor: refundedMinor ?? p.priceMinor } : {}),
        },
      }));
    }
  }
  const money = reason === 'refunded' ? { refundedAtMs: nowMs, refundedMinor: refundedMinor ?? p.priceMinor } : {};
  await tx.update(purchases).set({ status: reason, takenBackMc: p.takenBackMc + taken, ...money, updatedAtMs: nowMs }).where(eq(purchases.id, p.id));
}

/** A checkout that failed (in the ledger too, with the card that failed) or was canceled: nothing was charged. */
export async function failPurchase(tx: Tx, p: PurchaseRow, status: 'failed' | 'canceled', failure: { code: string; message: string; providerMessage?: string; paymentMethod?: PaymentMethod | null | undefined }, nowMs: number): Promise<void> {
  await tx.update(purchases).set({ status, failureCode: failure.code, failureMessage: failure.message, ...methodColumns(failure.paymentMethod), updatedAtMs: nowMs }).where(eq(purchases.id, p.id));
  if (status === 'failed') await recordFailedPayment(tx, p, { code: failure.code, message: failure.providerMessage ?? failure.message, paymentMethod: failure.paymentMethod }, nowMs);
}

/** The newest checkout of that kind still waiting for its payment, if any. */
export async function pendingCheckoutOf(db: Db | Tx, accountId: string, kind: 'pack' | 'subscription'): Promise<string | null> {
  const [row] = await db.select({ id: purchases.id }).from(purchases).where(and(eq(purchases.accountId, accountId), eq(purchases.kind, kind), eq(purchases.status, 'pending'))).orderBy(desc(purchases.createdAtMs)).limit(1);
  return row?.id ?? null;
}

/** Marks a checkout paid, with the grant it made, when its credits expire, and the card and billing country the provider reported. */
export async function markPaid(tx: Tx, p: PurchaseRow, paid: PaidWith, grantId: string | null, grantExpiresAtMs: number | null, nowMs: number): Promise<void> {
  await tx
    .update(purchases)
    .set({ status: 'paid', providerPaymentId: paid.paymentId, paidAtMs: nowMs, grantId, grantExpiresAtMs, billingCountry: paid.billingCountry ?? p.billingCountry, ...methodColumns(paid.paymentMethod), updatedAtMs: nowMs })
    .where(eq(purchases.id, p.id));
}
