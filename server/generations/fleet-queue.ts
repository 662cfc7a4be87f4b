// The fleet's run queue in the database: an instance with a free slot on an engine claims the fleet's next run for it, in the fair order, within the engine's concurrency and per-minute budget.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { nextRun, type AccountTurn, type WaitingRun } from '../../shared/rules/queue';
import type { Db, Tx } from '../db/open';
import { engineSlots, generations } from '../db/schema';
import type { EngineLimits } from '../engines/types';
import { dbNowMs, leaseColumns, type Lease } from './leases';

/** the oldest waiting runs of an engine read to choose the next one (the fair order is decided among them) */
export const CANDIDATE_WINDOW = 200;
/** runs one transaction claims at most; the next transaction takes the rest */
export const CLAIM_BATCH = 32;
export const MINUTE_MS = 60_000;

type GenerationRow = typeof generations.$inferSelect;

/** An engine's slots now, in database time. */
export interface SlotState {
  dbNowMs: number;
  /** runs holding a slot: claimed, their engine work not ended, their instance's lease alive (this instance's only, when the limits are per instance) */
  held: number;
  /** slots claimed within the per-minute window (at most perMinute are counted) */
  startsInWindow: number;
  /** the earliest of those starts: the budget frees up one window after it */
  oldestStartMs: number | null;
  /** runs wait for this engine */
  waiting: boolean;
}

/** A waiting run with what the fair order needs. */
export interface Candidate extends WaitingRun {
  id: string;
}

const num = (v: unknown): number => Number(v ?? 0);

/** The engine's slots and budget, read in one statement (under the engine's lock inside a claim, or without it to look). */
export async function slotState(tx: Tx, engine: string, limits: EngineLimits, ownerId: string): Promise<SlotState> {
  const windowMs = limits.windowMs ?? MINUTE_MS;
  const counted = limits.perMinute ?? 0;
  const mine = limits.fleetWide ? sql`` : sql` AND owner_id = ${ownerId}`;
  const result = await tx.execute<{ now_ms: string; held: string; starts: string; oldest: string | null; waiting: boolean }>(sql`
    WITH now AS (SELECT ${dbNowMs()} AS ms),
    recent AS (SELECT engine_claimed_at_ms AS t FROM generations WHERE engine = ${engine} AND engine_claimed_at_ms > (SELECT ms FROM now) - ${windowMs}::bigint ORDER BY engine_claimed_at_ms DESC LIMIT ${counted})
    SELECT (SELECT ms FROM now) AS now_ms,
      (SELECT count(*) FROM generations WHERE engine = ${engine} AND engine_claimed_at_ms IS NOT NULL AND engine_released_at_ms IS NULL AND lease_expires_at_ms >= (SELECT ms FROM now)${mine}) AS held,
      (SELECT count(*) FROM recent) AS starts, (SELECT min(t) FROM recent) AS oldest,
      EXISTS (SELECT 1 FROM generations WHERE engine = ${engine} AND status = 'queued') AS waiting`);
  const r = result.rows[0]!;
  return { dbNowMs: num(r.now_ms), held: num(r.held), startsInWindow: num(r.starts), oldestStartMs: r.oldest === null ? null : num(r.oldest), waiting: r.waiting === true };
}

/** Slots free now, and when the per-minute budget frees up if it is what stops the engine (ms from now). */
export function freeSlots(state: SlotState, limits: EngineLimits): { free: number; budgetFreeInMs: number | null } {
  const budget = limits.perMinute === null ? Number.POSITIVE_INFINITY : limits.perMinute - state.startsInWindow;
  const free = Math.min(limits.concurrency - state.held, budget);
  const budgetFreeInMs = budget <= 0 ? Math.max(0, (state.oldestStartMs ?? state.dbNowMs) + (limits.windowMs ?? MINUTE_MS) - state.dbNowMs) : null;
  return { free: Math.max(0, free), budgetFreeInMs };
}

/**
 * The oldest waiting runs of an engine (at most `limit`), with what the fair order knows of their accounts: runs going now
 * (fleet-wide, engine work not ended) and when each was last served (its latest claim, database time).
 */
export async function waitingRuns(tx: Tx, engine: string, limit: number, rankOf: (planId: string) => number): Promise<{ runs: Candidate[]; turns: Map<string, AccountTurn> }> {
  const result = await tx.execute<{ id: string; account_id: string; created_at_ms: string; plan_id: string; running: string; last_served: string | null }>(sql`
    WITH c AS (
      SELECT g.id, g.account_id, g.created_at_ms, a.plan_id FROM generations g JOIN accounts a ON a.id = g.account_id
      WHERE g.engine = ${engine} AND g.status = 'queued' ORDER BY g.created_at_ms, g.id LIMIT ${limit}),
    t AS (
      SELECT acc.account_id,
        (SELECT count(*) FROM generations r WHERE r.account_id = acc.account_id AND r.status = 'running' AND r.engine_released_at_ms IS NULL) AS running,
        (SELECT max(s.engine_claimed_at_ms) FROM generations s WHERE s.account_id = acc.account_id) AS last_served
      FROM (SELECT DISTINCT account_id FROM c) acc)
    SELECT c.id, c.account_id, c.created_at_ms, c.plan_id, t.running, t.last_served FROM c JOIN t ON t.account_id = c.account_id ORDER BY c.created_at_ms, c.id`);
  const turns = new Map<string, AccountTurn>();
  const runs = result.rows.map((r) => {
    if (!turns.has(r.account_id)) turns.set(r.account_id, { running: num(r.running), lastServed: num(r.last_served) });
    return { id: r.id, accountId: r.account_id, rank: rankOf(r.plan_id), enqueuedAtMs: num(r.created_at_ms) };
  });
  return { runs, turns };
}

