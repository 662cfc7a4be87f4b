// The price catalog document: zod schema for models and their meters, workflows, plans, packs and policies (docs/credit-rules.md §4, §6, §8, §9).
import { z } from 'zod';
import { MAX_GRANT_MC } from '../rules/money';
import { BILLING_PERIODS } from '../rules/schedule';
import { EXTRA_UNIT_KEYS, isTokenUnit, joinOf, overlaps, type UnitKey } from '../rules/usage-units';

const mc = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
/** credits the catalog grants (signup, daily, per period, per pack): no more than one grant may carry */
const grantMc = z.int().min(0).max(MAX_GRANT_MC);
const positiveInt = z.int().min(1).max(Number.MAX_SAFE_INTEGER);
const id = z.string().min(1).max(80).regex(/^[a-z0-9][a-z0-9._:/-]*$/, 'ids are lower-case letters, digits and . _ : / -');

/** A multiplier in thousandths: 1000 = ×1, 1500 = ×1.5. Integers only, so prices stay exact. */
export const PARAMETER_LEVELS = ['basic', 'standard', 'advanced', 'full'] as const;
export type ParameterLevel = (typeof PARAMETER_LEVELS)[number];

export const multiplierSchema = z.object({
  id,
  label: z.string().min(1).max(60),
  multiplierPermille: z.int().min(1).max(1_000_000),
  /** the plan parameter level needed to choose this option */
  minLevel: z.enum(PARAMETER_LEVELS).default('basic'),
});
export type Multiplier = z.infer<typeof multiplierSchema>;

export const resolutionSchema = multiplierSchema.extend({
  width: z.int().min(16).max(8192),
  height: z.int().min(16).max(8192),
});

/** Prices of a token meter for runs whose input exceeds a number of tokens (a provider's long-context prices). */
export const tokenTierSchema = z.object({
  aboveInputTokens: positiveInt,
  inputMcPerBlock: mc,
  outputMcPerBlock: mc,
  cacheReadMcPerBlock: mc.optional(),
  cacheWriteMcPerBlock: mc.optional(),
  /** the tier's prices of the other units the meter prices (the same units as the meter's own `units`) */
  units: z.partialRecord(z.enum(EXTRA_UNIT_KEYS), mc).optional(),
});
export type TokenTier = z.infer<typeof tokenTierSchema>;

export const tokensMeterSchema = z.object({
  meter: z.literal('tokens'),
  blockTokens: positiveInt,
  inputMcPerBlock: mc,
  outputMcPerBlock: mc,
  rounding: z.enum(['proportional', 'perBlock']),
  /** an input token the provider read from its prompt cache (proportional only; unset: priced as any input token) */
  cacheReadMcPerBlock: mc.optional(),
  /** an input token the provider wrote to its prompt cache (proportional only; unset: priced as any input token) */
  cacheWriteMcPerBlock: mc.optional(),
  /** ascending thresholds (proportional only): the highest one a run's input tokens exceed prices all of that run's tokens */
  tiers: z.array(tokenTierSchema).min(1).max(10).optional(),
  /**
   * every other unit the provider bills (proportional only), in millicredits per the unit's own quantity (per million tokens,
   * per thousand searches or requests, per hour of audio…: USAGE_UNITS' `per`); a unit not priced counts as the unit containing it
   */
  units: z.partialRecord(z.enum(EXTRA_UNIT_KEYS), mc).optional(),
  /** the most of each priced unit other than tokens (searches, seconds, pages…) one run is charged for: the estimate's bound */
  unitLimits: z.partialRecord(z.enum(EXTRA_UNIT_KEYS), z.int().min(1).max(1_000_000_000)).optional(),
  /** a unit charged at least this much whenever a run uses any of it (Groq bills every transcription as at least 10 s) */
  unitMinimums: z.partialRecord(z.enum(EXTRA_UNIT_KEYS), z.int().min(1).max(1_000_000_000)).optional(),
  maxPromptChars: z.int().min(1).max(1_000_000),
  /** tokens the provider adds around every prompt (system text, chat template) */
  promptOverheadTokens: z.int().min(0).max(100_000),
  maxOutputTokens: z.int().min(1).max(1_000_000),
  defaultOutputTokens: z.int().min(1).max(1_000_000),
});

