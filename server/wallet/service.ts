// Wallet service: writes grants, materialises the day's free grant and due expiries exactly once, and reads the wallet.
import { and, desc, eq, gt, lte, sql, getTableColumns, type SQL } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { findPlan, type Plan } from '../../shared/catalog/schema';
import { utcMonthOf } from '../../shared/rules/subscriptions';
import { availableMc, compareBurnOrder, dueExpiries, heldMc, isInForce, type Expiry, type Grant, type GrantKind } from '../../shared/rules/grants';
import { MAX_GRANT_MC } from '../../shared/rules/money';
import { nextUtcMidnight, startOfUtcDay, utcDayKey } from '../../shared/rules/schedule';
import { WALLET_SPENT_GRANTS_LISTED, type Wallet, type GrantView, type LedgerDetailsInput } from '../../shared/api/index';
import { grants, holdPins, ledgerEntries } from '../db/schema';
import { lockAccount, type AccountRow } from '../accounts/service';
import type { Db, Tx } from '../db/open';
import { newId } from '../util';
import { latestLedgerId, ledgerRow } from './ledger';
import { isKnownGranted, rememberGranted } from '../accounts/grant-memo';
import { spendStates } from './spend-limits';
import { autoTopUpViewOf } from './auto-top-up-view';

type GrantRow = typeof grants.$inferSelect;

export function grantFromRow(r: GrantRow & { pinnedMc: number }): Grant & { note: string | null } {
  return {
    id: r.id,
    kind: r.kind,
    amountMc: r.amountMc,
    remainingMc: r.remainingMc,
    effectiveAtMs: r.effectiveAtMs,
    expiresAtMs: r.expiresAtMs,
    priority: r.priority,
    paid: r.paid,
    pinnedMc: r.pinnedMc,
    note: r.note,
  };
}

/** Σ of a grant's pins, read in the same statement as the grant. */
export const pinnedOf = sql<number>`coalesce((select sum(${holdPins.amountMc}) from ${holdPins} where ${holdPins.grantId} = ${grants.id}), 0)`.mapWith(Number);

/**
 * An account's grants (all, or those matching `where`) with what active holds pin of each, in one statement. `name` runs it as
 * a named statement, planned once per connection: only for a caller whose `where` and options never change shape (a name
 * must always carry the same text; server/db/named-statements.test.ts checks that each name is given in one place).
 */
export async function loadGrants(tx: Db | Tx, accountId: string, where?: SQL, opts: { newestFirst?: boolean; limit?: number; name?: string } = {}): Promise<(Grant & { note: string | null })[]> {
  const q = tx.select({ ...getTableColumns(grants), pinnedMc: pinnedOf }).from(grants).where(and(eq(grants.accountId, accountId), where));
  const limited = (opts.newestFirst ? q.orderBy(desc(grants.effectiveAtMs), desc(grants.id)) : q).limit(opts.limit ?? 1_000_000);
  const rows = await (opts.name ? limited.prepare(opts.name).execute() : limited);
  return rows.map(grantFromRow);
}

/** Writes expiries: each takes its credits from the grant (never more than it holds) and leaves a ledger entry (with `about`: the run that caused it). */
export async function recordExpiries(tx: Tx, accountId: string, expiries: readonly Expiry[], ref: (e: Expiry) => string, about: { generationId?: string } = {}): Promise<void> {
  for (const e of expiries) {
    const updated = await tx
      .update(grants)
      .set({ remainingMc: sql`${grants.remainingMc} - ${e.expiredMc}` })
      .where(and(eq(grants.id, e.grantId), sql`${grants.remainingMc} >= ${e.expiredMc}`))
      .returning({ id: grants.id });
    if (updated.length !== 1) throw new Error(`expiry of ${e.expiredMc} mc from grant ${e.grantId} would overdraw it`);
    await tx.insert(ledgerEntries).values(ledgerRow({
      accountId, kind: 'expiry', amountMc: -e.expiredMc, grantId: e.grantId, ref: ref(e), atMs: e.atMs,
      details: { ...about, grantKind: e.kind, expiredMc: e.expiredMc, expiresAtMs: e.expiresAtMs },
    }));
  }
}

/** Expires the unpinned credits of grants whose time has passed (under the account's lock); pinned credits wait for their holds. */
export async function expireDue(tx: Tx, accountId: string, nowMs: number): Promise<boolean> {
  const due = await loadGrants(tx, accountId, and(lte(grants.expiresAtMs, nowMs), gt(grants.remainingMc, 0)), { name: 'grants_due' });
  const expiries = dueExpiries(due, nowMs);
  await recordExpiries(tx, accountId, expiries, (e) => `expiry:${e.grantId}`);
  return expiries.length > 0;
}

/**
 * Brings the account up to date with the clock, under its row lock: creates the day's free grant and the month's bonus of its
 * plan (each once) and records the expiry of grants whose time has passed. Returns true if anything changed.
 */
