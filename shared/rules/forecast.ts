// The balance forecast (CREDIT-RULES §13): the pace spent day by day over the cached wallet with the planner's grant rules, spend limits and auto top-ups within their cap. Pure.
import type { Catalog } from '../catalog/schema';
import { findPlan } from '../catalog/schema';
import { decideTopUp, capMonthOf, withinCap, type AutoTopUpSettings, type SavedMethod, type TopUpPause } from './auto-top-up';
import { allocatePins, applyExpiries, applyPins, availableMc, settlePins, type Grant, type GrantKind } from './grants';
import { addMc } from './money';
import { advance, startProjection, type GrantProjection, type PlannedSubscription } from './planner';
import { MS_PER_DAY, packExpiry } from './schedule';
import { spendWindowOf, stateAt, type SpendLimitState } from './spend-limits';
import { PricingError } from './pricing';

export const FORECAST_HORIZON_DAYS = 90;
/** the pace looks back this many days (fewer for a younger account) */
export const PACE_WINDOW_DAYS = 14;

/** Auto top-up as the wallet carries it: the settings, the saved card, a pause, and this calendar month's top-ups so far. */
export interface ForecastTopUp {
  settings: AutoTopUpSettings | null;
  card: SavedMethod | null;
  paused: TopUpPause | null;
  month: { count: number; amountMinor: number };
}

export interface ForecastInput {
  catalog: Catalog;
  planId: string;
  subscription?: PlannedSubscription | null | undefined;
  grants: readonly Grant[];
  nowMs: number;
  /** credits spent a day (millicredits), from the pace */
  paceMcPerDay: number;
  horizonDays?: number | undefined;
  spendLimits?: readonly SpendLimitState[] | undefined;
  autoTopUp?: ForecastTopUp | null | undefined;
}

export interface ForecastDay {
  atMs: number;
  /** what the day may spend: the pace, less what the spend limits leave */
  wantedMc: number;
  spentMc: number;
  toppedUpMc: number;
  /** available after the day's spend */
  availableMc: number;
}

export interface Forecast {
  paceMcPerDay: number;
  nowMs: number;
  endMs: number;
  /** the first day the credits fall short of the day's spend; null: they last beyond the horizon */
  runOutAtMs: number | null;
  /** credits that expire unused before the horizon (daily credits left out: they lapse every day), in time order */
  expiringUnused: { grantId: string; kind: GrantKind; amountMc: number; atMs: number }[];
  topUps: { atMs: number; creditsMc: number }[];
  days: ForecastDay[];
}

/** What the spend limits covering everything still allow at `t`: their window's spend as the wallet counted it, plus the forecast's own. */
function limitAllowance(limits: readonly SpendLimitState[], spentByWindow: Map<string, number>, t: number): number {
  let allowed = Number.MAX_SAFE_INTEGER;
  limits.forEach((raw, i) => {
    if (raw.scope.kind !== 'all') return;
    const s = stateAt(raw, t);
    const w = spendWindowOf(s.window, t);
    const counted = w.startMs === s.windowStartMs ? s.spentMc + s.heldMc : 0;
    const projected = spentByWindow.get(`${i}:${w.startMs}`) ?? 0;
    allowed = Math.min(allowed, Math.max(0, s.limitMc - counted - projected));
  });
  return allowed;
}

function countSpend(limits: readonly SpendLimitState[], spentByWindow: Map<string, number>, t: number, spentMc: number): void {
  limits.forEach((s, i) => {
    if (s.scope.kind !== 'all' || spentMc === 0) return;
    const key = `${i}:${spendWindowOf(s.window, t).startMs}`;
    spentByWindow.set(key, addMc(spentByWindow.get(key) ?? 0, spentMc));
  });
}

/** Spends up to `wantedMc` at `t` in burn order (as a run's hold settled in full); returns what was spent. */
function spend(sim: GrantProjection, wantedMc: number, t: number): number {
  const amount = Math.min(wantedMc, availableMc(sim.grants, t));
  if (amount <= 0) return 0;
  const pins = allocatePins(sim.grants, amount, t);
  const settled = settlePins(applyPins(sim.grants, pins), pins, amount, t);
  sim.grants = settled.grants.filter((g) => g.remainingMc > 0);
  sim.expiries.push(...settled.expiries);
  return amount;
}

interface TopUpRun {
  topUp: ForecastTopUp;
  catalog: Catalog;
  nowMs: number;
  /** projected top-ups by calendar month (UTC) */
  byMonth: Map<string, { count: number; amountMinor: number }>;
}