export const imageMeterSchema = z.object({
  meter: z.literal('image'),
  mcPerImage: mc,
  resolutions: z.array(resolutionSchema).min(1).max(20),
  modes: z.array(multiplierSchema).min(1).max(10),
  maxCount: z.int().min(1).max(1000),
});

export const secondMeterSchema = z.object({
  meter: z.literal('second'),
  mcPerSecond: mc,
  minSeconds: z.int().min(1).max(3600),
  maxSeconds: z.int().min(1).max(3600),
  defaultSeconds: z.int().min(1).max(3600),
  modes: z.array(multiplierSchema).min(1).max(10),
});

export const useMeterSchema = z.object({
  meter: z.literal('use'),
  mcPerUse: mc,
  modes: z.array(multiplierSchema).min(1).max(10),
});

export const actionMeterSchema = z.object({
  meter: z.literal('action'),
  mcPerAction: mc,
  modes: z.array(multiplierSchema).min(1).max(10),
  maxCount: z.int().min(1).max(1000),
});

export const trainingImageMeterSchema = z.object({
  meter: z.literal('trainingImage'),
  mcPerImage: mc,
  minImages: z.int().min(1).max(1000),
  maxImages: z.int().min(1).max(1000),
});

export const meterSchema = z.discriminatedUnion('meter', [
  tokensMeterSchema,
  imageMeterSchema,
  secondMeterSchema,
  useMeterSchema,
  actionMeterSchema,
  trainingImageMeterSchema,
]);
export type Meter = z.infer<typeof meterSchema>;
export type MeterKind = Meter['meter'];

const decimalText = z.string().max(40).regex(/^\d{1,15}(\.\d{1,30})?$/, 'a decimal number such as 0.15');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date such as 2026-11-26');

/** Where an imported model's prices come from: the public price list, its edition, the row, and the dollars it said on which date. */
export const priceSourceSchema = z.object({
  list: z.enum(['genai-prices', 'litellm']),
  /** which edition of the list: a package and version, or a file name and digest */
  edition: z.string().min(1).max(200),
  /** the list's provider (genai-prices provider id, LiteLLM litellm_provider) and model (model id, LiteLLM key) */
  provider: z.string().min(1).max(80),
  model: z.string().min(1).max(200),
  /** the day the prices were read from the list (UTC) */
  importedOn: isoDate,
  /** the day the list says these prices started, when it says */
  effectiveFrom: isoDate.optional(),
  /** the list's own prices in US dollars, exact, named as the list names them */
  usd: z.record(z.string().min(1).max(120), decimalText),
  /** the exchange rate and markup the credits were computed with: mc = usd × markup ÷ usdPerCredit × 1000, rounded up */
  usdPerCredit: decimalText,
  markup: decimalText,
  notes: z.array(z.string().max(300)).max(10).optional(),
});
export type PriceSource = z.infer<typeof priceSourceSchema>;

export const MODALITIES = ['text', 'image', 'video', 'audio', 'action', 'training'] as const;
export type Modality = (typeof MODALITIES)[number];

/** Access tiers that plans grant (seed 002's model access rows). */
export const MODEL_TIERS = ['basic', 'dev', 'ga', 'video', 'uncensored', 'beta'] as const;
export type ModelTier = (typeof MODEL_TIERS)[number];

export const modelSchema = z.object({
  id,
  name: z.string().min(1).max(80),
  provider: z.string().min(1).max(60),
  modality: z.enum(MODALITIES),
  tier: z.enum(MODEL_TIERS),
  pricing: meterSchema,
  /** what a run delivers, when it differs from the modality (an action that describes an image delivers text) */
  output: z.enum(['text', 'image', 'video', 'audio', 'model']).optional(),
  /** takes a custom model (LoRA) the account trained (customModelId in the run request); the price does not change */
  customModels: z.boolean().optional(),
  /** the source the price was taken from, shown to the user */
  source: z.string().max(200).optional(),
  /** for prices imported from a public price list: the list, row, dollars and date (operator CLI import-prices) */
  priceSource: priceSourceSchema.optional(),
});
export type CatalogModel = z.infer<typeof modelSchema>;

