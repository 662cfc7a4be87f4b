// Plan entitlements: model access, batch size, parameter level, daily run limit, period credits and training allowance (docs/credit-rules.md §6, §7).
import type { Plan } from '../catalog/schema';
import { accessFor, levelRank } from './access';
import type { ResolvedRun } from './pricing';

export class EntitlementError extends Error {
  constructor(
    readonly code: 'model_not_in_plan' | 'batch_too_large' | 'parameter_level' | 'daily_run_limit' | 'model_daily_limit',
    message: string,
  ) {
    super(message);
    this.name = 'EntitlementError';
  }
}

export { accessFor, levelRank } from './access';

/** Runs already made today (UTC day): overall, and per model. */
export interface RunsToday {
  total: number;
  byModel: Readonly<Record<string, number>>;
}

/** Checks one request (its resolved runs) against the plan; throws EntitlementError with a reason the user can act on. */
export function checkEntitlements(plan: Plan, runs: readonly ResolvedRun[], today: RunsToday = { total: 0, byModel: {} }): void {
  if (plan.dailyRunLimit !== null && today.total >= plan.dailyRunLimit) {
    throw new EntitlementError('daily_run_limit', `${plan.name} allows ${plan.dailyRunLimit} runs a day; the limit resets at 00:00 UTC`);
  }
  for (const r of runs) {
    const access = accessFor(plan, r.model);
    if (access.kind === 'none') {
      throw new EntitlementError('model_not_in_plan', `${r.model.name} is not included in the ${plan.name} plan`);
    }
    if (access.kind === 'limited' && (today.byModel[r.model.id] ?? 0) >= access.runsPerDay) {
      throw new EntitlementError('model_daily_limit', `${plan.name} allows ${access.runsPerDay} runs of ${r.model.name} a day; the limit resets at 00:00 UTC`);
    }
    const batch = r.model.pricing.meter === 'image' || r.model.pricing.meter === 'action' ? r.count : 1;
    if (plan.batchSize !== null && batch > plan.batchSize) {
      throw new EntitlementError('batch_too_large', `${plan.name} makes at most ${plan.batchSize} at a time; you asked for ${batch}`);
    }
    for (const option of [r.resolution, r.mode]) {
      if (option && levelRank(option.minLevel) > levelRank(plan.parameterLevel)) {
        throw new EntitlementError('parameter_level', `"${option.label}" needs ${option.minLevel} parameters; ${plan.name} has ${plan.parameterLevel}`);
      }
    }
  }
}

/** The credits a plan grants per period, for the low-balance threshold and usage bars: the shortest period it bills. */
export function periodCreditsMc(plan: Plan): number {
  const order = { weekly: 0, monthly: 1, yearly: 2 } as const;
  const shortest = [...plan.billing].sort((a, b) => order[a.period] - order[b.period])[0];
  return shortest ? shortest.creditsMc : plan.trialMc;
}

/** A compact summary of what a plan entitles, for display and checks. */
export interface Entitlements {
  planId: string;
  periodCreditsMc: number;
  dailyFreeMc: number;
  dailyRunLimit: number | null;
  batchSize: number | null;
  queuePriority: Plan['queuePriority'];
  parameterLevel: Plan['parameterLevel'];
  trainingPerWeek: number | null;
  trainingPerYear: number | null;
}

export function entitlementsOf(plan: Plan): Entitlements {
  return {
    planId: plan.id,
    periodCreditsMc: periodCreditsMc(plan),
    dailyFreeMc: plan.dailyFreeMc,
    dailyRunLimit: plan.dailyRunLimit,
    batchSize: plan.batchSize,
    queuePriority: plan.queuePriority,
    parameterLevel: plan.parameterLevel,
    trainingPerWeek: plan.trainingAllowance.perWeek,
    trainingPerYear: plan.trainingAllowance.perYear,
  };
}

/** Training jobs left in the current week and year: the smaller of the two applies; null = no allowance of that kind. */
export function trainingAllowanceLeft(plan: Plan, usedThisWeek: number, usedThisYear: number): number {
  const { perWeek, perYear } = plan.trainingAllowance;
  if (perWeek === null && perYear === null) return 0;
  const left = [perWeek === null ? Infinity : perWeek - usedThisWeek, perYear === null ? Infinity : perYear - usedThisYear];
  return Math.max(0, Math.min(...left));
}
