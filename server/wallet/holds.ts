// Holds pinned to grants: place a hold pinned in burn order, then capture from its pins or release them, every step in the ledger (CREDIT-RULES §5.7).
import { and, eq, gt, inArray, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import { allocatePins, allocatePinsUpTo, applyPins, fundedByPaid, settlePins, type Grant, type Pin, type PinSettlement } from '../../shared/rules/grants';
import { grants, holdPins, holds, ledgerEntries } from '../db/schema';
import type { Tx } from '../db/open';
import { newId } from '../util';
import { loadGrants, recordExpiries } from './service';

export type HoldRow = typeof holds.$inferSelect;

/** Grants in force at `nowMs` that hold credits. */
const inForceWithCredits = (nowMs: number): SQL =>
  and(lte(grants.effectiveAtMs, nowMs), or(isNull(grants.expiresAtMs), gt(grants.expiresAtMs, nowMs)), gt(grants.remainingMc, 0))!;

export interface NewHold {
  accountId: string;
  generationId: string;
  amountMc: number;
  deadlineMs: number;
  /** what the hold's ledger entry says about the run */
  details: Record<string, unknown>;
}

/** The account's grants in force, with their pins: what a hold can be placed on (the caller holds the account's lock). */
export function holdableGrants(tx: Tx, accountId: string, nowMs: number): Promise<Grant[]> {
  return loadGrants(tx, accountId, inForceWithCredits(nowMs));
}

/**
 * Places a hold, pinned to the grants in burn order (under the account's lock). Throws InsufficientCreditsError (needed,
 * available) when the unpinned credits in force cannot cover it; nothing is written then.
 */
export async function placeHold(tx: Tx, h: NewHold, nowMs: number): Promise<Pin[]> {
  const inForce = await holdableGrants(tx, h.accountId, nowMs);
  const pins = allocatePins(inForce, h.amountMc, nowMs);
  const holdId = newId('hold');
  const pinRows = JSON.stringify(pins.map((p) => ({ grant_id: p.grantId, amount_mc: p.amountMc })));
  // each pin says its grant's kind, so History can tell what a run in progress holds ("from daily credits, then pack")
  const kinds = new Map(inForce.map((g) => [g.id, g.kind]));
  const details = JSON.stringify({ ...h.details, heldMc: h.amountMc, pins: pins.map((p) => ({ ...p, kind: kinds.get(p.grantId) })) });
  // the hold, its pins and its ledger entry in one statement: one round trip on the hold path
  await tx.execute(sql`
    WITH placed AS (
      INSERT INTO ${holds} (id, account_id, generation_id, amount_mc, status, deadline_ms, created_at_ms)
      VALUES (${holdId}, ${h.accountId}, ${h.generationId}, ${h.amountMc}, 'active', ${h.deadlineMs}, ${nowMs}) RETURNING id
    ), pinned AS (
      INSERT INTO ${holdPins} (hold_id, grant_id, amount_mc)
      SELECT placed.id, p.grant_id, p.amount_mc FROM placed, jsonb_to_recordset(${pinRows}::jsonb) AS p(grant_id text, amount_mc bigint)
    )
    INSERT INTO ${ledgerEntries} (account_id, kind, amount_mc, ref, at_ms, details) VALUES (${h.accountId}, 'hold', 0, ${h.generationId}, ${nowMs}, ${details}::jsonb)`);
  return pins;
}

/** A hold's pins and the grants they are on. A hold placed before holds were pinned is pinned now, as far as credits in force allow. */
async function pinsOf(tx: Tx, hold: HoldRow, nowMs: number): Promise<{ grants: Grant[]; pins: Pin[] }> {
  const rows = await tx.select().from(holdPins).where(eq(holdPins.holdId, hold.id));
  if (rows.length === 0 && hold.amountMc > 0) {
    const inForce = await holdableGrants(tx, hold.accountId, nowMs);
    const pins = allocatePinsUpTo(inForce, hold.amountMc, nowMs);
    return { grants: applyPins(inForce, pins), pins };
  }
  const pins = rows.map((r) => ({ grantId: r.grantId, amountMc: r.amountMc }));
  const pinned = pins.length > 0 ? await loadGrants(tx, hold.accountId, inArray(grants.id, pins.map((p) => p.grantId))) : [];
  return { grants: pinned, pins };
}

export interface FundingLine {
  grantId: string;
  kind: Grant['kind'];
  amountMc: number;
  paid: boolean;
}

export interface ClosedHold extends Omit<PinSettlement, 'grants'> {
  funding: FundingLine[];
  commercialUse: boolean;
}

export type CloseHow =
  /** settle: capture up to `captureMc` (the caller's min(final, held)); `details` go on the capture and release entries, `captureDetails` on the capture's only */
  | { kind: 'capture'; captureMc: number; details: Record<string, unknown>; captureDetails: Record<string, unknown> }
  /** void: capture nothing; `details` go on the void entry */
  | { kind: 'void'; details: Record<string, unknown> };

async function capturePinned(tx: Tx, s: PinSettlement): Promise<void> {
  for (const a of s.allocations) {
    const updated = await tx
      .update(grants)
      .set({ remainingMc: sql`${grants.remainingMc} - ${a.amountMc}` })
      .where(and(eq(grants.id, a.grantId), sql`${grants.remainingMc} >= ${a.amountMc}`))
      .returning({ id: grants.id });
    if (updated.length !== 1) throw new Error(`capture of ${a.amountMc} mc from grant ${a.grantId} would overdraw it`);
  }
}

/**
 * Settles or voids an active hold (under the account's lock, after due expiries are recorded): captures from its pins in burn
 * order, releases the rest, and expires what the release leaves of grants already past their expiry. The ledger shows the
 * capture and the release (or the void), then those expiries.
 */
export async function closeHold(tx: Tx, hold: HoldRow, how: CloseHow, nowMs: number): Promise<ClosedHold> {
  const { grants: pinned, pins } = await pinsOf(tx, hold, nowMs);
  const settled = settlePins(pinned, pins, how.kind === 'capture' ? how.captureMc : 0, nowMs);
  await capturePinned(tx, settled);
  await tx.delete(holdPins).where(eq(holdPins.holdId, hold.id));
  await tx.update(holds).set({ status: how.kind === 'capture' ? 'captured' : 'voided', settledAtMs: nowMs }).where(eq(holds.id, hold.id));
  const kinds = new Map(pinned.map((g) => [g.id, g.kind]));
  const funding = settled.allocations.map((a) => ({ grantId: a.grantId, kind: kinds.get(a.grantId)!, amountMc: a.amountMc, paid: a.paid }));
  const commercialUse = fundedByPaid(settled.allocations);
  const entry = { accountId: hold.accountId, ref: hold.generationId, atMs: nowMs };
  // what the hold reserved beyond its pins (a hold from before pins, when credits ran short) is released with the rest
  const releaseMc = hold.amountMc - settled.captureMc;
  if (how.kind === 'capture') {
    await tx.insert(ledgerEntries).values({ ...entry, kind: 'capture', amountMc: -settled.captureMc, details: { ...how.details, ...how.captureDetails, heldMc: hold.amountMc, funding, commercialUse } });
    if (releaseMc > 0) await tx.insert(ledgerEntries).values({ ...entry, kind: 'release', amountMc: 0, details: { ...how.details, releasedMc: releaseMc } });
  } else {
    await tx.insert(ledgerEntries).values({ ...entry, kind: 'void', amountMc: 0, details: { ...how.details, releasedMc: hold.amountMc } });
  }
  // these expiries are the run's doing (its hold kept the credits past their grant's expiry): they name the run
  await recordExpiries(tx, hold.accountId, settled.expiries, (e) => `expiry:${e.grantId}:${hold.id}`, { generationId: hold.generationId });
  const { grants: _after, ...rest } = settled;
  return { ...rest, releaseMc, funding, commercialUse };
}
