// Grants (credit buckets), burn order, holds pinned to grants, settling from pins, expiry of the unpinned part and limits (docs/credit-rules.md §2, §3, §5).
import { assertMc, addMc, amountTooLarge, CreditAmountError, MAX_BALANCE_MC, MAX_GRANT_MC } from './money';

export const GRANT_KINDS = ['daily', 'trial', 'subscription', 'pack', 'bonus', 'adjustment'] as const;
export type GrantKind = (typeof GRANT_KINDS)[number];

/** The most grants holding credits (in force, yet to come, or pinned past their expiry) one account may have. */
export const MAX_LIVE_GRANTS = 1000;

export interface Grant {
  id: string;
  kind: GrantKind;
  amountMc: number;
  /** credits left in the grant, pinned ones included */
  remainingMc: number;
  effectiveAtMs: number;
  /** null = never expires */
  expiresAtMs: number | null;
  priority: number;
  paid: boolean;
  /** the part of remainingMc that active holds have pinned: held, not available; kept past the grant's expiry until its hold settles */
  pinnedMc: number;
}

/** Credits of one grant reserved by one hold. */
export interface Pin {
  grantId: string;
  amountMc: number;
}

export interface Allocation {
  grantId: string;
  amountMc: number;
  paid: boolean;
}

export class InsufficientCreditsError extends Error {
  readonly code = 'insufficient_credits';
  constructor(
    readonly neededMc: number,
    readonly availableMc: number,
  ) {
    super(`insufficient credits: needed ${neededMc} mc, available ${availableMc} mc`);
    this.name = 'InsufficientCreditsError';
  }
}

export class TooManyGrantsError extends Error {
  readonly code = 'too_many_grants';
  constructor(readonly limit: number) {
    super(`an account may have at most ${limit.toLocaleString('en-US')} grants holding credits`);
    this.name = 'TooManyGrantsError';
  }
}

/** A grant is in force from its effective time (inclusive) until its expiry (exclusive). */
export function isInForce(g: Pick<Grant, 'effectiveAtMs' | 'expiresAtMs'>, nowMs: number): boolean {
  return g.effectiveAtMs <= nowMs && (g.expiresAtMs === null || nowMs < g.expiresAtMs);
}

/** True once the grant's expiry has come. */
export function isPastExpiry(g: Pick<Grant, 'expiresAtMs'>, nowMs: number): boolean {
  return g.expiresAtMs !== null && g.expiresAtMs <= nowMs;
}

/**
 * Burn order: earliest expiry first (never-expiring last), then lower priority, then oldest effective time, then id.
 * Spends first what would otherwise be lost first.
 */
export function compareBurnOrder(a: Grant, b: Grant): number {
  const ea = a.expiresAtMs ?? Number.POSITIVE_INFINITY;
  const eb = b.expiresAtMs ?? Number.POSITIVE_INFINITY;
  if (ea !== eb) return ea < eb ? -1 : 1;
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.effectiveAtMs !== b.effectiveAtMs) return a.effectiveAtMs - b.effectiveAtMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Credits of a grant that no hold has pinned. Asserts that pins never exceed what the grant holds. */
export function unpinnedMc(g: Grant): number {
  assertMc(g.remainingMc, 'remaining');
  assertMc(g.pinnedMc, 'pinned');
  if (g.pinnedMc > g.remainingMc) throw new CreditAmountError(`grant ${g.id} has ${g.pinnedMc} mc pinned but only ${g.remainingMc} mc left`);
  return g.remainingMc - g.pinnedMc;
}

/** Available = Σ unpinned remaining of the grants in force now. Pinned credits are held, not available; never negative. */
export function availableMc(grants: readonly Grant[], nowMs: number): number {
  return addMc(...grants.filter((g) => isInForce(g, nowMs)).map(unpinnedMc));
}

/** Held = Σ pinned credits, of grants in force or past their expiry: what active holds reserve. */
export function heldMc(grants: readonly Grant[]): number {
  for (const g of grants) unpinnedMc(g);
  return addMc(...grants.map((g) => g.pinnedMc));
}

/** Σ remaining of every grant: what the account holds, in force or not yet, pinned or not. */
export function balanceMc(grants: readonly Grant[]): number {
  return addMc(...grants.map((g) => g.remainingMc));
}

