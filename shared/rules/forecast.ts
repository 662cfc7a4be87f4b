// The balance forecast (docs/credit-rules.md §13): the pace spent day by day over the cached wallet with the planner's grant rules, spend limits and auto top-ups within their cap. Pure.
import type { Catalog } from '../catalog/schema';
import { findPlan } from '../catalog/schema';
import { applyExpiries, availableMc, type Grant, type GrantKind } from './grants';
import { advance, settleInFull, startProjection, type GrantProjection, type PlannedSubscription } from './planner';
import { PlannedSpend } from './planner-limits';
import { PlannedTopUps, type PlannedTopUp } from './planner-topups';
import { MS_PER_DAY } from './schedule';
import type { SpendLimitState } from './spend-limits';
import { PricingError } from './pricing';

export const FORECAST_HORIZON_DAYS = 90;
/** the pace looks back this many days (fewer for a younger account) */
export const PACE_WINDOW_DAYS = 14;

/** Auto top-up as the wallet carries it (the planner's shape). */
export type ForecastTopUp = PlannedTopUp;

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

/** Spends up to `wantedMc` at `t` in burn order (as a run's hold settled in full); returns what was spent. */
function spend(sim: GrantProjection, wantedMc: number, t: number): number {
  const amount = Math.min(wantedMc, availableMc(sim.grants, t));
  if (amount > 0) settleInFull(sim, amount, t);
  return Math.max(0, amount);
}

/** One day at `t`: the pace within the spend limits, an auto top-up at a crossing, and the rest of the day's spend after it. */
function forecastDay(sim: GrantProjection, input: ForecastInput, topUps: PlannedTopUps, limits: PlannedSpend, t: number): ForecastDay {
  advance(sim, t);
  const wantedMc = Math.min(Math.max(0, Math.floor(input.paceMcPerDay)), limits.leftForEverything(t));
  const beforeMc = availableMc(sim.grants, t);
  let spentMc = spend(sim, wantedMc, t);
  let toppedUpMc = 0;
  const grant = spentMc > 0 ? topUps.at(beforeMc, beforeMc - spentMc, t) : null;
  if (grant) {
    sim.grants.push(grant);
    toppedUpMc = grant.amountMc;
    spentMc += spend(sim, wantedMc - spentMc, t);
  }
  limits.addToEverything(spentMc, t);
  return { atMs: t, wantedMc, spentMc, toppedUpMc, availableMc: availableMc(sim.grants, t) };
}

/** The forecast of the wallet at the pace over the horizon, a day at a time (each day's spend at the time of day of now). */
export function forecastCredits(input: ForecastInput): Forecast {
  const plan = findPlan(input.catalog, input.planId);
  if (!plan) throw new PricingError('unknown_plan', `unknown plan ${input.planId}`);
  const horizonDays = Math.max(1, Math.min(400, Math.floor(input.horizonDays ?? FORECAST_HORIZON_DAYS)));
  const sim = startProjection(input, plan);
  const topUps = new PlannedTopUps(input.catalog, input.autoTopUp, input.nowMs);
  const limits = new PlannedSpend(input.catalog, input.spendLimits ?? [], input.nowMs);
  const days: ForecastDay[] = [];
  for (let d = 0; d < horizonDays; d++) days.push(forecastDay(sim, input, topUps, limits, input.nowMs + d * MS_PER_DAY));
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
