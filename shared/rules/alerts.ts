// Alerts the user sets (issue 20): balance below a level, N% of a spend limit used, credits expiring within N days, an auto top-up done or failed; each fires once per crossing, window, grant or purchase.
import { z } from 'zod';
import type { Grant } from './grants';
import { MS_PER_DAY } from './schedule';
import { stateAt, type SpendLimitState } from './spend-limits';
import { evaluateLowBalance, expiringSoon, INITIAL_LOW_BALANCE_STATE, type ExpiringCredits, type LowBalanceState } from './warnings';

/** The whole percentages of a spend limit an alert may be set at, and the days before expiry. */
export const SPEND_ALERT_PERCENT = { min: 1, max: 100, default: 80 } as const;
export const EXPIRY_ALERT_DAYS = { min: 1, max: 30, default: 3 } as const;
/** How many auto top-ups are remembered as alerted (the newest): far more than a month's cap of top-ups. */
export const MAX_ALERTED_PURCHASES = 200;
/** An auto top-up that ended longer ago than this is news to no one (a new install reading an old history): it does not alert. */
export const AUTO_TOP_UP_ALERT_MAX_AGE_MS = MS_PER_DAY;

/** Each alert on or off, and its level. The balance level itself is the low-balance warning level (Settings). */
export interface AlertSettings {
  lowBalanceAlert: boolean;
  spendLimitAlert: boolean;
  /** alert when spent + held reaches this share of a limit, in whole percent */
  spendLimitAlertPercent: number;
  expiryAlert: boolean;
  /** alert about credits that expire within this many days */
  expiryAlertDays: number;
  autoTopUpAlert: boolean;
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  lowBalanceAlert: true,
  spendLimitAlert: false,
  spendLimitAlertPercent: SPEND_ALERT_PERCENT.default,
  expiryAlert: true,
  expiryAlertDays: EXPIRY_ALERT_DAYS.default,
  autoTopUpAlert: true,
};

export const SPEND_ALERT_PERCENT_RANGE = `must be a whole percentage from ${SPEND_ALERT_PERCENT.min} to ${SPEND_ALERT_PERCENT.max}`;
export const EXPIRY_ALERT_DAYS_RANGE = `must be a whole number from ${EXPIRY_ALERT_DAYS.min} to ${EXPIRY_ALERT_DAYS.max}`;

const inRange = (v: unknown, r: { min: number; max: number }): v is number => typeof v === 'number' && Number.isInteger(v) && v >= r.min && v <= r.max;

/** The alert settings in saved settings: each field that is missing or not valid (settings saved before alerts existed) is its default. */
export function readAlertSettings(raw: unknown): AlertSettings {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Partial<Record<keyof AlertSettings, unknown>>;
  const bool = (k: 'lowBalanceAlert' | 'spendLimitAlert' | 'expiryAlert' | 'autoTopUpAlert') => (typeof r[k] === 'boolean' ? (r[k] as boolean) : DEFAULT_ALERT_SETTINGS[k]);
  return {
    lowBalanceAlert: bool('lowBalanceAlert'),
    spendLimitAlert: bool('spendLimitAlert'),
    spendLimitAlertPercent: inRange(r.spendLimitAlertPercent, SPEND_ALERT_PERCENT) ? r.spendLimitAlertPercent : SPEND_ALERT_PERCENT.default,
    expiryAlert: bool('expiryAlert'),
    expiryAlertDays: inRange(r.expiryAlertDays, EXPIRY_ALERT_DAYS) ? r.expiryAlertDays : EXPIRY_ALERT_DAYS.default,
    autoTopUpAlert: bool('autoTopUpAlert'),
  };
}

/** A whole number typed by a person, in its range: refused with the range in words (the words main answers), never clamped. */
export function parseAlertNumber(text: string, which: 'percent' | 'days'): number {
  const range = which === 'percent' ? SPEND_ALERT_PERCENT : EXPIRY_ALERT_DAYS;
  const message = which === 'percent' ? `The spend-limit alert level ${SPEND_ALERT_PERCENT_RANGE}.` : `The days before expiry ${EXPIRY_ALERT_DAYS_RANGE}.`;
  const t = text.trim().replace(/\s*%$/, '');
  if (!/^\d{1,6}$/.test(t)) throw new RangeError(message);
  const n = Number(t);
  if (!inRange(n, range)) throw new RangeError(message);
  return n;
}