/** Takes up to `amountMc` from the given grants' free credits, in burn order. */
function takeInBurnOrder(grants: readonly Grant[], amountMc: number, freeOf: (g: Grant) => number): Allocation[] {
  const out: Allocation[] = [];
  let left = amountMc;
  for (const g of [...grants].sort(compareBurnOrder)) {
    if (left === 0) break;
    const take = Math.min(left, freeOf(g));
    if (take > 0) out.push({ grantId: g.id, amountMc: take, paid: g.paid });
    left -= take;
  }
  return out;
}

/**
 * Pins a hold of `amountMc` to the unpinned credits of the grants in force, in burn order. Throws InsufficientCreditsError
 * (needed, available) when they cannot cover it. Holds placed one at a time under the account's lock never overdraw.
 */
export function allocatePins(grants: readonly Grant[], amountMc: number, nowMs: number): Pin[] {
  assertMc(amountMc, 'hold');
  const avail = availableMc(grants, nowMs);
  if (avail < amountMc) throw new InsufficientCreditsError(amountMc, avail);
  return takeInBurnOrder(grants.filter((g) => isInForce(g, nowMs)), amountMc, unpinnedMc).map(({ grantId, amountMc: mc }) => ({ grantId, amountMc: mc }));
}

/** Pins as much of `amountMc` as is available (for a hold taken before holds were pinned); never throws for lack of credits. */
export function allocatePinsUpTo(grants: readonly Grant[], amountMc: number, nowMs: number): Pin[] {
  assertMc(amountMc, 'hold');
  return allocatePins(grants, Math.min(amountMc, availableMc(grants, nowMs)), nowMs);
}

/** Can a hold of `amountMc` be placed? The client's pre-flight check and the server's hold use the same arithmetic. */
export function checkHold(grants: readonly Grant[], amountMc: number, nowMs: number): void {
  allocatePins(grants, amountMc, nowMs);
}

/** Applies pins to grants, returning new grant objects; checks each pin fits the grant's unpinned credits. */
export function applyPins(grants: readonly Grant[], pins: readonly Pin[]): Grant[] {
  const byId = new Map(grants.map((g) => [g.id, { ...g }]));
  for (const p of pins) {
    const g = byId.get(p.grantId);
    if (!g) throw new CreditAmountError(`pin names unknown grant ${p.grantId}`);
    assertMc(p.amountMc, 'pin');
    if (p.amountMc > unpinnedMc(g)) throw new CreditAmountError(`pin of ${p.amountMc} exceeds grant ${g.id}'s unpinned ${unpinnedMc(g)}`);
    g.pinnedMc += p.amountMc;
  }
  return grants.map((g) => byId.get(g.id)!);
}

/** True when any allocation was funded by a paid grant: such content may be used commercially (docs/credit-rules.md §8). */
export function fundedByPaid(allocations: readonly Allocation[]): boolean {
  return allocations.some((a) => a.paid && a.amountMc > 0);
}

export interface Settlement {
  /** what the user pays: min(final, approved) */
  captureMc: number;
  /** what goes back to available: the rest of the hold */
  releaseMc: number;
}

/** Settles a hold of `heldMc` (the approved amount) against the final cost: never more than approved. */
export function settleHold(heldMc: number, finalMc: number): Settlement {
  assertMc(heldMc, 'hold');
  assertMc(finalMc, 'final cost');
  const captureMc = Math.min(heldMc, finalMc);
  return { captureMc, releaseMc: heldMc - captureMc };
}

/** A failed run, or a hold past its deadline, is voided in full. */
export function voidHold(heldMc: number): Settlement {
  assertMc(heldMc, 'hold');
  return { captureMc: 0, releaseMc: heldMc };
}

export interface Expiry {
  grantId: string;
  kind: GrantKind;
  expiredMc: number;
  expiresAtMs: number;
  /** when the credits expired: at the grant's expiry, or later, when the hold that pinned them settled */
  atMs: number;
}

/** Grants past their expiry with unpinned credits left: those credits expire (recorded, never silently lost); pinned ones wait for their hold. */
export function dueExpiries(grants: readonly Grant[], nowMs: number): Expiry[] {
  return grants
    .filter((g) => isPastExpiry(g, nowMs) && unpinnedMc(g) > 0)
    .map((g) => ({ grantId: g.id, kind: g.kind, expiredMc: unpinnedMc(g), expiresAtMs: g.expiresAtMs!, atMs: g.expiresAtMs! }));
}

