// Holds pinned to grants: place a hold pinned in burn order, then capture from its pins or release them, every step in the ledger (docs/credit-rules.md §5.7).
import { and, eq, getTableColumns, gt, isNull, lte, or, sql, type SQL, type WithSubquery } from 'drizzle-orm';
import { allocatePins, allocatePinsUpTo, applyPins, fundedByPaid, settlePins, type Grant, type Pin, type PinSettlement } from '../../shared/rules/grants';
import type { FundingLine, LedgerDetailsInput, RunAbout } from '../../shared/api/index';
import { grants, holdPins, holds, ledgerEntries } from '../db/schema';
import type { Tx } from '../db/open';
import { newId } from '../util';
import { grantFromRow, loadGrants, pinnedOf, recordExpiries } from './service';
import { ledgerDetails } from './ledger';

export type HoldRow = typeof holds.$inferSelect;

/** Grants in force at `nowMs` that hold credits. */
const inForceWithCredits = (nowMs: number): SQL =>
  and(lte(grants.effectiveAtMs, nowMs), or(isNull(grants.expiresAtMs), gt(grants.expiresAtMs, nowMs)), gt(grants.remainingMc, 0))!;

export interface NewHold {
  accountId: string;
  generationId: string;
  amountMc: number;
  deadlineMs: number;
  /** what the hold's ledger entry says about the run (its amount and pins are added) */
  details: Omit<LedgerDetailsInput<'hold'>, 'heldMc' | 'pins'>;
}

/** The account's grants in force, with their pins: what a hold can be placed on (the caller holds the account's lock). */
export function holdableGrants(tx: Tx, accountId: string, nowMs: number): Promise<Grant[]> {
  return loadGrants(tx, accountId, inForceWithCredits(nowMs), { name: 'grants_holdable' });
}

/**
 * A hold pinned to the grants in burn order (under the account's lock), as the CTEs that write it: the hold, its pins and its
 * ledger entry, to go with the statement that writes its run (one round trip on the hold path). Throws
 * InsufficientCreditsError (needed, available) when the unpinned credits in force cannot cover it, before anything is written.
 */
export async function holdWrites(tx: Tx, h: NewHold, nowMs: number): Promise<WithSubquery[]> {
  const inForce = await holdableGrants(tx, h.accountId, nowMs);
  const pins = allocatePins(inForce, h.amountMc, nowMs);
  const holdId = newId('hold');
  const pinRows = JSON.stringify(pins.map((p) => ({ grant_id: p.grantId, amount_mc: p.amountMc })));
  // each pin says its grant's kind, so History can tell what a run in progress holds ("from daily credits, then pack")
  const kinds = new Map(inForce.map((g) => [g.id, g.kind]));
  const details = JSON.stringify(ledgerDetails('hold', { ...h.details, heldMc: h.amountMc, pins: pins.map((p) => ({ ...p, kind: kinds.get(p.grantId)! })) }));
  // data-modifying CTEs run whether or not the main statement reads them; the keys they refer to are checked at its end
  return [
    tx.$with('placed_hold', {}).as(sql`
      INSERT INTO ${holds} (id, account_id, generation_id, amount_mc, status, deadline_ms, created_at_ms)
      VALUES (${holdId}, ${h.accountId}, ${h.generationId}, ${h.amountMc}, 'active', ${h.deadlineMs}, ${nowMs})`),
    tx.$with('placed_pins', {}).as(sql`
      INSERT INTO ${holdPins} (hold_id, grant_id, amount_mc)
      SELECT ${holdId}, p.grant_id, p.amount_mc FROM jsonb_to_recordset(${pinRows}::jsonb) AS p(grant_id text, amount_mc bigint)`),
    tx.$with('placed_entry', {}).as(sql`
      INSERT INTO ${ledgerEntries} (account_id, kind, amount_mc, ref, at_ms, details) VALUES (${h.accountId}, 'hold', 0, ${h.generationId}, ${nowMs}, ${details}::jsonb)`),
  ];
}

/**
 * A hold's pins and the grants they are on, in one statement. A hold placed before holds were pinned is pinned now, as far
 * as credits in force allow.
 */
async function pinsOf(tx: Tx, hold: HoldRow, nowMs: number): Promise<{ grants: Grant[]; pins: Pin[] }> {
  const rows = await tx
    .select({ ...getTableColumns(grants), pinnedMc: pinnedOf, thisPinMc: holdPins.amountMc })
    .from(holdPins)
    .innerJoin(grants, eq(grants.id, holdPins.grantId))
    .where(eq(holdPins.holdId, hold.id))
    .orderBy(grants.id)
    .prepare('hold_pins_with_grants')
    .execute();
  if (rows.length === 0 && hold.amountMc > 0) {
    const inForce = await holdableGrants(tx, hold.accountId, nowMs);
    const pins = allocatePinsUpTo(inForce, hold.amountMc, nowMs);
    return { grants: applyPins(inForce, pins), pins };
  }
  return { grants: rows.map(grantFromRow), pins: rows.map((r) => ({ grantId: r.id, amountMc: r.thisPinMc })) };
}