/** What the alerts remember, so each fires once: kept by main across restarts. */
export interface AlertState {
  lowBalance: LowBalanceState;
  /** a spend limit (limitKey) → the end of the window it last fired in; forgotten once that window has ended */
  spendLimits: Record<string, number>;
  /** a grant already alerted → its expiry; forgotten once that expiry has passed (it cannot be in force again) */
  expiring: Record<string, number>;
  /** auto top-ups already alerted, oldest first */
  purchases: string[];
}

export const INITIAL_ALERT_STATE: AlertState = { lowBalance: INITIAL_LOW_BALANCE_STATE, spendLimits: {}, expiring: {}, purchases: [] };

const alertStateSchema = z.object({
  lowBalance: z.object({ armed: z.boolean() }),
  spendLimits: z.record(z.string(), z.int()),
  expiring: z.record(z.string(), z.int()),
  purchases: z.array(z.string()).max(MAX_ALERTED_PURCHASES),
});

/** The saved state, or a fresh one if none or unreadable; a state saved before alerts existed keeps its low-balance memory. */
export function readAlertState(raw: unknown, legacyLowBalance?: unknown): AlertState {
  const parsed = alertStateSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const legacy = legacyLowBalance as { armed?: unknown } | null | undefined;
  return { ...INITIAL_ALERT_STATE, lowBalance: typeof legacy?.armed === 'boolean' ? { armed: legacy.armed } : INITIAL_LOW_BALANCE_STATE };
}

/** A limit's identity for its alert: who set it, its window, what it covers and its amount (a changed amount is a new limit). */
export function limitKey(s: Pick<SpendLimitState, 'setBy' | 'window' | 'scope' | 'limitMc'>): string {
  const scope = s.scope.kind === 'all' ? 'all' : s.scope.kind === 'model' ? `model:${s.scope.modelId}` : `modality:${s.scope.modality}`;
  return `${s.setBy}|${s.window}|${scope}|${s.limitMc}`;
}

/** A limit in its current window whose spent + held credits reached the alert's share of it. */
export interface LimitAtAlert {
  key: string;
  limit: SpendLimitState;
  usedMc: number;
  /** the share used, in whole percent (rounded down) */
  percent: number;
}

/** The limits whose window (as of `nowMs`) has used at least `percent` of them: spent + held ≥ percent% of the limit, exactly. */
export function limitsAtAlert(limits: readonly SpendLimitState[], percent: number, nowMs: number): LimitAtAlert[] {
  return limits.flatMap((raw) => {
    const limit = stateAt(raw, nowMs);
    const usedMc = limit.spentMc + limit.heldMc;
    if (limit.limitMc <= 0 || BigInt(usedMc) * 100n < BigInt(percent) * BigInt(limit.limitMc)) return [];
    return [{ key: limitKey(limit), limit, usedMc, percent: Number((BigInt(usedMc) * 100n) / BigInt(limit.limitMc)) }];
  });
}

export type FiredAlert =
  | { kind: 'low_balance'; key: string; availableMc: number; thresholdMc: number }
  | { kind: 'spend_limit'; key: string; at: LimitAtAlert }
  | { kind: 'expiring'; key: string; days: number; items: ExpiringCredits[] }
  | { kind: 'auto_top_up'; key: string; outcome: AutoTopUpOutcome };

export interface WalletAlertInput {
  availableMc: number;
  grants: readonly Grant[];
  spendLimits: readonly SpendLimitState[];
  /** the balance alert's level (the low-balance warning level) */
  thresholdMc: number;
  /** the server's clock now */
  nowMs: number;
}

/**
 * The alerts a live wallet fires, and the state after it. An alert that is off neither fires nor changes its memory. Low balance:
 * once per crossing below the level, again only after the balance rose above it. Spend limit: once per limit per window, when
 * spent + held reaches the share. Expiry: once per grant (daily credits left out). At most one alert of each kind per wallet.
 */
