// Training job leases in database time, as for generations: an instance claims a job, heartbeats it, and another takes over one whose lease ran out.
import { and, eq, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/open';
import { trainings } from '../db/schema';
import { leaseColumns, type Lease } from '../generations/leases';
import type { TrainingRow } from './service';

const BATCH = 500;
const dbNowMs = (): SQL<number> => sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;
const lapsed = (): SQL => or(isNull(trainings.leaseExpiresAtMs), lt(trainings.leaseExpiresAtMs, dbNowMs()))!;

/**
 * Starts (queued) or resumes (running, already this instance's) a job under this instance's lease; null if it is not this
 * instance's to run (finished, canceled, or held by another instance).
 */
export async function claimTraining(db: Db, id: string, lease: Lease, nowMs: number): Promise<TrainingRow | null> {
  const rows = await db
    .update(trainings)
    .set({ status: 'running', startedAtMs: sql`coalesce(${trainings.startedAtMs}, ${nowMs})`, ...leaseColumns(lease) })
    .where(and(eq(trainings.id, id), eq(trainings.ownerId, lease.ownerId), inArray(trainings.status, ['queued', 'running'])))
    .returning();
  return rows[0] ?? null;
}

/** Extends this instance's lease on the jobs it holds; returns those it still holds. */
export async function renewTrainingLeases(db: Db, lease: Lease, ids: readonly string[]): Promise<Set<string>> {
  const held = new Set<string>();
  for (let i = 0; i < ids.length; i += BATCH) {
    const rows = await db
      .update(trainings)
      .set({ leaseExpiresAtMs: leaseColumns(lease).leaseExpiresAtMs })
      .where(and(inArray(trainings.id, ids.slice(i, i + BATCH)), eq(trainings.ownerId, lease.ownerId), inArray(trainings.status, ['queued', 'running'])))
      .returning({ id: trainings.id });
    for (const r of rows) held.add(r.id);
  }
  return held;
}

/** Gives back the jobs this instance holds (it is stopping), so that the next instance or start resumes them at once. */
export async function releaseTrainings(db: Db, ownerId: string, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += BATCH) {
    await db
      .update(trainings)
      .set({ ownerId: null, leaseExpiresAtMs: null })
      .where(and(inArray(trainings.id, ids.slice(i, i + BATCH)), eq(trainings.ownerId, ownerId), inArray(trainings.status, ['queued', 'running'])));
  }
}

/**
 * Takes over unfinished jobs nobody holds (their instance stopped), oldest first. `all` (an embedded database, this process's
 * alone) takes every unfinished job, leases or not: what held them died with the previous process.
 */
export async function adoptTrainings(db: Db, lease: Lease, limit: number, all: boolean): Promise<TrainingRow[]> {
  if (limit <= 0) return [];
  const orphans = db
    .select({ id: trainings.id })
    .from(trainings)
    .where(and(inArray(trainings.status, ['queued', 'running']), all ? undefined : lapsed()))
    .orderBy(trainings.createdAtMs)
    .limit(limit)
    .for('update', { skipLocked: true });
  const rows = await db.update(trainings).set(leaseColumns(lease)).where(and(inArray(trainings.id, orphans), inArray(trainings.status, ['queued', 'running']))).returning();
  return rows.sort((a, b) => a.createdAtMs - b.createdAtMs);
}
