// Training rules (docs/credit-rules.md §7): image limits and content types, the allowance window of a billing period, and how long a job runs. Pure.
import { findPlan, type Catalog, type CatalogModel, type Plan } from '../catalog/schema';
import { accessFor, includeText, plansIncluding, plansWhere } from './access';
import { MS_PER_DAY, MS_PER_MINUTE, startOfUtcDay, type BillingPeriod } from './schedule';

export const TRAINING_MIN_IMAGES = 1;
export const TRAINING_MAX_IMAGES = 30;
/** one image, decoded */
export const TRAINING_MAX_IMAGE_BYTES = 4 * 1024 * 1024;
/** all images of one job, decoded */
export const TRAINING_MAX_JOB_BYTES = 24 * 1024 * 1024;
/** smaller than this is not an image whatever its first bytes say */
export const TRAINING_MIN_IMAGE_BYTES = 16;
export const TRAINING_NAME_MAX_CHARS = 80;
/** a job at speed 1 runs between these, depending on its number of images */
export const TRAINING_MIN_DURATION_MS = 20 * MS_PER_MINUTE;
export const TRAINING_MAX_DURATION_MS = 40 * MS_PER_MINUTE;
/** progress steps of a job: one per percent */
export const TRAINING_STEPS = 100;

export const TRAINING_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type TrainingImageType = (typeof TRAINING_IMAGE_TYPES)[number];

/** The image type its first bytes say (JPEG, PNG or WebP), or null: a name or a declared type is never trusted. */
export function sniffImageType(bytes: Uint8Array): TrainingImageType | null {
  const at = (i: number) => bytes[i];
  if (bytes.length >= 3 && at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'image/jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => at(i) === b)) return 'image/png';
  const ascii = (from: number, text: string) => [...text].every((c, i) => at(from + i) === c.charCodeAt(0));
  if (bytes.length >= 12 && ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  return null;
}

/** The billing periods a training allowance is counted in (a monthly plan's counts per year): a subset of BILLING_PERIODS. */
export const ALLOWANCE_PERIODS = ['weekly', 'yearly'] as const satisfies readonly BillingPeriod[];
export type AllowancePeriod = (typeof ALLOWANCE_PERIODS)[number];

/** The jobs a plan allows per period of the given kind; 0 when it allows none. */
export function allowancePerPeriod(plan: Plan, period: AllowancePeriod | null): number {
  if (period === 'weekly') return plan.trainingAllowance.perWeek ?? 0;
  if (period === 'yearly') return plan.trainingAllowance.perYear ?? 0;
  return 0;
}

/** The week (Monday 00:00 UTC to the next Monday) containing `ms`. */
export function utcWeekOf(ms: number): { startMs: number; endMs: number } {
  const day = startOfUtcDay(ms);
  const sinceMonday = (new Date(day).getUTCDay() + 6) % 7;
  const startMs = day - sinceMonday * MS_PER_DAY;
  return { startMs, endMs: startMs + 7 * MS_PER_DAY };
}

/** `anchorMs` plus whole UTC years (29 February falls on 1 March in other years). */
function addUtcYears(anchorMs: number, years: number): number {
  const d = new Date(anchorMs);
  return Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/** The year counted from `anchorMs` (an account's or a subscription's start) that contains `ms`. */
export function yearFromAnchorOf(anchorMs: number, ms: number): { startMs: number; endMs: number } {
  if (ms < anchorMs) return { startMs: anchorMs, endMs: addUtcYears(anchorMs, 1) };
  let n = Math.max(0, new Date(ms).getUTCFullYear() - new Date(anchorMs).getUTCFullYear() - 1);
  while (addUtcYears(anchorMs, n + 1) <= ms) n++;
  return { startMs: addUtcYears(anchorMs, n), endMs: addUtcYears(anchorMs, n + 1) };
}

/** Which period a plan's allowance is counted in: weekly where it has a weekly allowance and a weekly price, else yearly where it has either. */
export function allowancePeriodOf(plan: Plan): AllowancePeriod | null {
  const periods = new Set(plan.billing.map((b) => b.period));
  if ((plan.trainingAllowance.perWeek ?? 0) > 0 && periods.has('weekly')) return 'weekly';
  if ((plan.trainingAllowance.perYear ?? 0) > 0 && (periods.has('yearly') || periods.has('weekly'))) return 'yearly';
  return null;
}

/** What the allowance tracker shows. */
export interface AllowanceState {
  period: AllowancePeriod | null;
  allowance: number;
  used: number;
  left: number;
  renewsAtMs: number | null;
}

export function allowanceState(period: AllowancePeriod | null, allowance: number, used: number, windowEndMs: number | null): AllowanceState {
  return { period, allowance, used, left: Math.max(0, allowance - used), renewsAtMs: period ? windowEndMs : null };
}

/** How long a job of `images` images runs at speed 1: 20 minutes plus 40 s an image, at most 40 minutes. */
export function trainingDurationMs(images: number): number {
  return Math.min(TRAINING_MAX_DURATION_MS, TRAINING_MIN_DURATION_MS + Math.max(0, images) * 40_000);
}

export const TRAINING_STAGES = ['queued', 'preparing', 'training', 'saving', 'done'] as const;
export type TrainingStage = (typeof TRAINING_STAGES)[number];

/** The stage a job is in after `step` of TRAINING_STEPS steps. */
export function stageAt(step: number): TrainingStage {
  if (step >= TRAINING_STEPS) return 'done';
  if (step < 10) return 'preparing';
  if (step < 95) return 'training';
  return 'saving';
}

/** What pays for a job: a unit of the plan's allowance, or credits (the catalog's training model, held like a run). */
export const TRAINING_FUNDINGS = ['allowance', 'credits'] as const;
export type TrainingFunding = (typeof TRAINING_FUNDINGS)[number];

export interface TrainingRefusal {
  code: 'unknown_plan' | 'training_not_sold' | 'model_not_in_plan' | 'training_not_in_plan';
  message: string;
}

/** The model that trains custom models for credits, if the catalog sells one. */
export function trainingModelOf(catalog: Catalog): CatalogModel | null {
  return catalog.models.find((m) => m.pricing.meter === 'trainingImage') ?? null;
}

/**
 * Why the plan may not start a training job paid this way, from the catalog alone (works offline), with the plans on sale that
 * include it; null when it may. For credits, the plan's access to the training model (as a run's entitlement check reads it);
 * from an allowance, whether the plan has one. Whether any allowance is left is the wallet's to say, not the plan's.
 */
export function trainingRefusal(catalog: Catalog, planId: string, funding: TrainingFunding): TrainingRefusal | null {
  const plan = findPlan(catalog, planId);
  if (!plan) return { code: 'unknown_plan', message: `Your plan (${planId}) is not in the price list; update the app.` };
  if (funding === 'allowance') {
    if (allowancePeriodOf(plan) !== null) return null;
    return { code: 'training_not_in_plan', message: `Custom model training is not included in the ${plan.name} plan. ${includeText(plansWhere(catalog, (p) => allowancePeriodOf(p) !== null))} a training allowance.` };
  }
  const model = trainingModelOf(catalog);
  if (!model) return { code: 'training_not_sold', message: 'Training is not sold for credits in the price list.' };
  if (accessFor(plan, model).kind !== 'none') return null;
  return { code: 'model_not_in_plan', message: `${model.name} is not included in the ${plan.name} plan. ${includeText(plansIncluding(catalog, model))} it.` };
}
