// The offline cost planner: replays a plan of runs day by day over the cached wallet with the server's own rules (estimate, entitlements, pins in burn order, settle, expiry, daily resets, renewals, cancels and downgrades). Pure.
import type { Catalog, Plan } from '../catalog/schema';
import { findPlan } from '../catalog/schema';
import { checkEntitlements, EntitlementError, type RunsToday } from './entitlements';
import { allocatePins, applyExpiries, applyPins, availableMc, isInForce, settlePins, unpinnedMc, type Expiry, type Grant, type GrantKind, GRANT_KINDS } from './grants';
import { addMc } from './money';
import { estimate, expandRequest, PricingError, type Estimate, type RunRequest, type ResolvedRun } from './pricing';
import { MS_PER_DAY, nextUtcMidnight, periodEnd, startOfUtcDay, utcDayKey, type BillingPeriod } from './schedule';
import { FREE_PLAN_ID, type LiveSubscriptionStatus } from './subscriptions';
import { PlannedSpend } from './planner-limits';
import { PlannedTopUps, type PlannedTopUp } from './planner-topups';
import type { SpendLimitState } from './spend-limits';

export const PLANNER_MAX_LINES = 200;
export const PLANNER_MAX_HORIZON_DAYS = 400;
/** runs of one line, in all */
export const PLANNER_MAX_RUNS_PER_LINE = 1_000_000;

export interface PlanLine {
  id: string;
  request: RunRequest;
  /** how many runs in all */
  count: number;
  /** runs a day from the first day until `count` are made; absent: all on the first day */
  perDay?: number | undefined;
}

/**
 * The account's subscription as the server will treat it (the wallet's `subscription`). At the period's end the server renews
 * it (at the plan and period a downgrade chose), or ends it after a cancel; a failed renewal ends it when its grace is over.
 */
export interface PlannedSubscription {
  planId: string;
  period: BillingPeriod;
  status: LiveSubscriptionStatus;
  currentPeriodEndMs: number;
  cancelAtPeriodEnd: boolean;
  nextPlanId: string | null;
  nextPeriod: BillingPeriod | null;
  graceUntilMs: number | null;
}

export interface PlannerInput {
  catalog: Catalog;
  planId: string;
  /** the live subscription; null or absent: none, so nothing is renewed (an ended or cancelled plan grants nothing more) */
  subscription?: PlannedSubscription | null | undefined;
  /** the cached wallet's grants (with what holds pin) and the server time it was read at */
  grants: readonly Grant[];
  nowMs: number;
  lines: readonly PlanLine[];
  horizonDays: number;
  /** the synced spend limits with their windows' spend: planned runs past one are not funded (spend_limit_reached) */
  spendLimits?: readonly SpendLimitState[] | undefined;
  /** auto top-up as the wallet carries it: a run whose hold crosses its threshold buys its pack, within the month's cap */
  autoTopUp?: PlannedTopUp | null | undefined;
}

export interface FundingLine {
  grantId: string;
  kind: GrantKind;
  amountMc: number;
  paid: boolean;
}

export interface PlanLineResult {
  id: string;
  label: string;
  modelId: string | null;
  /** output kind for sentences: image models make images */
  unit: string;
  unitTypicalMc: number;
  unitMaxMc: number;
  runsPlanned: number;
  runsFunded: number;
  typicalMc: number;
  maxMc: number;
  /** what the funded runs are charged (the held maximum: the planner charges what the server would hold) */
  chargedMc: number;
  /** by grant, in the order the grants were drawn */
  funding: FundingLine[];
  /** runs that did not fit: credits short, a plan limit, or a request the catalog refuses */
  unfunded: { runs: number; reason: 'insufficient_credits' | string; firstDay: number } | null;
}

export interface PlanDay {
  dayIndex: number;
  /** when the day's runs are made (server time) */
  atMs: number;
  /** available credits by grant kind after the day's runs */
  availableByKindMc: Record<GrantKind, number>;
  availableMc: number;
  grantedMc: number;
  spentMc: number;
  expiredMc: number;
}

