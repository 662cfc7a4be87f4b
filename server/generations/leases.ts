// Run leases in database time: an instance claims a generation, heartbeats it while it runs, and any instance may void one whose lease ran out.
import { and, eq, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { lockAccount } from '../accounts/service';
import type { Db, Tx } from '../db/open';
import { generations } from '../db/schema';

/** Ids renewed or released by one statement. */
export const LEASE_BATCH = 500;

export interface Lease {
  /** the instance that holds the run */
  ownerId: string;
  /** how long the hold lasts without a heartbeat */
  leaseMs: number;
}

type GenerationRow = typeof generations.$inferSelect;

/**
 * The database's clock in epoch ms. Every instance compares leases against this one clock, so skew between the servers' own
 * clocks cannot make one of them void another's live run (nor does the adjustable test clock move leases).
 */
export const dbNowMs = (): SQL<number> => sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** The columns that record a lease held from now; with null, nobody's (both NULL: the statement's text is the same either way, for named statements). */
export function leaseColumns(lease: Lease | null): { ownerId: string | null; leaseExpiresAtMs: SQL<number | null> } {
  return { ownerId: lease?.ownerId ?? null, leaseExpiresAtMs: sql<number | null>`${dbNowMs()} + ${lease?.leaseMs ?? null}::bigint` };
}

/** No live instance holds it: the lease ran out, or was never taken (rows from before leases, a crash between accept and queue). */
const leaseLapsed = (): SQL => or(isNull(generations.leaseExpiresAtMs), lt(generations.leaseExpiresAtMs, dbNowMs()))!;

/** Marks a queued run as running under this instance's lease; null if it is no longer queued (voided, or claimed by another instance). */
export async function claimGeneration(tx: Tx, id: string, lease: Lease, nowMs: number): Promise<GenerationRow | null> {
  const rows = await tx
    .update(generations)
    .set({ status: 'running', startedAtMs: nowMs, ...leaseColumns(lease) })
    .where(and(eq(generations.id, id), eq(generations.status, 'queued')))
    .returning()
    .prepare('claim_run')
    .execute();
  return rows[0] ?? null;
}

/** Extends this instance's lease on the runs it still holds (running here; a training's run); returns the ids it still holds. */
export async function renewLeases(db: Db, lease: Lease, ids: readonly string[]): Promise<Set<string>> {
  const held = new Set<string>();
  for (let i = 0; i < ids.length; i += LEASE_BATCH) {
    const rows = await db
      .update(generations)
      .set({ leaseExpiresAtMs: leaseColumns(lease).leaseExpiresAtMs })
      .where(and(inArray(generations.id, ids.slice(i, i + LEASE_BATCH)), eq(generations.ownerId, lease.ownerId), inArray(generations.status, ['queued', 'running'])))
      .returning({ id: generations.id });
    for (const r of rows) held.add(r.id);
  }
  return held;
}

/** Running runs whose owner stopped heartbeating: candidates for a void (re-checked under lock by lockLapsedRun). */
export async function lapsedRunIds(db: Db, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: generations.id })
    .from(generations)
    .where(and(eq(generations.status, 'running'), leaseLapsed()))
    .orderBy(generations.leaseExpiresAtMs)
    .limit(limit);
  return rows.map((r) => r.id);
}

/**
 * Locks a running run whose lease has lapsed, in the order every settle and void takes locks (the account, then the run), and
 * re-checks the lease under that lock: a heartbeat that landed since lapsedRunIds read it wins, and the run is left alone.
 */
export async function lockLapsedRun(tx: Tx, id: string): Promise<boolean> {
  const [gen] = await tx.select({ accountId: generations.accountId }).from(generations).where(eq(generations.id, id));
  if (!gen) return false;
  await lockAccount(tx, gen.accountId);
  const rows = await tx
    .select({ id: generations.id })
    .from(generations)
    .where(and(eq(generations.id, id), eq(generations.status, 'running'), leaseLapsed()))
    .for('update');
  return rows.length === 1;
}