export async function materialize(tx: Tx, account: AccountRow, catalog: Catalog, nowMs: number): Promise<boolean> {
  const plan = findPlan(catalog, account.planId);
  const changed = plan ? (await grantDaily(tx, account.id, plan, nowMs)) || (await grantMonthlyBonus(tx, account.id, plan, nowMs)) : false;
  return (await expireDue(tx, account.id, nowMs)) || changed;
}

/**
 * The day's free credits, once (the lock and a unique source key both guard it). After an upgrade to a plan with more daily
 * credits, today's grant is topped up to the new plan's amount at once.
 */
async function grantDaily(tx: Tx, accountId: string, plan: Plan, nowMs: number): Promise<boolean> {
  if (plan.dailyFreeMc <= 0) return false;
  const day = utcDayKey(nowMs);
  const memo = `daily:${accountId}:${day}:${plan.id}`;
  if (isKnownGranted(memo)) return false;
  const base = { accountId, kind: 'daily' as const, effectiveAtMs: startOfUtcDay(nowMs), expiresAtMs: nextUtcMidnight(nowMs), paid: false };
  if (await insertGrant(tx, { ...base, amountMc: plan.dailyFreeMc, note: `Daily free credits for ${day}`, sourceRef: `daily:${day}` }, nowMs)) return true;
  const [row] = await tx.select({ total: sql<string>`coalesce(sum(${grants.amountMc}), 0)` }).from(grants).where(and(eq(grants.accountId, accountId), eq(grants.kind, 'daily'), eq(grants.effectiveAtMs, base.effectiveAtMs)));
  const missingMc = plan.dailyFreeMc - Number(row?.total ?? 0);
  if (missingMc <= 0) {
    // nothing was written in this transaction: what it read is committed, so the next materialise may skip both statements
    rememberGranted(memo);
    return false;
  }
  return (await insertGrant(tx, { ...base, amountMc: missingMc, note: `Daily free credits for ${day}: ${plan.name}'s top-up`, sourceRef: `daily:${day}:${plan.id}` }, nowMs)) !== null;
}

/** The plan's monthly bonus, once a calendar month (UTC), expiring at the month's end. */
async function grantMonthlyBonus(tx: Tx, accountId: string, plan: Plan, nowMs: number): Promise<boolean> {
  if (plan.monthlyBonusMc <= 0) return false;
  const month = utcMonthOf(nowMs);
  const memo = `bonus:${accountId}:${month.key}`;
  if (isKnownGranted(memo)) return false;
  const g = { accountId, kind: 'bonus' as const, amountMc: plan.monthlyBonusMc, effectiveAtMs: month.startMs, expiresAtMs: month.endMs, paid: false, note: `${plan.name} monthly bonus for ${month.key}`, sourceRef: `monthly-bonus:${month.key}` };
  if ((await insertGrant(tx, g, nowMs)) !== null) return true;
  rememberGranted(memo); // there already, and committed: a grant inserted now may still roll back with this transaction, so only then
  return false;
}


interface NewGrantBase {
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
}
/** the ledger entry's kind and what it says besides the grant's kind: a grant, or a purchase (its receipt: the pack bought, the amount paid and the currency) */
export type NewGrant = NewGrantBase &
  ({ ledgerKind?: 'grant'; details?: Omit<LedgerDetailsInput<'grant'>, 'grantKind'> } | { ledgerKind: 'purchase'; details: Omit<LedgerDetailsInput<'purchase'>, 'grantKind'> });

/**
 * Inserts a grant and its ledger entry, once per (account, sourceRef). Returns the grant id, or null if that source already
 * granted. With `onDuplicate: 'fail'` a duplicate raises the unique violation instead, so that an idempotent request racing
 * its own replay is answered with the first answer.
 */
export async function insertGrant(tx: Tx, g: NewGrant, nowMs: number, onDuplicate: 'skip' | 'fail' = 'skip'): Promise<string | null> {
  if (!(Number.isSafeInteger(g.amountMc) && g.amountMc > 0 && g.amountMc <= MAX_GRANT_MC)) throw new Error(`a grant of ${g.amountMc} mc is outside 1..${MAX_GRANT_MC}`);
  const id = newId('g');
  const insert = tx
    .insert(grants)
    .values({
      id, accountId: g.accountId, kind: g.kind, amountMc: g.amountMc, remainingMc: g.amountMc, effectiveAtMs: g.effectiveAtMs, expiresAtMs: g.expiresAtMs,
      priority: g.priority ?? 0, paid: g.paid, note: g.note, sourceRef: g.sourceRef, createdAtMs: nowMs,
    });
  const inserted = await (onDuplicate === 'skip' ? insert.onConflictDoNothing() : insert).returning({ id: grants.id });
  if (inserted.length === 0) return null;
  const entry = { accountId: g.accountId, amountMc: g.amountMc, grantId: id, ref: g.sourceRef, atMs: nowMs };
  await tx
    .insert(ledgerEntries)
    .values(g.ledgerKind === 'purchase' ? ledgerRow({ ...entry, kind: 'purchase', details: { grantKind: g.kind, ...g.details } }) : ledgerRow({ ...entry, kind: 'grant', details: { grantKind: g.kind, ...g.details } }));
  return id;
}