export interface PlanShortfall {
  dayIndex: number;
  atMs: number;
  lineId: string;
  /** credits missing for all the plan's runs that did not fit */
  shortMc: number;
}

export interface PlanResult {
  nowMs: number;
  endMs: number;
  lines: PlanLineResult[];
  totals: { typicalMc: number; maxMc: number; chargedMc: number; runsPlanned: number; runsFunded: number };
  /** credits that expire unused before the horizon, in time order (daily credits included) */
  expiries: Expiry[];
  days: PlanDay[];
  shortfall: PlanShortfall | null;
  /** grants the plan adds on its way: daily resets and subscription renewals */
  projectedGrants: Grant[];
}

interface LineState {
  line: PlanLine;
  runs: ResolvedRun[] | null;
  result: PlanLineResult;
  left: number;
  /** the run's estimate by plan (a plan may make a model unlimited): the plan can change on the way */
  estimates: Map<string, Estimate>;
}

/**
 * The day's free credits of the plan in force at `atMs`, once a day; after a change to a plan with more daily credits, the
 * day's grant is topped up to the new plan's amount, as the server does.
 */
function dailyArrival(sim: Sim, atMs: number): Grant[] {
  const dayStart = startOfUtcDay(atMs);
  const missingMc = sim.plan.dailyFreeMc - (sim.dailyGranted.get(dayStart) ?? 0);
  if (missingMc <= 0) return [];
  const topUp = sim.dailyGranted.has(dayStart);
  sim.dailyGranted.set(dayStart, sim.plan.dailyFreeMc);
  return [{ id: `plan:daily:${utcDayKey(atMs)}${topUp ? `:${sim.plan.id}` : ''}`, kind: 'daily', amountMc: missingMc, remainingMc: missingMc, effectiveAtMs: dayStart, expiresAtMs: nextUtcMidnight(atMs), priority: 0, paid: false, pinnedMc: 0 }];
}

/** The plan changes at `atMs` (entitlements at once, and that day's free credits of the new plan). */
function switchPlan(sim: Sim, planId: string, atMs: number): Grant[] {
  const plan = findPlan(sim.catalog, planId);
  if (!plan) return [];
  sim.plan = plan;
  return dailyArrival(sim, atMs);
}

/**
 * The subscription's transitions due by `t`, as the server's schedule makes them at the period's end: a renewal at the plan
 * and period a downgrade chose (its credits, expiring at the new period's end), or Free after a cancel, or Free when a failed
 * renewal's grace is over. Nothing is granted after a cancel.
 */
function subscriptionArrivals(sim: Sim, t: number): Grant[] {
  const out: Grant[] = [];
  for (let sub = sim.subscription; sub; sub = sim.subscription) {
    const dueAtMs = sub.status === 'past_due' ? (sub.graceUntilMs ?? sub.currentPeriodEndMs) : sub.currentPeriodEndMs;
    if (dueAtMs > t) break;
    const planId = sub.nextPlanId ?? sub.planId;
    const period = sub.nextPeriod ?? sub.period;
    const option = findPlan(sim.catalog, planId)?.billing.find((b) => b.period === period);
    if (sub.status === 'past_due' || sub.cancelAtPeriodEnd || !option) {
      sim.subscription = null;
      out.push(...switchPlan(sim, FREE_PLAN_ID, dueAtMs));
      break;
    }
    const start = sub.currentPeriodEndMs;
    const end = periodEnd(start, period);
    out.push({ id: `plan:renewal:${start}`, kind: 'subscription', amountMc: option.creditsMc, remainingMc: option.creditsMc, effectiveAtMs: start, expiresAtMs: end, priority: 0, paid: true, pinnedMc: 0 });
    sim.subscription = { ...sub, planId, period, currentPeriodEndMs: end, nextPlanId: null, nextPeriod: null };
    out.push(...switchPlan(sim, planId, start));
  }
  return out;
}

/** Grants that arrive by `t`: what the subscription's schedule brings, then the day's free credits of the plan in force. */
function arrivals(sim: Sim, t: number): Grant[] {
  return [...subscriptionArrivals(sim, t), ...dailyArrival(sim, t)];
}