/** Expires the unpinned part of grants past their expiry: what is left is exactly what holds pin. */
export function applyExpiries(grants: readonly Grant[], nowMs: number): { grants: Grant[]; expiries: Expiry[] } {
  const expiries = dueExpiries(grants, nowMs);
  const ids = new Set(expiries.map((e) => e.grantId));
  return { grants: grants.map((g) => (ids.has(g.id) ? { ...g, remainingMc: g.pinnedMc } : g)), expiries };
}

/** What settling (or voiding) one hold's pins does. */
export interface PinSettlement {
  /** what is captured: at most what was asked, and at most what the hold pinned */
  captureMc: number;
  /** pinned credits given back */
  releaseMc: number;
  /** the capture by grant, in burn order */
  allocations: Allocation[];
  /** released credits of grants already past their expiry, which expire now */
  expiries: Expiry[];
  grants: Grant[];
}

function pinTotals(grants: readonly Grant[], pins: readonly Pin[]): Map<string, number> {
  const byGrant = new Map<string, number>();
  for (const p of pins) {
    assertMc(p.amountMc, 'pin');
    byGrant.set(p.grantId, addMc(byGrant.get(p.grantId) ?? 0, p.amountMc));
  }
  for (const [grantId, mc] of byGrant) {
    const g = grants.find((x) => x.id === grantId);
    if (!g) throw new CreditAmountError(`pin names unknown grant ${grantId}`);
    if (mc > g.pinnedMc) throw new CreditAmountError(`hold pins ${mc} mc of grant ${grantId}, which has only ${g.pinnedMc} mc pinned`);
  }
  return byGrant;
}

/**
 * Settles a hold from its pins: captures up to `captureMc` (the caller's min(final, held)) from the pinned grants in burn
 * order, releases the rest of the pins, and expires, as of `nowMs`, what the release leaves unpinned on grants past their
 * expiry. Voiding is settling with a capture of 0.
 */
export function settlePins(grants: readonly Grant[], pins: readonly Pin[], captureMc: number, nowMs: number): PinSettlement {
  assertMc(captureMc, 'capture');
  const byGrant = pinTotals(grants, pins);
  const pinnedTotal = addMc(...byGrant.values());
  const take = Math.min(captureMc, pinnedTotal);
  const pinned = grants.filter((g) => byGrant.has(g.id));
  const allocations = takeInBurnOrder(pinned, take, (g) => byGrant.get(g.id)!);
  const captured = new Map(allocations.map((a) => [a.grantId, a.amountMc]));
  const expiries: Expiry[] = [];
  const after = grants.map((g) => {
    const pin = byGrant.get(g.id);
    if (pin === undefined) return g;
    const next = { ...g, remainingMc: g.remainingMc - (captured.get(g.id) ?? 0), pinnedMc: g.pinnedMc - pin };
    const free = unpinnedMc(next);
    if (!isPastExpiry(g, nowMs) || free === 0) return next;
    expiries.push({ grantId: g.id, kind: g.kind, expiredMc: free, expiresAtMs: g.expiresAtMs!, atMs: nowMs });
    return { ...next, remainingMc: next.pinnedMc };
  });
  return { captureMc: take, releaseMc: pinnedTotal - take, allocations, expiries, grants: after };
}

/**
 * Can a grant of `amountMc` be added to an account holding `grants`? Refuses past the largest single grant, the largest
 * balance, and the most grants holding credits, so that no sequence of accepted grants makes an account's sums overflow.
 */
export function checkNewGrant(grants: readonly Grant[], amountMc: number): void {
  assertMc(amountMc, 'grant');
  if (amountMc > MAX_GRANT_MC) throw amountTooLarge('a grant may be', MAX_GRANT_MC);
  const live = grants.filter((g) => g.remainingMc > 0);
  if (live.length >= MAX_LIVE_GRANTS) throw new TooManyGrantsError(MAX_LIVE_GRANTS);
  if (addMc(balanceMc(live), amountMc) > MAX_BALANCE_MC) throw amountTooLarge('an account may hold', MAX_BALANCE_MC);
}