export function evaluateWalletAlerts(state: AlertState, w: WalletAlertInput, settings: AlertSettings): { fired: FiredAlert[]; state: AlertState } {
  const fired: FiredAlert[] = [];
  let next = state;
  if (settings.lowBalanceAlert) {
    const r = evaluateLowBalance(state.lowBalance, w.availableMc, w.thresholdMc);
    next = { ...next, lowBalance: r.state };
    if (r.fire) fired.push({ kind: 'low_balance', key: `low_balance:${w.thresholdMc}`, availableMc: w.availableMc, thresholdMc: w.thresholdMc });
  }
  if (settings.spendLimitAlert) {
    const kept = Object.fromEntries(Object.entries(next.spendLimits).filter(([, endMs]) => endMs > w.nowMs));
    for (const at of limitsAtAlert(w.spendLimits, settings.spendLimitAlertPercent, w.nowMs)) {
      if (kept[at.key] === at.limit.resetsAtMs) continue;
      kept[at.key] = at.limit.resetsAtMs;
      fired.push({ kind: 'spend_limit', key: `spend_limit:${at.key}:${at.limit.resetsAtMs}`, at });
    }
    next = { ...next, spendLimits: kept };
  }
  if (settings.expiryAlert) {
    const kept = Object.fromEntries(Object.entries(next.expiring).filter(([, expiresAtMs]) => expiresAtMs > w.nowMs));
    const items = expiringSoon(w.grants, w.nowMs, settings.expiryAlertDays * MS_PER_DAY).items.filter((i) => !Object.hasOwn(kept, i.grantId));
    for (const i of items) kept[i.grantId] = i.expiresAtMs;
    next = { ...next, expiring: kept };
    if (items.length) fired.push({ kind: 'expiring', key: `expiring:${items[0]!.grantId}:${items.length}`, days: settings.expiryAlertDays, items });
  }
  return { fired, state: next };
}

/** An auto top-up's end as an alert tells it: bought (the pack's name and price), or failed and why. */
export interface AutoTopUpOutcome {
  purchaseId: string;
  ok: boolean;
  name: string;
  priceMinor: number;
  currency: string;
  /** why it failed, in the provider's or server's words; null when it did not say */
  why: string | null;
  /** when it ended as far as the purchase tells (paid, else created); null when it tells neither */
  endedAtMs: number | null;
}

/**
 * A purchase event read defensively: an auto top-up is a purchase whose `reason` is 'auto_top_up'. Paid is done; failed or
 * canceled is failed, and so is one still pending that carries a failure (a payment that needs the user). Else null.
 */
export function autoTopUpOutcome(p: unknown): AutoTopUpOutcome | null {
  if (!p || typeof p !== 'object') return null;
  const r = p as Record<string, unknown>;
  if (r.reason !== 'auto_top_up' || typeof r.id !== 'string' || r.id === '') return null;
  const failure = r.failure && typeof r.failure === 'object' ? (r.failure as { message?: unknown }) : null;
  const why = typeof failure?.message === 'string' && failure.message.trim() ? failure.message.trim() : null;
  const ok = r.status === 'paid';
  const failed = r.status === 'failed' || r.status === 'canceled' || (r.status === 'pending' && failure !== null);
  if (!ok && !failed) return null;
  const priceMinor = typeof r.priceMinor === 'number' && Number.isSafeInteger(r.priceMinor) && r.priceMinor >= 0 ? r.priceMinor : 0;
  const time = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);
  const endedAtMs = time(r.paidAtMs) ?? time(r.createdAtMs);
  return { purchaseId: r.id, ok, name: typeof r.name === 'string' ? r.name : 'a pack', priceMinor, currency: typeof r.currency === 'string' ? r.currency : 'USD', why, endedAtMs };
}

/**
 * The alert a purchase main read fires: once per auto top-up, done or failed, while the alert is on, unless it ended more than
 * AUTO_TOP_UP_ALERT_MAX_AGE_MS before `nowMs` (the server's time). Main may read one purchase many times, by many paths: each read is
 * judged, and the memory of alerted ids keeps it to one.
 */
export function evaluatePurchaseAlert(state: AlertState, p: unknown, settings: AlertSettings, nowMs: number): { fired: FiredAlert | null; state: AlertState } {
  const outcome = settings.autoTopUpAlert ? autoTopUpOutcome(p) : null;
  if (!outcome || state.purchases.includes(outcome.purchaseId)) return { fired: null, state };
  if (outcome.endedAtMs !== null && nowMs - outcome.endedAtMs > AUTO_TOP_UP_ALERT_MAX_AGE_MS) return { fired: null, state };
  const purchases = [...state.purchases, outcome.purchaseId].slice(-MAX_ALERTED_PURCHASES);
  return { fired: { kind: 'auto_top_up', key: `auto_top_up:${outcome.purchaseId}`, outcome }, state: { ...state, purchases } };
}
