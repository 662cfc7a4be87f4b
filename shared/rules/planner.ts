// The offline cost planner: replays a plan of runs day by day over the cached wallet with the server's own rules (estimate, entitlements, pins in burn order, settle, expiry, daily resets, renewals). Pure.
import type { Catalog, Plan } from '../catalog/schema';
import { findPlan } from '../catalog/schema';
import { checkEntitlements, EntitlementError, type RunsToday } from './entitlements';
import { allocatePins, applyExpiries, applyPins, availableMc, isInForce, settlePins, unpinnedMc, type Expiry, type Grant, type GrantKind, GRANT_KINDS } from './grants';
import { addMc } from './money';
import { estimate, expandRequest, PricingError, type RunRequest, type ResolvedRun } from './pricing';
import { MS_PER_DAY, nextUtcMidnight, periodEnd, startOfUtcDay, utcDayKey, type BillingPeriod } from './schedule';

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

export interface PlannerInput {
  catalog: Catalog;
  planId: string;
  /** the cached wallet's grants (with what holds pin) and the server time it was read at */
  grants: readonly Grant[];
  nowMs: number;
  lines: readonly PlanLine[];
  horizonDays: number;
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
}

/** The billing period a subscription grant covers, from its length. */
function periodOfGrant(g: Grant): BillingPeriod | null {
  if (g.expiresAtMs === null) return null;
  const days = (g.expiresAtMs - g.effectiveAtMs) / MS_PER_DAY;
  if (days <= 8) return 'weekly';
  if (days <= 32) return 'monthly';
  return 'yearly';
}

/** Grants that arrive at `t`: the day's free credits (once a day) and the renewal of a subscription whose period ended. */
function arrivals(sim: Sim, t: number): Grant[] {
  const { plan, grants } = sim;
  const out: Grant[] = [];
  const dayStart = startOfUtcDay(t);
  if (plan.dailyFreeMc > 0 && !grants.some((g) => g.kind === 'daily' && g.effectiveAtMs === dayStart)) {
    out.push({ id: `plan:daily:${utcDayKey(t)}`, kind: 'daily', amountMc: plan.dailyFreeMc, remainingMc: plan.dailyFreeMc, effectiveAtMs: dayStart, expiresAtMs: nextUtcMidnight(t), priority: 0, paid: false, pinnedMc: 0 });
  }
  for (let cur = sim.lastSubscription; cur && cur.expiresAtMs !== null && cur.expiresAtMs <= t; ) {
    const period = periodOfGrant(cur);
    if (!period) break;
    const start = cur.expiresAtMs;
    const next: Grant = { id: `plan:renewal:${start}`, kind: 'subscription', amountMc: cur.amountMc, remainingMc: cur.amountMc, effectiveAtMs: start, expiresAtMs: periodEnd(start, period), priority: cur.priority, paid: cur.paid, pinnedMc: 0 };
    out.push(next);
    cur = next;
    sim.lastSubscription = next;
  }
  return out;
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
    return { line, runs, result, left: count };
  } catch (e) {
    if (!(e instanceof PricingError)) throw e;
    result.unfunded = { runs: count, reason: e.code, firstDay: 0 };
    return { line, runs: null, result, left: 0 };
  }
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

interface Sim {
  plan: Plan;
  grants: Grant[];
  expiries: Expiry[];
  projected: Grant[];
  shortfall: PlanShortfall | null;
  /** the subscription period that ends last: the one that renews next */
  lastSubscription: Grant | null;
}

/** One line's runs of one day at `t`: as many whole runs as the limits and the credits allow, held and settled at their maximum. */
function runLineOnDay(sim: Sim, s: LineState, dayIndex: number, t: number, today: RunsToday): number {
  if (!s.runs || s.left === 0) return 0;
  const wanted = s.line.perDay === undefined ? s.left : Math.min(s.left, Math.max(0, Math.floor(s.line.perDay)));
  if (s.line.perDay === undefined && dayIndex > 0) return 0;
  const limits = allowedToday(sim.plan, s.runs, today, wanted);
  const unit = s.result.unitMaxMc;
  const affordable = unit === 0 ? limits.n : Math.min(limits.n, Math.floor(availableMc(sim.grants, t) / unit));
  const spent = affordable * unit;
  if (spent > 0) {
    const pins = allocatePins(sim.grants, spent, t);
    const settled = settlePins(applyPins(sim.grants, pins), pins, spent, t);
    sim.grants = settled.grants;
    sim.expiries.push(...settled.expiries);
    addFunding(s.result, settled.allocations, sim.grants);
    sim.grants = sim.grants.filter((g) => g.remainingMc > 0);
  }
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
function advance(sim: Sim, t: number): { grantedMc: number; expiredMc: number } {
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

/** Plans the lines over the horizon, a day at a time (each day's runs at the same time of day as now). */
export function planCosts(input: PlannerInput): PlanResult {
  const plan = findPlan(input.catalog, input.planId);
  if (!plan) throw new PricingError('unknown_plan', `unknown plan ${input.planId}`);
  const horizonDays = Math.max(1, Math.min(PLANNER_MAX_HORIZON_DAYS, Math.floor(input.horizonDays)));
  const states = input.lines.slice(0, PLANNER_MAX_LINES).map((l) => newLineState(input, l));
  const subscriptions = input.grants.filter((g) => g.kind === 'subscription' && g.expiresAtMs !== null).sort((a, b) => b.expiresAtMs! - a.expiresAtMs!);
  const sim: Sim = { plan, grants: input.grants.map((g) => ({ ...g })), expiries: [], projected: [], shortfall: null, lastSubscription: subscriptions[0] ?? null };
  const days: PlanDay[] = [];
  for (let d = 0; d < horizonDays; d++) {
    const t = input.nowMs + d * MS_PER_DAY;
    const { grantedMc, expiredMc } = advance(sim, t);
    const today: RunsToday = { total: 0, byModel: {} };
    let spentMc = 0;
    for (const s of states) spentMc = addMc(spentMc, runLineOnDay(sim, s, d, t, today));
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
