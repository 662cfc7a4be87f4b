// The ledger: every movement of an account's credits, read by id for history sync, stream resumption and conservation checks.
import { and, eq, gt, max, sql } from 'drizzle-orm';
import { LEDGER_DETAILS, ledgerEntrySchema, type LedgerDetailsInput, type LedgerEntry, type LedgerKind } from '../../shared/api/index';
import { issuesText } from '../../shared/rules/issues';
import { grants, ledgerEntries } from '../db/schema';
import type { Db, Tx } from '../db/open';

/**
 * Whether each entry's details are parsed against their kind's schema as they are written (tests and development: a shape that drifted
 * from shared/api/ledger-details.ts throws there). Elsewhere TypeScript alone holds the writers to it, and nothing is parsed.
 */
const CHECK_DETAILS = process.env.NODE_ENV === 'test' || process.env.NODE_ENV === 'development';

/** An entry's details as written: typed by its kind, so TypeScript refuses a wrong shape (every writer goes through this or ledgerRow). */
export function ledgerDetails<K extends LedgerKind>(kind: K, details: LedgerDetailsInput<K>): LedgerDetailsInput<K> {
  if (CHECK_DETAILS) {
    const parsed = LEDGER_DETAILS[kind].safeParse(details);
    if (!parsed.success) throw new Error(`the details of a ledger ${kind} entry do not match its schema: ${issuesText(parsed.error.issues)}`);
  }
  return details;
}

export interface NewLedgerEntry<K extends LedgerKind> {
  accountId: string;
  kind: K;
  amountMc: number;
  grantId?: string | null;
  ref: string | null;
  atMs: number;
  details: LedgerDetailsInput<K>;
}

/** A ledger row to insert, its details checked by ledgerDetails. */
export function ledgerRow<K extends LedgerKind>(e: NewLedgerEntry<K>): typeof ledgerEntries.$inferInsert {
  return { ...e, details: ledgerDetails(e.kind, e.details) };
}

/** Sum of all credits ever granted (or bought) to an account, expired, taken back by refunds, and what remains: used to check conservation. */
export async function ledgerTotals(db: Db | Tx, accountId: string): Promise<{ granted: number; expired: number; takenBack: number; remaining: number }> {
  const [row] = await db
    .select({
      granted: sql<string>`coalesce(sum(case when ${ledgerEntries.kind} in ('grant', 'purchase') then ${ledgerEntries.amountMc} else 0 end), 0)`,
      expired: sql<string>`coalesce(sum(case when ${ledgerEntries.kind} = 'expiry' then -${ledgerEntries.amountMc} else 0 end), 0)`,
      takenBack: sql<string>`coalesce(sum(case when ${ledgerEntries.kind} = 'refund' then -${ledgerEntries.amountMc} else 0 end), 0)`,
    })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.accountId, accountId));
  const [rem] = await db.select({ remaining: sql<string>`coalesce(sum(${grants.remainingMc}), 0)` }).from(grants).where(eq(grants.accountId, accountId));
  return { granted: Number(row?.granted ?? 0), expired: Number(row?.expired ?? 0), takenBack: Number(row?.takenBack ?? 0), remaining: Number(rem?.remaining ?? 0) };
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