function emptyByKind(): Record<GrantKind, number> {
  return Object.fromEntries(GRANT_KINDS.map((k) => [k, 0])) as Record<GrantKind, number>;
}

function newLineState(input: PlannerInput, line: PlanLine): LineState {
  const count = Math.max(0, Math.min(PLANNER_MAX_RUNS_PER_LINE, Math.floor(line.count)));
  const result: PlanLineResult = {
    id: line.id, label: line.request.modelId ?? line.request.workflowId ?? '?', modelId: line.request.modelId ?? null, unit: 'runs', unitTypicalMc: 0, unitMaxMc: 0,
    runsPlanned: count, runsFunded: 0, typicalMc: 0, maxMc: 0, chargedMc: 0, funding: [], unfunded: null,
  };
  try {
    const runs = expandRequest(line.request, input.catalog);
    const est = estimate(line.request, input.catalog, input.planId);
    result.label = runs.length === 1 ? runs[0]!.model.name : (input.catalog.workflows.find((w) => w.id === line.request.workflowId)?.name ?? result.label);
    result.unit = runs.length === 1 && runs[0]!.model.modality === 'image' ? 'images' : 'runs';
    Object.assign(result, { unitTypicalMc: est.typicalMc, unitMaxMc: est.maxMc, typicalMc: est.typicalMc * count, maxMc: est.maxMc * count });
    return { line, runs, result, left: count, estimates: new Map([[input.planId, est]]) };
  } catch (e) {
    if (!(e instanceof PricingError)) throw e;
    result.unfunded = { runs: count, reason: e.code, firstDay: 0 };
    return { line, runs: null, result, left: 0, estimates: new Map() };
  }
}

/** The most one run of the line costs on `plan` (what the server holds and the planner charges). */
function unitMaxOn(sim: Sim, s: LineState): number {
  let est = s.estimates.get(sim.plan.id);
  if (!est) {
    est = estimate(s.line.request, sim.catalog, sim.plan.id);
    s.estimates.set(sim.plan.id, est);
  }
  return est.maxMc;
}

/** How many of `wanted` runs the plan's limits allow today; the reason when it is fewer. */
function allowedToday(plan: Plan, runs: ResolvedRun[], today: RunsToday, wanted: number): { n: number; reason: string | null } {
  // without daily limits every run passes or fails the same way: one check answers for all of them
  const counted = plan.dailyRunLimit !== null || hasLimitedAccess(plan, runs);
  const byModel = { ...today.byModel };
  let total = today.total;
  for (let n = 0; n < wanted; n++) {
    try {
      checkEntitlements(plan, runs, { total, byModel });
    } catch (e) {
      if (e instanceof EntitlementError) return { n, reason: e.code };
      throw e;
    }
    if (!counted) return { n: wanted, reason: null };
    total++;
    for (const r of runs) byModel[r.model.id] = (byModel[r.model.id] ?? 0) + 1;
  }
  return { n: wanted, reason: null };
}

function hasLimitedAccess(plan: Plan, runs: ResolvedRun[]): boolean {
  return runs.some((r) => (plan.access.models[r.model.id] ?? plan.access.tiers[r.model.tier])?.kind === 'limited');
}

function addFunding(result: PlanLineResult, allocations: readonly { grantId: string; amountMc: number; paid: boolean }[], grants: readonly Grant[]): void {
  for (const a of allocations) {
    const f = result.funding.find((x) => x.grantId === a.grantId);
    if (f) f.amountMc = addMc(f.amountMc, a.amountMc);
    else result.funding.push({ grantId: a.grantId, kind: grants.find((g) => g.id === a.grantId)!.kind, amountMc: a.amountMc, paid: a.paid });
  }
}

/** The grants projected day by day with the planner's rules (renewals, plan changes, daily resets, expiries): what `advance` moves. */
export interface GrantProjection {
  catalog: Catalog;
  /** the plan in force: the account's, then what the subscription's schedule makes it */
  plan: Plan;
  subscription: PlannedSubscription | null;
  grants: Grant[];
  /** daily credits granted by day (its UTC start), the wallet's included: spent grants are dropped from `grants` */
  dailyGranted: Map<number, number>;
  expiries: Expiry[];
  projected: Grant[];
  shortfall: PlanShortfall | null;
}
type Sim = GrantProjection;

