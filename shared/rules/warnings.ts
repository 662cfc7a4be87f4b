// Low-balance warnings with hysteresis and credits-expiring-soon warnings (docs/credit-rules.md §9).
import { addMc, assertMc } from './money';
import { isInForce, type Grant, type GrantKind } from './grants';
import type { Plan, Catalog } from '../catalog/schema';
import { periodCreditsMc } from './entitlements';
import { MS_PER_DAY } from './schedule';

export const DEFAULT_EXPIRY_WARNING_MS = 3 * MS_PER_DAY;

/** Default threshold: a percentage of the plan's period credits, at least a floor (20%, at least 10 credits). */
export function defaultLowBalanceThresholdMc(plan: Plan, policies: Catalog['policies']): number {
  const pct = Math.ceil((periodCreditsMc(plan) * policies.lowBalancePercent) / 100);
  return Math.max(policies.lowBalanceMinMc, pct);
}

/** The low-balance warning's memory: it is armed until it fires, and re-armed only once the balance rises above the threshold. */
export interface LowBalanceState {
  armed: boolean;
}

export const INITIAL_LOW_BALANCE_STATE: LowBalanceState = { armed: true };

/** Fires once per crossing below the threshold; again only after the balance has risen above it. */
export function evaluateLowBalance(state: LowBalanceState, availableMc: number, thresholdMc: number): { fire: boolean; low: boolean; state: LowBalanceState } {
  assertMc(availableMc, 'available', { allowNegative: true });
  assertMc(thresholdMc, 'threshold');
  const low = availableMc < thresholdMc;
  if (low && state.armed) return { fire: true, low, state: { armed: false } };
  if (!low && availableMc > thresholdMc) return { fire: false, low, state: { armed: true } };
  return { fire: false, low, state };
}

export interface ExpiringCredits {
  grantId: string;
  kind: GrantKind;
  remainingMc: number;
  expiresAtMs: number;
}

/**
 * Credits that will expire unused within the window (default 3 days). Daily free credits are left out:
 * they reset every day by design, so warning about them would be noise.
 */
export function expiringSoon(grants: readonly Grant[], nowMs: number, windowMs = DEFAULT_EXPIRY_WARNING_MS): { totalMc: number; items: ExpiringCredits[] } {
  const items = grants
    .filter((g) => g.kind !== 'daily' && g.remainingMc > 0 && g.expiresAtMs !== null && isInForce(g, nowMs) && g.expiresAtMs - nowMs <= windowMs)
    .sort((a, b) => a.expiresAtMs! - b.expiresAtMs!)
    .map((g) => ({ grantId: g.id, kind: g.kind, remainingMc: g.remainingMc, expiresAtMs: g.expiresAtMs! }));
  return { totalMc: addMc(...items.map((i) => i.remainingMc)), items };
}