/** At a crossing of the threshold, the pack auto top-up would buy (within the month's cap, not paused, a card saved); null: none. */
function topUpAt(run: TopUpRun, beforeMc: number, afterMc: number, t: number): Grant | null {
  const settings = run.topUp.settings;
  const pack = settings ? run.catalog.packs.find((p) => p.id === settings.packId) : undefined;
  if (!settings || !pack) return null;
  const month = capMonthOf(t);
  const projected = run.byMonth.get(month) ?? { count: 0, amountMinor: 0 };
  const sameMonth = month === capMonthOf(run.nowMs);
  const so = { count: projected.count + (sameMonth ? run.topUp.month.count : 0), amountMinor: projected.amountMinor + (sameMonth ? run.topUp.month.amountMinor : 0), currency: run.catalog.currency };
  const state = { settings, method: run.topUp.card, paused: run.topUp.paused, pending: false };
  const decision = decideTopUp(state, beforeMc, afterMc, () => withinCap(settings.cap, so, pack.priceMinor, run.catalog.currency));
  if (!decision.buy) return null;
  run.byMonth.set(month, { count: projected.count + 1, amountMinor: projected.amountMinor + pack.priceMinor });
  return { id: `forecast:top-up:${t}`, kind: 'pack', amountMc: pack.creditsMc, remainingMc: pack.creditsMc, effectiveAtMs: t, expiresAtMs: packExpiry(t), priority: 0, paid: true, pinnedMc: 0 };
}

/** One day at `t`: the pace within the spend limits, an auto top-up at a crossing, and the rest of the day's spend after it. */
function forecastDay(sim: GrantProjection, input: ForecastInput, run: TopUpRun | null, spentByWindow: Map<string, number>, t: number): ForecastDay {
  advance(sim, t);
  const limits = input.spendLimits ?? [];
  const wantedMc = Math.min(Math.max(0, Math.floor(input.paceMcPerDay)), limitAllowance(limits, spentByWindow, t));
  const beforeMc = availableMc(sim.grants, t);
  let spentMc = spend(sim, wantedMc, t);
  let toppedUpMc = 0;
  const grant = run && spentMc > 0 ? topUpAt(run, beforeMc, beforeMc - spentMc, t) : null;
  if (grant) {
    sim.grants.push(grant);
    toppedUpMc = grant.amountMc;
    spentMc += spend(sim, wantedMc - spentMc, t);
  }
  countSpend(limits, spentByWindow, t, spentMc);
  return { atMs: t, wantedMc, spentMc, toppedUpMc, availableMc: availableMc(sim.grants, t) };
}

/** The forecast of the wallet at the pace over the horizon, a day at a time (each day's spend at the time of day of now). */
export function forecastCredits(input: ForecastInput): Forecast {
  const plan = findPlan(input.catalog, input.planId);
  if (!plan) throw new PricingError('unknown_plan', `unknown plan ${input.planId}`);
  const horizonDays = Math.max(1, Math.min(400, Math.floor(input.horizonDays ?? FORECAST_HORIZON_DAYS)));
  const sim = startProjection(input, plan);
  const run: TopUpRun | null = input.autoTopUp ? { topUp: input.autoTopUp, catalog: input.catalog, nowMs: input.nowMs, byMonth: new Map() } : null;
  const spentByWindow = new Map<string, number>();
  const days: ForecastDay[] = [];
  for (let d = 0; d < horizonDays; d++) days.push(forecastDay(sim, input, run, spentByWindow, input.nowMs + d * MS_PER_DAY));
  const endMs = input.nowMs + horizonDays * MS_PER_DAY;
  const last = applyExpiries(sim.grants, endMs);
  sim.expiries.push(...last.expiries);
  const expiringUnused = sim.expiries
    .filter((e) => e.kind !== 'daily' && e.expiredMc > 0 && e.atMs <= endMs)
    .sort((a, b) => a.atMs - b.atMs)
    .map((e) => ({ grantId: e.grantId, kind: e.kind, amountMc: e.expiredMc, atMs: e.expiresAtMs }));
  const short = days.find((day) => day.spentMc < day.wantedMc);
  return {
    paceMcPerDay: input.paceMcPerDay, nowMs: input.nowMs, endMs, runOutAtMs: short ? short.atMs : null, expiringUnused,
    topUps: days.filter((day) => day.toppedUpMc > 0).map((day) => ({ atMs: day.atMs, creditsMc: day.toppedUpMc })), days,
  };
}