export const workflowBlockSchema = z.object({
  modelId: id,
  label: z.string().min(1).max(80),
  /** fixed parameters of the block; the user's prompt flows into every block that takes one */
  params: z
    .object({
      maxOutputTokens: positiveInt.optional(),
      count: positiveInt.optional(),
      resolutionId: id.optional(),
      modeId: id.optional(),
      seconds: positiveInt.optional(),
      trainingImages: positiveInt.optional(),
    })
    .strict()
    .default({}),
});

export const workflowSchema = z.object({
  id,
  name: z.string().min(1).max(80),
  blocks: z.array(workflowBlockSchema).min(1).max(50),
});
export type Workflow = z.infer<typeof workflowSchema>;

export const accessSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('limited'), runsPerDay: positiveInt }),
  z.object({ kind: z.literal('full') }),
  /** the model costs nothing on this plan (Refly's "unlimited" early-bird models) */
  z.object({ kind: z.literal('unlimited') }),
]);
export type Access = z.infer<typeof accessSchema>;

export const billingOptionSchema = z.object({
  period: z.enum(BILLING_PERIODS),
  creditsMc: grantMc,
  priceMinor: z.int().min(0),
});

export const planSchema = z.object({
  id,
  name: z.string().min(1).max(60),
  /** a legacy plan, once left, cannot be chosen again */
  legacy: z.boolean().default(false),
  trialMc: grantMc,
  dailyFreeMc: grantMc,
  /** a bonus granted each calendar month (UTC) while on the plan, expiring at the month's end (Refly's monthly bonus); 0 = none */
  monthlyBonusMc: grantMc.default(0),
  /** null = no daily run limit */
  dailyRunLimit: positiveInt.nullable(),
  billing: z.array(billingOptionSchema).max(4),
  /** null = unlimited batch size */
  batchSize: positiveInt.nullable(),
  queuePriority: z.enum(['standard', 'priority', 'fastest', 'instant']),
  parameterLevel: z.enum(PARAMETER_LEVELS),
  access: z.object({
    tiers: z.record(z.enum(MODEL_TIERS), accessSchema),
    models: z.record(z.string(), accessSchema).default({}),
  }),
  trainingAllowance: z.object({
    perWeek: z.int().min(0).nullable(),
    perYear: z.int().min(0).nullable(),
  }),
});
export type Plan = z.infer<typeof planSchema>;

export const packSchema = z.object({
  id,
  name: z.string().min(1).max(60),
  creditsMc: grantMc.min(1),
  priceMinor: positiveInt,
});
export type Pack = z.infer<typeof packSchema>;

export const policiesSchema = z.object({
  /** an estimate from a catalog older than this says it may be stale */
  freshnessMs: positiveInt,
  lowBalancePercent: z.int().min(0).max(100),
  lowBalanceMinMc: mc,
  expiryWarningMs: positiveInt,
  holdTimeoutMs: positiveInt,
  purchaseCountries: z.array(z.string().regex(/^[A-Z]{2}$/)).min(1),
});

export const catalogSchema = z
  .object({
    schemaVersion: z.literal(1),
    version: z.string().min(1).max(40),
    currency: z.string().regex(/^[A-Z]{3}$/),
    policies: policiesSchema,
    models: z.array(modelSchema).min(1).max(2000),
    workflows: z.array(workflowSchema).max(2000).default([]),
    plans: z.array(planSchema).min(1).max(50),
    packs: z.array(packSchema).max(50),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    for (const m of c.models) {
      if (seen.has(m.id)) ctx.addIssue({ code: 'custom', message: `duplicate model id ${m.id}` });
      seen.add(m.id);
      const p = m.pricing;
      if (p.meter === 'second' && (p.minSeconds > p.maxSeconds || p.defaultSeconds < p.minSeconds || p.defaultSeconds > p.maxSeconds)) {
        ctx.addIssue({ code: 'custom', message: `model ${m.id}: seconds bounds are inconsistent` });
      }
      if (p.meter === 'tokens') checkTokensMeter(m.id, p, (message) => ctx.addIssue({ code: 'custom', message }));
      if (p.meter === 'trainingImage' && p.minImages > p.maxImages) {
        ctx.addIssue({ code: 'custom', message: `model ${m.id}: training image bounds are inconsistent` });
      }
    }
    for (const w of c.workflows) {
      for (const b of w.blocks) {
        if (!seen.has(b.modelId)) ctx.addIssue({ code: 'custom', message: `workflow ${w.id}: unknown model ${b.modelId}` });
      }
    }
    const planIds = new Set<string>();
    for (const p of c.plans) {
      if (planIds.has(p.id)) ctx.addIssue({ code: 'custom', message: `duplicate plan id ${p.id}` });
      planIds.add(p.id);
      for (const t of MODEL_TIERS) {
        if (!p.access.tiers[t]) ctx.addIssue({ code: 'custom', message: `plan ${p.id}: no access rule for tier ${t}` });
      }
    }
  });
