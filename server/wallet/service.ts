// Wallet service: writes grants, materialises the day's free grant and due expiries exactly once, and reads the wallet.
import { and, eq, gt, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { findPlan } from '../../shared/catalog/schema';
import { availableMc, compareBurnOrder, dueExpiries, type Grant, type GrantKind } from '../../shared/rules/grants';
import { nextUtcMidnight, startOfUtcDay, utcDayKey } from '../../shared/rules/schedule';
import type { Wallet, GrantView } from '../../shared/api/index';
import { grants, holds, ledgerEntries } from '../db/schema';
import { lockAccount, type AccountRow } from '../accounts/service';
import type { Db, Tx } from '../db/open';
import { newId } from '../util';
import { latestLedgerId } from './ledger';

type GrantRow = typeof grants.$inferSelect;

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
    const day = utcDayKey(nowMs);
    const id = await insertGrant(
      tx,
      { accountId: account.id, kind: 'daily', amountMc: plan.dailyFreeMc, effectiveAtMs: startOfUtcDay(nowMs), expiresAtMs: nextUtcMidnight(nowMs), paid: false, note: `Daily free credits for ${day}`, sourceRef: `daily:${day}` },
      nowMs,
    );
    if (id) changed = true;
  }
  const candidates = await tx
    .select()
    .from(grants)
    .where(and(eq(grants.accountId, account.id), isNotNull(grants.expiresAtMs), lte(grants.expiresAtMs, nowMs), gt(grants.remainingMc, 0)));
  for (const e of dueExpiries(candidates.map(grantFromRow), nowMs)) {
    await tx.update(grants).set({ remainingMc: 0 }).where(eq(grants.id, e.grantId));
    await tx.insert(ledgerEntries).values({
      accountId: account.id,
      kind: 'expiry',
      amountMc: -e.expiredMc,
      grantId: e.grantId,
      ref: `expiry:${e.grantId}`,
      atMs: e.expiresAtMs,
      details: { grantKind: e.kind, expiredMc: e.expiredMc },
    });
    changed = true;
  }
  return changed;
}

export interface NewGrant {
  accountId: string;
  kind: GrantKind;
  amountMc: number;
  effectiveAtMs: number;
  expiresAtMs: number | null;
  paid: boolean;
  note: string | null;
  /** what created the grant; unique per account, so a second insert with the same source does nothing */
  sourceRef: string;
  priority?: number;
  details?: Record<string, unknown>;
}

/**
 * Inserts a grant and its ledger entry, once per (account, sourceRef). Returns the grant id, or null if that source already
 * granted. With `onDuplicate: 'fail'` a duplicate raises the unique violation instead, so that an idempotent request racing
 * its own replay is answered with the first answer.
 */
export async function insertGrant(tx: Tx, g: NewGrant, nowMs: number, onDuplicate: 'skip' | 'fail' = 'skip'): Promise<string | null> {
  const id = newId('g');
  const insert = tx
    .insert(grants)
    .values({
      id, accountId: g.accountId, kind: g.kind, amountMc: g.amountMc, remainingMc: g.amountMc, effectiveAtMs: g.effectiveAtMs, expiresAtMs: g.expiresAtMs,
      priority: g.priority ?? 0, paid: g.paid, note: g.note, sourceRef: g.sourceRef, createdAtMs: nowMs,
    });
  const inserted = await (onDuplicate === 'skip' ? insert.onConflictDoNothing() : insert).returning({ id: grants.id });
  if (inserted.length === 0) return null;
  await tx.insert(ledgerEntries).values({ accountId: g.accountId, kind: 'grant', amountMc: g.amountMc, grantId: id, ref: g.sourceRef, atMs: nowMs, details: { grantKind: g.kind, ...g.details } });
  return id;
}

/** Reads the wallet inside a transaction that already holds the account lock and has materialised. Every number comes from shared/rules. */
export async function walletOf(tx: Tx, account: AccountRow, nowMs: number): Promise<Wallet> {
  const rows = await tx
    .select()
    .from(grants)
    .where(and(eq(grants.accountId, account.id), lte(grants.effectiveAtMs, nowMs), or(isNull(grants.expiresAtMs), gt(grants.expiresAtMs, nowMs))));
  const live: GrantView[] = rows.map(grantFromRow).sort(compareBurnOrder);
  const heldMc = await activeHoldsMc(tx, account.id);
  return {
    accountId: account.id,
    displayName: account.displayName,
    planId: account.planId,
    serverTimeMs: nowMs,
    availableMc: availableMc(live, [heldMc], nowMs),
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


/** Σ active holds of an account. */
export async function activeHoldsMc(tx: Db | Tx, accountId: string): Promise<number> {
  const [row] = await tx.select({ s: sql<string>`coalesce(sum(${holds.amountMc}), 0)` }).from(holds).where(and(eq(holds.accountId, accountId), eq(holds.status, 'active')));
  return Number(row?.s ?? 0);
}