/** Holds and settles `amountMc` at `t` as a run's hold settled in full, in burn order: the grants it came from (before spent ones are dropped). */
export function settleInFull(sim: Sim, amountMc: number, t: number): { allocations: ReturnType<typeof settlePins>['allocations']; grants: Grant[] } {
  const pins = allocatePins(sim.grants, amountMc, t);
  const settled = settlePins(applyPins(sim.grants, pins), pins, amountMc, t);
  sim.expiries.push(...settled.expiries);
  sim.grants = settled.grants.filter((g) => g.remainingMc > 0);
  return { allocations: settled.allocations, grants: settled.grants };
}

/** Holds and settles `amountMc` of a line's runs at their maximum, and counts where the credits came from. */
function charge(sim: Sim, s: LineState, amountMc: number, t: number): void {
  const settled = settleInFull(sim, amountMc, t);
  addFunding(s.result, settled.allocations, settled.grants);
}

/** One line's runs of one day at `t`: as many whole runs as the limits and the credits allow, held and settled at their maximum. */
function runLineOnDay(sim: Sim, s: LineState, dayIndex: number, t: number, today: RunsToday, spend: PlannedSpend, topUps: PlannedTopUps): number {
  if (!s.runs || s.left === 0) return 0;
  const wanted = s.line.perDay === undefined ? s.left : Math.min(s.left, Math.max(0, Math.floor(s.line.perDay)));
  if (s.line.perDay === undefined && dayIndex > 0) return 0;
  const unit = unitMaxOn(sim, s);
  const byPlan = allowedToday(sim.plan, s.runs, today, wanted);
  const bySpend = spend.fits(s.line.request, unit, byPlan.n, t);
  const limits = bySpend < byPlan.n ? { n: bySpend, reason: 'spend_limit_reached' } : byPlan;
  let affordable: number;
  if (topUps.on && unit > 0) {
    // run by run, as the server holds them: a hold that crosses the threshold buys the pack before the next run
    affordable = 0;
    while (affordable < limits.n && availableMc(sim.grants, t) >= unit) {
      const beforeMc = availableMc(sim.grants, t);
      charge(sim, s, unit, t);
      affordable++;
      const bought = topUps.at(beforeMc, beforeMc - unit, t);
      if (bought) {
        sim.grants.push(bought);
        sim.projected.push(bought);
      }
    }
  } else {
    affordable = unit === 0 ? limits.n : Math.min(limits.n, Math.floor(availableMc(sim.grants, t) / unit));
    if (affordable * unit > 0) charge(sim, s, affordable * unit, t);
  }
  const spent = affordable * unit;
  spend.add(s.line.request, spent, t);
  s.result.runsFunded += affordable;
  s.result.chargedMc = addMc(s.result.chargedMc, spent);
  today.total += affordable;
  for (const r of s.runs) (today.byModel as Record<string, number>)[r.model.id] = (today.byModel[r.model.id] ?? 0) + affordable;
  const missed = wanted - affordable;
  if (missed > 0) {
    const reason = affordable < limits.n ? 'insufficient_credits' : (limits.reason ?? 'insufficient_credits');
    s.result.unfunded = s.result.unfunded ? { ...s.result.unfunded, runs: s.result.unfunded.runs + missed } : { runs: missed, reason, firstDay: dayIndex };
    if (reason === 'insufficient_credits') {
      // what the runs that did not fit need beyond what is left after those that did
      const shortMc = Math.max(0, (limits.n - affordable) * unit - availableMc(sim.grants, t));
      sim.shortfall = sim.shortfall ? { ...sim.shortfall, shortMc: addMc(sim.shortfall.shortMc, shortMc) } : { dayIndex, atMs: t, lineId: s.line.id, shortMc };
    }
  }
  if (s.line.perDay !== undefined) s.left -= wanted;
  else s.left = 0;
  return spent;
}