/** Marks one waiting run as running under this instance's lease, holding a slot from now; null if it is gone or another transaction has it locked. */
async function claimRun(tx: Tx, id: string, lease: Lease, nowMs: number): Promise<GenerationRow | null> {
  const free = tx.select({ id: generations.id }).from(generations).where(and(eq(generations.id, id), eq(generations.status, 'queued'))).for('update', { skipLocked: true });
  const rows = await tx
    .update(generations)
    .set({ status: 'running', startedAtMs: nowMs, ...leaseColumns(lease), engineClaimedAtMs: dbNowMs(), engineReleasedAtMs: null })
    .where(inArray(generations.id, free))
    .returning();
  return rows[0] ?? null;
}

const ensured = new WeakMap<Db, Set<string>>();

/** The engine's row exists (made once, on demand; its lock serialises the engine's claims across the fleet). */
async function ensureEngineSlot(db: Db, engine: string): Promise<void> {
  let known = ensured.get(db);
  if (!known) ensured.set(db, (known = new Set()));
  if (known.has(engine)) return;
  await db.insert(engineSlots).values({ engine }).onConflictDoNothing();
  known.add(engine);
}

export interface ClaimOptions {
  engine: string;
  limits: EngineLimits;
  lease: Lease;
  /** the server clock, recorded as the run's start */
  nowMs: number;
  rankOf(planId: string): number;
  /** runs this instance takes at most in this claim */
  max: number;
}

export interface ClaimResult {
  claimed: GenerationRow[];
  /** runs still wait for this engine after the claim */
  waiting: boolean;
  /** the per-minute budget stops the engine: it frees up in this many ms */
  budgetFreeInMs: number | null;
}

/**
 * Claims the fleet's next runs for an engine, as many as its free slots allow (and `max`): the engine's row is locked so that
 * claims for one engine take turns across the fleet; held slots and recent starts are counted; the next run is picked among the
 * oldest waiting ones with the shared fair order, and taken with SKIP LOCKED (a run being canceled is passed over).
 */
export async function claimRuns(db: Db, o: ClaimOptions): Promise<ClaimResult> {
  if (o.max <= 0 || o.limits.concurrency <= 0) return { claimed: [], waiting: true, budgetFreeInMs: null };
  await ensureEngineSlot(db, o.engine);
  return db.transaction(async (tx) => {
    await tx.select({ engine: engineSlots.engine }).from(engineSlots).where(eq(engineSlots.engine, o.engine)).for('update');
    const state = await slotState(tx, o.engine, o.limits, o.lease.ownerId);
    const { free, budgetFreeInMs } = freeSlots(state, o.limits);
    if (free <= 0 || !state.waiting) return { claimed: [], waiting: state.waiting, budgetFreeInMs };
    let wanted = Math.min(free, o.max, CLAIM_BATCH);
    const { runs, turns } = await waitingRuns(tx, o.engine, CANDIDATE_WINDOW, o.rankOf);
    const claimed: GenerationRow[] = [];
    let left = runs;
    while (wanted > 0 && left.length > 0) {
      const next = nextRun(left, (a) => turns.get(a), o.nowMs)!;
      left = left.filter((r) => r !== next);
      const row = await claimRun(tx, next.id, o.lease, o.nowMs);
      if (!row) continue;
      claimed.push(row);
      wanted--;
      const turn = turns.get(next.accountId)!;
      turn.running++;
      turn.lastServed = state.dbNowMs + claimed.length; // served now: after every earlier claim
    }
    const budgetLeft = o.limits.perMinute === null ? 1 : o.limits.perMinute - state.startsInWindow - claimed.length;
    const stillWaiting = left.length > 0 || runs.length >= CANDIDATE_WINDOW;
    return { claimed, waiting: stillWaiting, budgetFreeInMs: budgetLeft <= 0 ? (state.oldestStartMs ?? state.dbNowMs) + (o.limits.windowMs ?? MINUTE_MS) - state.dbNowMs : null };
  });
}

/** The run's engine work ended: its slot is free for the fleet's next run (before the run settles). Answers whether runs wait for its engine. */
export async function releaseSlot(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .update(generations)
    .set({ engineReleasedAtMs: dbNowMs() })
    .where(eq(generations.id, id))
    .returning({ waiting: sql<boolean>`EXISTS (SELECT 1 FROM generations q WHERE q.engine = ${generations.engine} AND q.status = 'queued')` })
    .prepare('release_engine_slot')
    .execute();
  return rows[0]?.waiting === true;
}

/** Runs waiting in the whole fleet, counted up to `limit` (the bound on the queue). */
export async function queuedCount(db: Db, limit: number): Promise<number> {
  const result = await db.execute<{ n: string }>(sql`SELECT count(*) AS n FROM (SELECT 1 FROM generations WHERE status = 'queued' LIMIT ${limit}) q`);
  return num(result.rows[0]?.n);
}

/** Puts runs claimed here but never started back in the queue (the instance is stopping): no request was sent, so no start is counted. */
export async function giveBack(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(generations)
    .set({ status: 'queued', startedAtMs: null, ownerId: null, leaseExpiresAtMs: null, engineClaimedAtMs: null })
    .where(and(inArray(generations.id, [...ids]), eq(generations.status, 'running'), isNull(generations.engineReleasedAtMs)));
}
