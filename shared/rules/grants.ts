// Grants (credit buckets), burn order, capture allocation, hold/settle/void arithmetic and expiry (CREDIT-RULES §2, §3, §5).
import { assertMc, addMc, CreditAmountError } from './money';

export const GRANT_KINDS = ['daily', 'trial', 'subscription', 'pack', 'bonus', 'adjustment'] as const;
export type GrantKind = (typeof GRANT_KINDS)[number];

export interface Grant {
  id: string;
  kind: GrantKind;
  amountMc: number;
  remainingMc: number;
  effectiveAtMs: number;
  /** null = never expires */
  expiresAtMs: number | null;
  priority: number;
  paid: boolean;
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

/** A grant is in force from its effective time (inclusive) until its expiry (exclusive). */
export function isInForce(g: Pick<Grant, 'effectiveAtMs' | 'expiresAtMs'>, nowMs: number): boolean {
  return g.effectiveAtMs <= nowMs && (g.expiresAtMs === null || nowMs < g.expiresAtMs);
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

/** Σ remaining of the grants in force now. */
export function grantedInForceMc(grants: readonly Grant[], nowMs: number): number {
  return addMc(...grants.filter((g) => isInForce(g, nowMs)).map((g) => g.remainingMc));
}

/** Available = Σ remaining of grants in force − Σ active holds. May be negative if grants expired under a hold. */
export function availableMc(grants: readonly Grant[], activeHoldsMc: readonly number[], nowMs: number): number {
  for (const h of activeHoldsMc) assertMc(h, 'hold');
  return addMc(grantedInForceMc(grants, nowMs), -addMc(...activeHoldsMc));
}

/**
 * Splits a capture of `amountMc` across the grants in force, in burn order.
 * Throws InsufficientCreditsError when the grants in force cannot cover it; never takes more than a grant holds.
 */
export function allocateCapture(grants: readonly Grant[], amountMc: number, nowMs: number): Allocation[] {
  assertMc(amountMc, 'capture');
  const usable = grants.filter((g) => isInForce(g, nowMs) && g.remainingMc > 0).sort(compareBurnOrder);
  const total = addMc(...usable.map((g) => g.remainingMc));
  if (total < amountMc) throw new InsufficientCreditsError(amountMc, total);
  const out: Allocation[] = [];
  let left = amountMc;
  for (const g of usable) {
    if (left === 0) break;
    const take = Math.min(left, g.remainingMc);
    out.push({ grantId: g.id, amountMc: take, paid: g.paid });
    left -= take;
  }
  return out;
}

/** Applies allocations to grants, returning new grant objects; checks every allocation fits. */
export function applyAllocations(grants: readonly Grant[], allocations: readonly Allocation[]): Grant[] {
  const byId = new Map(grants.map((g) => [g.id, { ...g }]));
  for (const a of allocations) {
    const g = byId.get(a.grantId);
    if (!g) throw new CreditAmountError(`allocation names unknown grant ${a.grantId}`);
    assertMc(a.amountMc, 'allocation');
    if (a.amountMc > g.remainingMc) throw new CreditAmountError(`allocation of ${a.amountMc} exceeds grant ${g.id} remaining ${g.remainingMc}`);
    g.remainingMc -= a.amountMc;
  }
  return grants.map((g) => byId.get(g.id)!);
}

/** True when any allocation was funded by a paid grant: such content may be used commercially (CREDIT-RULES §8). */
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

/** Can a hold of `amountMc` be placed? Holds are limited by available credits; concurrent holds must be serialised by the caller. */
export function checkHold(grants: readonly Grant[], activeHoldsMc: readonly number[], amountMc: number, nowMs: number): void {
  assertMc(amountMc, 'hold');
  const avail = availableMc(grants, activeHoldsMc, nowMs);
  if (avail < amountMc) throw new InsufficientCreditsError(amountMc, Math.max(0, avail));
}

export interface Expiry {
  grantId: string;
  kind: GrantKind;
  expiredMc: number;
  expiresAtMs: number;
}

/** Grants whose expiry has passed with credits left: those credits are recorded as expired, never silently lost. */
export function dueExpiries(grants: readonly Grant[], nowMs: number): Expiry[] {
  return grants
    .filter((g) => g.expiresAtMs !== null && g.expiresAtMs <= nowMs && g.remainingMc > 0)
    .map((g) => ({ grantId: g.id, kind: g.kind, expiredMc: g.remainingMc, expiresAtMs: g.expiresAtMs! }));
}

/** Zeroes the remaining of expired grants. granted = remaining + captured + expired holds before and after. */
export function applyExpiries(grants: readonly Grant[], nowMs: number): { grants: Grant[]; expiries: Expiry[] } {
  const expiries = dueExpiries(grants, nowMs);
  const ids = new Set(expiries.map((e) => e.grantId));
  return { grants: grants.map((g) => (ids.has(g.id) ? { ...g, remainingMc: 0 } : g)), expiries };
}