export type Catalog = z.infer<typeof catalogSchema>;

function checkTokensMeter(modelId: string, p: z.infer<typeof tokensMeterSchema>, issue: (message: string) => void): void {
  if (p.defaultOutputTokens > p.maxOutputTokens) issue(`model ${modelId}: default output tokens exceed the maximum`);
  const extras = p.cacheReadMcPerBlock !== undefined || p.cacheWriteMcPerBlock !== undefined || p.tiers !== undefined || p.units !== undefined;
  if (extras && p.rounding !== 'proportional') issue(`model ${modelId}: cache prices, tiers and other units need proportional rounding`);
  const tiers = p.tiers ?? [];
  for (let i = 1; i < tiers.length; i++) {
    if (tiers[i]!.aboveInputTokens <= tiers[i - 1]!.aboveInputTokens) issue(`model ${modelId}: tier thresholds must ascend`);
  }
  checkUnits(modelId, p, issue);
}

/** The units a token meter prices: input and output always, the cache units when priced, and its other units. */
export function pricedUnitsOf(p: Pick<TokenTier, 'cacheReadMcPerBlock' | 'cacheWriteMcPerBlock' | 'units'>): UnitKey[] {
  return [
    'input_tokens', 'output_tokens',
    ...(p.cacheReadMcPerBlock !== undefined ? ['cache_read_tokens' as const] : []),
    ...(p.cacheWriteMcPerBlock !== undefined ? ['cache_write_tokens' as const] : []),
    ...(Object.keys(p.units ?? {}) as UnitKey[]),
  ];
}

function checkUnits(modelId: string, p: z.infer<typeof tokensMeterSchema>, issue: (message: string) => void): void {
  const keys = Object.keys(p.units ?? {}).sort().join(',');
  for (const t of p.tiers ?? []) if (Object.keys(t.units ?? {}).sort().join(',') !== keys) issue(`model ${modelId}: each tier prices the same other units as the meter (${keys || 'none'})`);
  for (const rates of [p, ...(p.tiers ?? [])]) {
    const priced = pricedUnitsOf(rates);
    for (const a of priced) for (const b of priced) {
      const join = a < b && overlaps(a, b) ? joinOf(a, b) : undefined;
      if (a < b && overlaps(a, b) && (!join || !priced.includes(join))) issue(`model ${modelId}: ${a} and ${b} can count the same tokens, so ${join ?? 'their join'} needs a price too`);
    }
  }
  for (const k of Object.keys(p.units ?? {}) as (keyof NonNullable<typeof p.units>)[]) {
    if (!isTokenUnit(k) && k !== 'requests' && p.unitLimits?.[k] === undefined) issue(`model ${modelId}: ${k} needs a limit per run in unitLimits (the estimate's bound)`);
  }
  for (const [k, min] of Object.entries(p.unitMinimums ?? {}) as [keyof NonNullable<typeof p.unitMinimums>, number][]) {
    const limit = p.unitLimits?.[k];
    if (limit !== undefined && min > limit) issue(`model ${modelId}: the minimum of ${k} exceeds its limit`);
  }
}

export { findModel, findPlan, outputKindOf, type OutputKind } from './lookup';
