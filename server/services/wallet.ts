// Wallet service: locks the account, materialises the day's free grant and due expiries exactly once, and reads the wallet.
import { and, desc, eq, gt, isNotNull, lte, max, or, isNull, sql } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { findPlan } from '../../shared/catalog/schema';
import { compareBurnOrder, type Grant, type GrantKind } from '../../shared/rules/grants';
import { addMc } from '../../shared/rules/money';
import { nextUtcMidnight, startOfUtcDay, utcDayKey } from '../../shared/rules/schedule';
import { ledgerEntrySchema, type LedgerEntry, type Wallet, type GrantView } from '../../shared/api/index';
import { accounts, grants, holds, ledgerEntries } from '../db/schema';
import type { Db, Tx } from '../db/open';
import { notFound } from '../errors';
import { newId } from './util';

export type AccountRow = typeof accounts.$inferSelect;
type GrantRow = typeof grants.$inferSelect;

/** Takes the account's row lock for the rest of the transaction: every change to one account is serialised here. */
export async function lockAccount(tx: Tx, accountId: string): Promise<AccountRow> {
  const rows = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for('update');
  const row = rows[0];
  if (!row) throw notFound(`account ${accountId}`);
  return row;
}

export function grantFromRow(r: GrantRow): Grant & { note: string | null } {
  return {
    id: r.id,
    kind: r.kind as GrantKind,
    amountMc: r.amountMc,
    remainingMc: r.remainingMc,
    effectiveAtMs: r.effectiveAtMs,
    expiresAtMs: r.expiresAtMs,
    priority: r.priority,
    paid: r.paid,
    note: r.note,
  };
}

/**
 * Brings the account up to date with the clock, under its row lock: creates the day's free grant (once: the lock and a
 * unique source key both guard it) and records the expiry of grants whose time has passed. Returns true if anything changed.
 */
export async function materialize(tx: Tx, account: AccountRow, catalog: Catalog, nowMs: number): Promise<boolean> {
  let changed = false;
  const plan = findPlan(catalog, account.planId);
  if (plan && plan.dailyFreeMc > 0) {
    const id = newId('g');
    const inserted = await tx
      .insert(grants)
      .values({
        id,
        accountId: account.id,
        kind: 'daily',
        amountMc: plan.dailyFreeMc,
        remainingMc: plan.dailyFreeMc,
        effectiveAtMs: startOfUtcDay(nowMs),
        expiresAtMs: nextUtcMidnight(nowMs),
        priority: 0,
        paid: false,
        note: `Daily free credits for ${utcDayKey(nowMs)}`,
        sourceRef: `daily:${utcDayKey(nowMs)}`,
        createdAtMs: nowMs,
      })
      .onConflictDoNothing()
      .returning({ id: grants.id });
    if (inserted.length > 0) {
      await tx.insert(ledgerEntries).values({ accountId: account.id, kind: 'grant', amountMc: plan.dailyFreeMc, grantId: id, ref: `daily:${utcDayKey(nowMs)}`, atMs: nowMs, details: { grantKind: 'daily' } });
      changed = true;
    }
  }
  const due = await tx
    .select()
    .from(grants)
    .where(and(eq(grants.accountId, account.id), isNotNull(grants.expiresAtMs), lte(grants.expiresAtMs, nowMs), gt(grants.remainingMc, 0)));
  for (const g of due) {
    await tx.update(grants).set({ remainingMc: 0 }).where(eq(grants.id, g.id));
    await tx.insert(ledgerEntries).values({
      accountId: account.id,
      kind: 'expiry',
      amountMc: -g.remainingMc,
      grantId: g.id,
      ref: `expiry:${g.id}`,
      atMs: g.expiresAtMs!,
      details: { grantKind: g.kind, expiredMc: g.remainingMc },
    });
    changed = true;
  }
  return changed;
}

/** Reads the wallet inside a transaction that already holds the account lock and has materialised. */
export async function walletOf(tx: Tx, account: AccountRow, nowMs: number): Promise<Wallet> {
  const rows = await tx
    .select()
    .from(grants)
    .where(and(eq(grants.accountId, account.id), lte(grants.effectiveAtMs, nowMs), or(isNull(grants.expiresAtMs), gt(grants.expiresAtMs, nowMs))))
    .orderBy(desc(grants.createdAtMs));
  // the query already keeps only grants in force now
  const live: GrantView[] = rows.map(grantFromRow).sort(compareBurnOrder);
  const heldMc = await activeHoldsMc(tx, account.id);
  return {
    accountId: account.id,
    displayName: account.displayName,
    planId: account.planId,
    serverTimeMs: nowMs,
    availableMc: addMc(...live.map((g) => g.remainingMc), -heldMc),
    heldMc,
    grants: live,
    nextDailyResetMs: nextUtcMidnight(nowMs),
    revision: await latestLedgerId(tx, account.id),
  };
}

/** Wallet read: lock, materialise, read — in one transaction. `changed` tells the caller to publish the new wallet. */
export async function readWallet(db: Db | Tx, accountId: string, catalog: Catalog, nowMs: number): Promise<{ wallet: Wallet; changed: boolean }> {
  return db.transaction(async (tx) => {
    const account = await lockAccount(tx, accountId);
    const changed = await materialize(tx, account, catalog, nowMs);
    return { wallet: await walletOf(tx, account, nowMs), changed };
  });
}

/** Sum of all credits ever granted to an account, and all ledger movements: used to check conservation. */
export async function ledgerTotals(db: Db | Tx, accountId: string): Promise<{ granted: number; expired: number; remaining: number }> {
  const [row] = await db
    .select({
      granted: sql<string>`coalesce(sum(case when ${ledgerEntries.kind} = 'grant' then ${ledgerEntries.amountMc} else 0 end), 0)`,
      expired: sql<string>`coalesce(sum(case when ${ledgerEntries.kind} = 'expiry' then -${ledgerEntries.amountMc} else 0 end), 0)`,
    })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.accountId, accountId));
  const [rem] = await db.select({ remaining: sql<string>`coalesce(sum(${grants.remainingMc}), 0)` }).from(grants).where(eq(grants.accountId, accountId));
  return { granted: Number(row?.granted ?? 0), expired: Number(row?.expired ?? 0), remaining: Number(rem?.remaining ?? 0) };
}

/** Σ active holds of an account. */
export async function activeHoldsMc(tx: Db | Tx, accountId: string): Promise<number> {
  const [row] = await tx.select({ s: sql<string>`coalesce(sum(${holds.amountMc}), 0)` }).from(holds).where(and(eq(holds.accountId, accountId), eq(holds.status, 'active')));
  return Number(row?.s ?? 0);
}

export async function latestLedgerId(db: Db | Tx, accountId: string): Promise<number> {
  const rev = await db.select({ rev: max(ledgerEntries.id) }).from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId));
  return Number(rev[0]?.rev ?? 0);
}

/** Ledger entries after an id, oldest first: for history sync and for resuming an event stream. */
export async function ledgerAfter(db: Db | Tx, accountId: string, afterId: number, limit: number): Promise<{ items: LedgerEntry[]; hasMore: boolean }> {
  const rows = await db
    .select()
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.accountId, accountId), gt(ledgerEntries.id, afterId)))
    .orderBy(ledgerEntries.id)
    .limit(limit + 1);
  const items = rows.slice(0, limit).map((r) => ledgerEntrySchema.parse({ id: r.id, kind: r.kind, amountMc: r.amountMc, atMs: r.atMs, grantId: r.grantId, ref: r.ref, details: r.details }));
  return { items, hasMore: rows.length > limit };
}