/** Brings the grants to time `t`: arrivals first (a renewal at the instant of an expiry), then expiries. */
export function advance(sim: Sim, t: number): { grantedMc: number; expiredMc: number } {
  const arrived = arrivals(sim, t);
  sim.grants.push(...arrived);
  sim.projected.push(...arrived);
  const { grants, expiries } = applyExpiries(sim.grants, t);
  // spent grants change nothing from here on: dropped, so that every later step looks at fewer
  sim.grants = grants.filter((g) => g.remainingMc > 0);
  sim.expiries.push(...expiries);
  return { grantedMc: addMc(...arrived.map((g) => g.amountMc)), expiredMc: addMc(...expiries.map((e) => e.expiredMc)) };
}

function snapshot(grants: readonly Grant[], t: number): { byKind: Record<GrantKind, number>; total: number } {
  const byKind = emptyByKind();
  for (const g of grants) if (isInForce(g, t)) byKind[g.kind] = addMc(byKind[g.kind], unpinnedMc(g));
  return { byKind, total: availableMc(grants, t) };
}

/** A projection of the wallet's grants from the plan in force (the caller has found it in the catalog). */
export function startProjection(input: Pick<PlannerInput, 'catalog' | 'subscription' | 'grants'>, plan: Plan): GrantProjection {
  const dailyGranted = new Map<number, number>();
  for (const g of input.grants) if (g.kind === 'daily') dailyGranted.set(g.effectiveAtMs, addMc(dailyGranted.get(g.effectiveAtMs) ?? 0, g.amountMc));
  return { catalog: input.catalog, plan, subscription: input.subscription ?? null, grants: input.grants.map((g) => ({ ...g })), dailyGranted, expiries: [], projected: [], shortfall: null };
}

/** Plans the lines over the horizon, a day at a time (each day's runs at the same time of day as now). */
export function planCosts(input: PlannerInput): PlanResult {
  const plan = findPlan(input.catalog, input.planId);
  if (!plan) throw new PricingError('unknown_plan', `unknown plan ${input.planId}`);
  const horizonDays = Math.max(1, Math.min(PLANNER_MAX_HORIZON_DAYS, Math.floor(input.horizonDays)));
  const states = input.lines.slice(0, PLANNER_MAX_LINES).map((l) => newLineState(input, l));
  const sim = startProjection(input, plan);
  const spend = new PlannedSpend(input.catalog, input.spendLimits ?? [], input.nowMs);
  const topUps = new PlannedTopUps(input.catalog, input.autoTopUp, input.nowMs);
  const days: PlanDay[] = [];
  for (let d = 0; d < horizonDays; d++) {
    const t = input.nowMs + d * MS_PER_DAY;
    const { grantedMc, expiredMc } = advance(sim, t);
    const today: RunsToday = { total: 0, byModel: {} };
    let spentMc = 0;
    for (const s of states) spentMc = addMc(spentMc, runLineOnDay(sim, s, d, t, today, spend, topUps));
    const snap = snapshot(sim.grants, t);
    days.push({ dayIndex: d, atMs: t, availableByKindMc: snap.byKind, availableMc: snap.total, grantedMc, spentMc, expiredMc });
  }
  const endMs = input.nowMs + horizonDays * MS_PER_DAY;
  const { grants, expiries } = applyExpiries(sim.grants, endMs);
  sim.grants = grants;
  sim.expiries.push(...expiries);
  const lines = states.map((s) => s.result);
  return {
    nowMs: input.nowMs, endMs, lines,
    totals: {
      typicalMc: addMc(...lines.map((l) => l.typicalMc)), maxMc: addMc(...lines.map((l) => l.maxMc)), chargedMc: addMc(...lines.map((l) => l.chargedMc)),
      runsPlanned: lines.reduce((n, l) => n + l.runsPlanned, 0), runsFunded: lines.reduce((n, l) => n + l.runsFunded, 0),
    },
    expiries: sim.expiries.sort((a, b) => a.atMs - b.atMs),
    days, shortfall: sim.shortfall, projectedGrants: sim.projected,
  };
}