/** a row of the statement below (a type, not an interface: drizzle's execute wants a Record) */
type ListedRow = {
  id: string;
  kind: GrantKind;
  amount_mc: string | number;
  remaining_mc: string | number;
  effective_at_ms: string | number;
  expires_at_ms: string | number | null;
  priority: number;
  paid: boolean;
  note: string | null;
  pinned_mc: string | number;
  revision: string | number | null;
};

const num = (v: string | number): number => Number(v);

/**
 * The grants a wallet lists, in burn order, and the wallet's revision, in one statement: those holding credits that are in
 * force or past their expiry but pinned (after materialising, a grant past its expiry holds only pinned credits), and the
 * newest spent grants still in force.
 */
async function listedGrants(tx: Tx, accountId: string, nowMs: number): Promise<{ grants: GrantView[]; revision: number }> {
  const revision = sql`(select max(${ledgerEntries.id}) from ${ledgerEntries} where ${ledgerEntries.accountId} = ${accountId})`;
  // the grant's pinned credits by the same expression every grant read uses (pinnedOf)
  const cols = sql`${grants.id}, ${grants.kind}, ${grants.amountMc}, ${grants.remainingMc}, ${grants.effectiveAtMs}, ${grants.expiresAtMs}, ${grants.priority}, ${grants.paid}, ${grants.note}, ${pinnedOf} as pinned_mc, ${revision} as revision`;
  const result = await tx.execute<ListedRow>(sql`
    (select ${cols} from ${grants} where ${grants.accountId} = ${accountId} and ${grants.effectiveAtMs} <= ${nowMs} and ${grants.remainingMc} > 0)
    union all
    (select ${cols} from ${grants} where ${grants.accountId} = ${accountId} and ${grants.effectiveAtMs} <= ${nowMs} and ${grants.remainingMc} = 0
       and (${grants.expiresAtMs} is null or ${grants.expiresAtMs} > ${nowMs})
     order by ${grants.effectiveAtMs} desc, ${grants.id} desc limit ${WALLET_SPENT_GRANTS_LISTED})`);
  const rows = result.rows;
  const listed: GrantView[] = rows.map((r) => ({
    id: r.id, kind: r.kind, amountMc: num(r.amount_mc), remainingMc: num(r.remaining_mc), effectiveAtMs: num(r.effective_at_ms),
    expiresAtMs: r.expires_at_ms === null ? null : num(r.expires_at_ms), priority: r.priority, paid: r.paid, pinnedMc: num(r.pinned_mc), note: r.note,
  }));
  for (const g of listed) {
    if (g.remainingMc > 0 && !isInForce(g, nowMs) && g.remainingMc !== g.pinnedMc) throw new Error(`grant ${g.id} is past its expiry with unpinned credits: materialise before reading`);
  }
  // no grant listed: the revision needs its own read
  const rev = rows.length > 0 ? Number(rows[0]!.revision ?? 0) : await latestLedgerId(tx, accountId);
  return { grants: listed.sort(compareBurnOrder), revision: rev };
}

/** Reads the wallet inside a transaction that already holds the account lock and has materialised at `nowMs`. Every number comes from shared/rules. */
export async function walletOf(tx: Tx, account: AccountRow, nowMs: number, catalog?: Catalog): Promise<Wallet> {
  const { grants: live, revision } = await listedGrants(tx, account.id, nowMs);
  const limits = catalog ? await spendStates(tx, catalog, account.id, account.spendLimits, nowMs) : [];
  const autoTopUp = await autoTopUpViewOf(tx, account, nowMs);
  return {
    accountId: account.id,
    displayName: account.displayName,
    planId: account.planId,
    serverTimeMs: nowMs,
    availableMc: availableMc(live, nowMs),
    heldMc: heldMc(live),
    grants: live,
    nextDailyResetMs: nextUtcMidnight(nowMs),
    revision,
    ...(limits.length > 0 ? { spendLimits: limits } : {}),
    ...(autoTopUp ? { autoTopUp } : {}),
  };
}

/**
 * Wallet read: lock, then take the time, materialise and read — in one transaction. The time is taken once the lock is held,
 * so a read that waited behind other changes is dated after them: it never shows rows newer than its own time.
 * `changed` tells the caller to publish the new wallet.
 */
export async function readWallet(db: Db | Tx, accountId: string, catalog: Catalog, now: () => number): Promise<{ wallet: Wallet; changed: boolean }> {
  return db.transaction(async (tx) => {
    const account = await lockAccount(tx, accountId);
    const nowMs = now();
    const changed = await materialize(tx, account, catalog, nowMs);
    return { wallet: await walletOf(tx, account, nowMs, catalog), changed };
  });
}