export interface ClosedHold extends Omit<PinSettlement, 'grants'> {
  funding: FundingLine[];
  commercialUse: boolean;
}

export type CloseHow =
  /** settle: capture up to `captureMc` (the caller's min(final, held)); `details` go on the capture and release entries, `captureDetails` on the capture's only */
  | { kind: 'capture'; captureMc: number; details: RunAbout; captureDetails: Omit<LedgerDetailsInput<'capture'>, keyof RunAbout | 'heldMc' | 'funding' | 'commercialUse'> }
  /** void: capture nothing; `details` go on the void entry */
  | { kind: 'void'; details: Omit<LedgerDetailsInput<'void'>, 'releasedMc'> };

/** A ledger entry of a hold's closing, in the order written. */
type ClosingEntry = { [K in 'capture' | 'release' | 'void']: { kind: K; amountMc: number; details: LedgerDetailsInput<K> } }['capture' | 'release' | 'void'];

/**
 * Closes a hold in one statement: takes each allocation from its grant (never below zero), drops the hold's pins, marks the
 * hold, and writes its ledger entries in order. A capture that would overdraw a grant throws, and the transaction rolls back.
 */
async function writeClosing(tx: Tx, hold: HoldRow, s: PinSettlement, status: 'captured' | 'voided', entries: ClosingEntry[], nowMs: number): Promise<void> {
  const allocations = JSON.stringify(s.allocations.map((a) => ({ grant_id: a.grantId, amount_mc: a.amountMc })));
  const rows = JSON.stringify(entries.map((e, seq) => ({ seq, kind: e.kind, amount_mc: e.amountMc, details: e.details })));
  const result = await tx.execute<{ captured: number }>(sql`
    WITH captured AS (
      UPDATE ${grants} SET remaining_mc = ${grants.remainingMc} - a.amount_mc
      FROM jsonb_to_recordset(${allocations}::jsonb) AS a(grant_id text, amount_mc bigint)
      WHERE ${grants.id} = a.grant_id AND ${grants.remainingMc} >= a.amount_mc
      RETURNING ${grants.id}
    ), unpinned AS (
      DELETE FROM ${holdPins} WHERE ${holdPins.holdId} = ${hold.id}
    ), closed AS (
      UPDATE ${holds} SET status = ${status}, settled_at_ms = ${nowMs} WHERE ${holds.id} = ${hold.id}
    ), entries AS (
      INSERT INTO ${ledgerEntries} (account_id, kind, amount_mc, ref, at_ms, details)
      SELECT ${hold.accountId}, e.kind, e.amount_mc, ${hold.generationId}, ${nowMs}, e.details
      FROM jsonb_to_recordset(${rows}::jsonb) AS e(seq int, kind text, amount_mc bigint, details jsonb) ORDER BY e.seq
    )
    SELECT count(*)::int AS captured FROM captured`);
  const captured = Number(result.rows[0]?.captured ?? 0);
  if (captured !== s.allocations.length) throw new Error(`capture of hold ${hold.id} would overdraw ${s.allocations.length - captured} of its grants`);
}

/**
 * Settles or voids an active hold (under the account's lock, after due expiries are recorded): captures from its pins in burn
 * order, releases the rest, and expires what the release leaves of grants already past their expiry. The ledger shows the
 * capture and the release (or the void), then those expiries.
 */
export async function closeHold(tx: Tx, hold: HoldRow, how: CloseHow, nowMs: number): Promise<ClosedHold> {
  const { grants: pinned, pins } = await pinsOf(tx, hold, nowMs);
  const settled = settlePins(pinned, pins, how.kind === 'capture' ? how.captureMc : 0, nowMs);
  const kinds = new Map(pinned.map((g) => [g.id, g.kind]));
  const funding: FundingLine[] = settled.allocations.map((a) => ({ grantId: a.grantId, kind: kinds.get(a.grantId)!, amountMc: a.amountMc, paid: a.paid }));
  const commercialUse = fundedByPaid(settled.allocations);
  // what the hold reserved beyond its pins (a hold from before pins, when credits ran short) is released with the rest
  const releaseMc = hold.amountMc - settled.captureMc;
  const entries: ClosingEntry[] =
    how.kind === 'capture'
      ? [
          { kind: 'capture', amountMc: -settled.captureMc, details: ledgerDetails('capture', { ...how.details, ...how.captureDetails, heldMc: hold.amountMc, funding, commercialUse }) },
          ...(releaseMc > 0 ? [{ kind: 'release' as const, amountMc: 0, details: ledgerDetails('release', { ...how.details, releasedMc: releaseMc }) }] : []),
        ]
      : [{ kind: 'void', amountMc: 0, details: ledgerDetails('void', { ...how.details, releasedMc: hold.amountMc }) }];
  await writeClosing(tx, hold, settled, how.kind === 'capture' ? 'captured' : 'voided', entries, nowMs);
  // these expiries are the run's doing (its hold kept the credits past their grant's expiry): they name the run
  await recordExpiries(tx, hold.accountId, settled.expiries, (e) => `expiry:${e.grantId}:${hold.id}`, { generationId: hold.generationId });
  const { grants: _after, ...rest } = settled;
  return { ...rest, releaseMc, funding, commercialUse };
}
