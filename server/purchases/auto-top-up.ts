// Auto top-up on the server: at a crossing, under the account's lock, at most one pack bought with the saved card, within the month's cap; the charge made after the commit, a payment that needs the user pausing it.
import { and, eq } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { capMonthOf, decideTopUp, isCrossing, withinCap, type TopUpDecision, type TopUpPause } from '../../shared/rules/auto-top-up';
import type { AccountRow } from '../accounts/service';
import type { Db, Tx } from '../db/open';
import type { ChargeOutcome, PaymentProvider } from '../payments/provider';
import { accounts, purchases } from '../db/schema';
import { newId } from '../util';
import { monthOf } from '../wallet/auto-top-up-view';

/** A pending auto top-up from any month counts as bought (a top-up still pending at a month's turn must not buy a second). */
async function anyPending(tx: Tx, accountId: string): Promise<boolean> {
  const rows = await tx.select({ id: purchases.id }).from(purchases).where(and(eq(purchases.accountId, accountId), eq(purchases.reason, 'auto_top_up'), eq(purchases.status, 'pending'))).limit(1);
  return rows.length > 0;
}

/**
 * At a change of the available credits from `beforeMc` to `afterMc` (a run's hold), decides an auto top-up and, to buy, inserts
 * its pending purchase keyed by the crossing: runs that cross at once take the account's lock in turn, so only one sees the
 * crossing, and a replay of the same crossing finds its purchase. Returns the purchase to charge after the commit, or why none.
 */
export async function topUpAtCrossing(tx: Tx, catalog: Catalog, account: AccountRow, beforeMc: number, afterMc: number, crossingKey: string, nowMs: number): Promise<{ purchaseId: string } | TopUpDecision> {
  const rec = account.autoTopUp;
  if (!rec?.settings.enabled) return { buy: false, why: 'off' };
  const pack = catalog.packs.find((p) => p.id === rec.settings.packId);
  if (!pack) return { buy: false, why: 'off' };
  // the month's top-ups and a pending one are read only at a crossing (rare): every other hold pays nothing for auto top-up
  if (!isCrossing(beforeMc, afterMc, rec.settings.thresholdMc)) return { buy: false, why: 'no_crossing' };
  const month = await monthOf(tx, account.id, nowMs);
  const pending = await anyPending(tx, account.id);
  const final = decideTopUp({ settings: rec.settings, method: account.savedMethod, paused: rec.paused, pending }, beforeMc, afterMc, () => withinCap(rec.settings.cap, month, pack.priceMinor, catalog.currency));
  if (!final.buy) {
    const told = capMonthOf(nowMs);
    if (final.why === 'cap' && rec.capToldMonth !== told) await tx.update(accounts).set({ autoTopUp: { ...rec, capToldMonth: told } }).where(eq(accounts.id, account.id));
    return final;
  }
  const id = newId('pur');
  const inserted = await tx
    .insert(purchases)
    .values({
      id, accountId: account.id, kind: 'pack', packId: pack.id, planId: null, period: null, name: pack.name, creditsMc: pack.creditsMc, priceMinor: pack.priceMinor,
      currency: catalog.currency, country: rec.settings.country, status: 'pending', provider: account.savedMethod!.provider, reason: 'auto_top_up', crossingKey, createdAtMs: nowMs, updatedAtMs: nowMs,
    })
    .onConflictDoNothing()
    .returning({ id: purchases.id });
  return inserted[0] ? { purchaseId: inserted[0].id } : { buy: false, why: 'pending' };
}


export interface ChargeDeps {
  db: Db;
  provider: PaymentProvider;
  clock: { now(): number };
  /** the wallet of an account changed (a pause): read and publish it */
  changed(accountId: string): Promise<void>;
}

/** Pauses auto top-up until the user acts (a payment that needs them, or a declined card), saying why and where to fix it. */
async function pause(tx: Tx, accountId: string, p: TopUpPause): Promise<void> {
  const [account] = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for('update');
  if (!account?.autoTopUp) return;
  await tx.update(accounts).set({ autoTopUp: { ...account.autoTopUp, paused: p } }).where(eq(accounts.id, accountId));
}

/**
 * Charges a pending auto top-up with the saved card, after the transaction that bought it committed. Paid: the provider's payment
 * event grants it (once, like any purchase). A bank that asks for the buyer keeps it pending with its checkout to confirm at; a
 * declined card fails it; either pauses auto top-up until the user acts. A provider that cannot be reached pauses it too.
 */
export async function chargeTopUp(deps: ChargeDeps, purchaseId: string, baseUrl: string): Promise<void> {
  const [row] = await deps.db.select({ p: purchases, account: accounts }).from(purchases).innerJoin(accounts, eq(accounts.id, purchases.accountId)).where(eq(purchases.id, purchaseId));
  if (!row || row.p.status !== 'pending' || row.p.reason !== 'auto_top_up' || !row.account.savedMethod) return;
  const { p, account } = row;
  const m = account.savedMethod!;
  let outcome: ChargeOutcome;
  try {
    outcome = await deps.provider.chargeSaved({ purchaseId, accountId: p.accountId, name: p.name, priceMinor: p.priceMinor, currency: p.currency, customerRef: m.customerRef, methodRef: m.methodRef, baseUrl });
  } catch (e) {
    outcome = { status: 'declined', code: 'provider_unavailable', message: `the payment provider could not be reached (${(e as Error).message.slice(0, 200)}); nothing was charged` };
  }
  if (outcome.status === 'succeeded') return;
  const nowMs = deps.clock.now();
  const fixUrl = outcome.actionUrl ?? null;
  await deps.db.transaction(async (tx) => {
    if (outcome.status === 'requires_action') await tx.update(purchases).set({ checkoutUrl: outcome.actionUrl, updatedAtMs: nowMs }).where(and(eq(purchases.id, purchaseId), eq(purchases.status, 'pending')));
    else if (outcome.code === 'provider_unavailable') await tx.update(purchases).set({ status: 'failed', failureCode: outcome.code, failureMessage: outcome.message, updatedAtMs: nowMs }).where(and(eq(purchases.id, purchaseId), eq(purchases.status, 'pending')));
    await pause(tx, p.accountId, { code: outcome.code, message: outcome.message, purchaseId, atMs: nowMs, fixUrl });
  });
  await deps.changed(p.accountId);
}
