// Estimates (upper bound and typical) and final costs of runs from the catalog, per plan (docs/credit-rules.md §4, §5).
import { z } from 'zod';
import { addMc, CreditAmountError, formatCredits, MAX_BALANCE_MC, productDivCeil } from './money';
import { clampTokenCounts, tokenCostBoundMc, tokenCostMc, type UnitCounts } from './token-cost';
import { EXTRA_UNIT_KEYS } from './usage-units';
import { findModel, findPlan, type Catalog, type CatalogModel, type Multiplier, type Plan } from '../catalog/schema';
import { accessFor } from './access';
import { issuesText } from './issues';
import { safeString } from './text';

export { clampTokenCounts, tokenCostBoundMc, tokenCostMc, ratesFor, unitLimitOf, type TokensMeter, type TokenRates, type TokenCounts, type UnitCounts } from './token-cost';

export class PricingError extends Error {
  constructor(
    readonly code: 'unknown_model' | 'unknown_workflow' | 'unknown_plan' | 'invalid_request' | 'invalid_usage' | 'amount_too_large',
    message: string,
  ) {
    super(message);
    this.name = 'PricingError';
  }
}

/** The longest prompt any request may carry, whatever the model allows. */
export const MAX_PROMPT_CHARS = 100_000;

/** One run, as the user asks for it. Which fields apply depends on the model's meter. */
export const runRequestSchema = z
  .object({
    modelId: safeString().min(1).max(80).optional(),
    workflowId: safeString().min(1).max(80).optional(),
    prompt: safeString().max(MAX_PROMPT_CHARS).default(''),
    maxOutputTokens: z.int().min(1).max(1_000_000).optional(),
    count: z.int().min(1).max(1000).optional(),
    resolutionId: safeString().min(1).max(80).optional(),
    modeId: safeString().min(1).max(80).optional(),
    seconds: z.int().min(1).max(3600).optional(),
    trainingImages: z.int().min(1).max(1000).optional(),
    /** a custom model the account trained (lora:trn_…), for models whose catalog entry takes one */
    customModelId: z.string().regex(/^lora:trn_[A-Za-z0-9_-]{1,40}$/, 'not a custom model id').optional(),
  })
  .strict()
  .refine((r) => (r.modelId === undefined) !== (r.workflowId === undefined), 'name exactly one of modelId or workflowId')
  .refine((r) => r.customModelId === undefined || r.workflowId === undefined, 'a custom model applies to one model, not a workflow');
export type RunRequest = z.input<typeof runRequestSchema>;

/** What a run actually used, reported by the engine when it completes. */
export const usageSchema = z
  .object({
    inputTokens: z.int().min(0).optional(),
    outputTokens: z.int().min(0).optional(),
    /** of the input tokens, those the provider read from or wrote to its prompt cache */
    cacheReadTokens: z.int().min(0).optional(),
    cacheWriteTokens: z.int().min(0).optional(),
    /** the other units the provider billed, by genai-prices' names (input_audio_tokens, output_image_tokens, web_searches, …) */
    units: z.partialRecord(z.enum(EXTRA_UNIT_KEYS), z.int().min(0).max(Number.MAX_SAFE_INTEGER)).optional(),
    /** images, actions or uses delivered */
    delivered: z.int().min(0).optional(),
    /** video output delivered, in ms */
    deliveredMs: z.int().min(0).optional(),
    trainingImages: z.int().min(0).optional(),
    /** a workflow's usage, one entry per block */
    blocks: z.array(z.lazy((): z.ZodType<Usage> => usageSchema)).max(50).optional(),
  })
  .strict();
export interface Usage {
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  cacheReadTokens?: number | undefined;
  cacheWriteTokens?: number | undefined;
  units?: UnitCounts | undefined;
  delivered?: number | undefined;
  deliveredMs?: number | undefined;
  trainingImages?: number | undefined;
  blocks?: Usage[] | undefined;
}

export interface EstimateLine {
  modelId: string;
  label: string;
  maxMc: number;
  typicalMc: number;
  /** free on this plan */
  unlimited: boolean;
}

export interface Estimate {
  /** the most the run can cost: what the user approves and the server holds */
  maxMc: number;
  /** what it usually costs */
  typicalMc: number;
  lines: EstimateLine[];
}

/** Resolved parameters of a single-model run, with defaults applied and bounds checked. */
export interface ResolvedRun {
  model: CatalogModel;
  prompt: string;
  maxOutputTokens: number;
  count: number;
  resolution: Multiplier | null;
  mode: Multiplier | null;
  seconds: number;
  trainingImages: number;
}

/** UTF-8 byte length: a byte-level tokenizer never yields more tokens than bytes, so it bounds input tokens. */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** Most input tokens a prompt can become. */
export function maxInputTokens(model: CatalogModel, prompt: string): number {
  if (model.pricing.meter !== 'tokens') return 0;
  return utf8ByteLength(prompt) + model.pricing.promptOverheadTokens;
}

/** Typical input tokens (about 4 characters a token in English). */
export function typicalInputTokens(model: CatalogModel, prompt: string): number {
  if (model.pricing.meter !== 'tokens') return 0;
  return Math.ceil([...prompt].length / 4) + model.pricing.promptOverheadTokens;
}

function pick(list: readonly Multiplier[], wanted: string | undefined, what: string, modelId: string): Multiplier {
  if (wanted === undefined) return list[0]!;
  const found = list.find((x) => x.id === wanted);
  if (!found) throw new PricingError('invalid_request', `${modelId} has no ${what} "${wanted}" (choose ${list.map((x) => x.id).join(', ')})`);
  return found;
}

function refuse(field: string, modelId: string): never {
  throw new PricingError('invalid_request', `${field} does not apply to ${modelId}`);
}

/** Applies defaults and checks every parameter against the model's meter. */
export function resolveRun(model: CatalogModel, raw: RunRequest): ResolvedRun {
  const req = parseRequest(raw);
  const p = model.pricing;
  const out: ResolvedRun = { model, prompt: req.prompt, maxOutputTokens: 0, count: 1, resolution: null, mode: null, seconds: 0, trainingImages: 0 };
  if (p.meter !== 'tokens' && req.maxOutputTokens !== undefined) refuse('maxOutputTokens', model.id);
  if (p.meter !== 'image' && req.resolutionId !== undefined) refuse('resolution', model.id);
  if (p.meter !== 'second' && req.seconds !== undefined) refuse('seconds', model.id);
  if (p.meter !== 'trainingImage' && req.trainingImages !== undefined) refuse('trainingImages', model.id);
  if (req.customModelId !== undefined && !model.customModels) refuse('a custom model', model.id);
  if (p.meter !== 'image' && p.meter !== 'action' && req.count !== undefined && req.count !== 1) refuse('count', model.id);
  switch (p.meter) {
    case 'tokens': {
      if ([...req.prompt].length > p.maxPromptChars) {
        throw new PricingError('invalid_request', `the prompt is longer than ${p.maxPromptChars} characters allowed for ${model.id}`);
      }
      const maxOut = req.maxOutputTokens ?? p.defaultOutputTokens;
      if (maxOut > p.maxOutputTokens) throw new PricingError('invalid_request', `${model.id} allows at most ${p.maxOutputTokens} output tokens`);
      if (req.modeId !== undefined) refuse('mode', model.id);
      out.maxOutputTokens = maxOut;
      break;
    }
    case 'image':
      out.count = req.count ?? 1;
      if (out.count > p.maxCount) throw new PricingError('invalid_request', `${model.id} makes at most ${p.maxCount} images a run`);
      out.resolution = pick(p.resolutions, req.resolutionId, 'resolution', model.id);
      out.mode = pick(p.modes, req.modeId, 'mode', model.id);
      break;
    case 'second':
      out.seconds = req.seconds ?? p.defaultSeconds;
      if (out.seconds < p.minSeconds || out.seconds > p.maxSeconds) {
        throw new PricingError('invalid_request', `${model.id} makes ${p.minSeconds} to ${p.maxSeconds} seconds`);
      }
      out.mode = pick(p.modes, req.modeId, 'mode', model.id);
      break;
    case 'use':
      out.mode = pick(p.modes, req.modeId, 'mode', model.id);
      break;
    case 'action':
      out.count = req.count ?? 1;
      if (out.count > p.maxCount) throw new PricingError('invalid_request', `${model.id} does at most ${p.maxCount} a run`);
      out.mode = pick(p.modes, req.modeId, 'mode', model.id);
      break;
    case 'trainingImage':
      if (req.modeId !== undefined) refuse('mode', model.id);
      if (req.trainingImages === undefined) throw new PricingError('invalid_request', `${model.id} needs the number of training images`);
      if (req.trainingImages < p.minImages || req.trainingImages > p.maxImages) {
        throw new PricingError('invalid_request', `${model.id} trains on ${p.minImages} to ${p.maxImages} images`);
      }
      out.trainingImages = req.trainingImages;
      break;
  }
  return out;
}

function parseRequest(raw: RunRequest): z.output<typeof runRequestSchema> {
  const parsed = runRequestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PricingError('invalid_request', issuesText(parsed.error.issues, { root: 'request' }));
  }
  return parsed.data;
}

function modeOf(r: ResolvedRun): number {
  return r.mode?.multiplierPermille ?? 1000;
}

/** What a run used (or, for an estimate, the most it may use), every field filled in. */
interface Metered {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  units: UnitCounts;
  /** an estimate's bound counts every other unit at its limit; a typical run counts none but its request */
  otherUnits: boolean;
  delivered: number;
  deliveredMs: number;
  trainingImages: number;
}

/**
 * Cost of a resolved run for a given amount of output; the estimate and the final cost both use it. As a bound, token counts are
 * maxima and the cost is the most any split of the input between fresh and cached tokens can cost.
 */
function meteredCostMc(r: ResolvedRun, u: Metered, asBound = false): number {
  const p = r.model.pricing;
  switch (p.meter) {
    case 'tokens':
      return asBound ? tokenCostBoundMc(p, u.inputTokens, u.outputTokens, { otherUnits: u.otherUnits }) : tokenCostMc(p, u.inputTokens, u.outputTokens, u);
    case 'image':
      return productDivCeil([p.mcPerImage, r.resolution?.multiplierPermille ?? 1000, modeOf(r), u.delivered], 1_000_000);
    case 'second':
      return productDivCeil([p.mcPerSecond, modeOf(r), u.deliveredMs], 1_000_000);
    case 'use':
      return productDivCeil([p.mcPerUse, modeOf(r), u.delivered], 1000);
    case 'action':
      return productDivCeil([p.mcPerAction, modeOf(r), u.delivered], 1000);
    case 'trainingImage':
      return p.mcPerImage * u.trainingImages;
  }
}

function bounds(r: ResolvedRun): Metered {
  return {
    inputTokens: maxInputTokens(r.model, r.prompt),
    outputTokens: r.maxOutputTokens,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    units: {},
    otherUnits: true,
    delivered: r.count,
    deliveredMs: r.seconds * 1000,
    trainingImages: r.trainingImages,
  };
}

function isUnlimited(plan: Plan, model: CatalogModel): boolean {
  return accessFor(plan, model).kind === 'unlimited';
}

function resolvePlan(catalog: Catalog, planId: string): Plan {
  const plan = findPlan(catalog, planId);
  if (!plan) throw new PricingError('unknown_plan', `unknown plan ${planId}`);
  return plan;
}

function resolveModel(catalog: Catalog, modelId: string): CatalogModel {
  const model = findModel(catalog, modelId);
  if (!model) throw new PricingError('unknown_model', `unknown model ${modelId}`);
  return model;
}

/** The single-model runs a request stands for: one, or one per workflow block. */
export function expandRequest(raw: RunRequest, catalog: Catalog): ResolvedRun[] {
  const req = parseRequest(raw);
  if (req.modelId !== undefined) return [resolveRun(resolveModel(catalog, req.modelId), raw)];
  const wf = catalog.workflows.find((w) => w.id === req.workflowId);
  if (!wf) throw new PricingError('unknown_workflow', `unknown workflow ${req.workflowId}`);
  return wf.blocks.map((b) => {
    const model = resolveModel(catalog, b.modelId);
    const takesPrompt = model.pricing.meter === 'tokens' || model.modality !== 'action';
    return resolveRun(model, { modelId: b.modelId, prompt: takesPrompt ? req.prompt : '', ...b.params });
  });
}

/** The most one run may cost: no more than an account may hold (MAX_BALANCE_MC), so no price can overflow a sum. */
export const MAX_RUN_MC = MAX_BALANCE_MC;

function runTooLarge(): PricingError {
  return new PricingError('amount_too_large', `a run may cost at most ${formatCredits(MAX_RUN_MC)} credits; ask for less`);
}

/**
 * The estimate of a run: an upper bound (never below any final cost the run can produce) and a typical cost.
 * A workflow costs the sum of its blocks. Models marked unlimited on the plan cost nothing. A run that could cost more
 * than MAX_RUN_MC is refused (PricingError amount_too_large), however its catalog prices multiply up.
 */
export function estimate(raw: RunRequest, catalog: Catalog, planId: string): Estimate {
  let est: Estimate;
  try {
    est = estimateUnbounded(raw, catalog, planId);
  } catch (e) {
    if (e instanceof CreditAmountError) throw runTooLarge();
    throw e;
  }
  if (est.maxMc > MAX_RUN_MC) throw runTooLarge();
  return est;
}

function estimateUnbounded(raw: RunRequest, catalog: Catalog, planId: string): Estimate {
  const plan = resolvePlan(catalog, planId);
  const lines = expandRequest(raw, catalog).map((r): EstimateLine => {
    const unlimited = isUnlimited(plan, r.model);
    const b = bounds(r);
    const maxMc = unlimited ? 0 : meteredCostMc(r, b, true);
    const typicalOut = r.model.pricing.meter === 'tokens' ? Math.min(r.maxOutputTokens, Math.ceil(r.maxOutputTokens / 2)) : 0;
    const typicalMc = unlimited ? 0 : Math.min(maxMc, meteredCostMc(r, { ...b, inputTokens: typicalInputTokens(r.model, r.prompt), outputTokens: typicalOut, otherUnits: false }, true));
    return { modelId: r.model.id, label: r.model.name, maxMc, typicalMc, unlimited };
  });
  return { maxMc: addMc(...lines.map((l) => l.maxMc)), typicalMc: addMc(...lines.map((l) => l.typicalMc)), lines };
}

function checkUsage(r: ResolvedRun, u: Usage): Metered {
  const p = r.model.pricing;
  const got: Metered = {
    inputTokens: u.inputTokens ?? 0,
    outputTokens: u.outputTokens ?? 0,
    cacheReadTokens: u.cacheReadTokens ?? 0,
    cacheWriteTokens: u.cacheWriteTokens ?? 0,
    units: { ...u.units },
    otherUnits: true,
    delivered: u.delivered ?? 0,
    deliveredMs: u.deliveredMs ?? 0,
    trainingImages: u.trainingImages ?? 0,
  };
  const { units, otherUnits: _all, ...counts } = got;
  for (const [k, v] of [...Object.entries(counts), ...Object.entries(units)]) {
    if (!Number.isSafeInteger(v) || v < 0) throw new PricingError('invalid_usage', `usage ${k} must be a non-negative integer`);
  }
  const b = bounds(r);
  // An engine that reports more than the request allowed is clamped to the request: the user never pays for it.
  if (p.meter === 'tokens') {
    // Cached, audio and image tokens are part of the input: never more of them than the (clamped) input; searches and seconds
    // no more than the meter's limits.
    const held = clampTokenCounts(p, got, b.inputTokens, b.outputTokens);
    return { ...got, ...held, cacheReadTokens: held.cacheReadTokens ?? 0, cacheWriteTokens: held.cacheWriteTokens ?? 0, units: held.units ?? {} };
  }
  return {
    ...got,
    delivered: Math.min(got.delivered, p.meter === 'use' ? 1 : b.delivered),
    deliveredMs: Math.min(got.deliveredMs, b.deliveredMs),
    trainingImages: Math.min(got.trainingImages, b.trainingImages),
  };
}

/** The final cost of a completed run from what it actually used (before min(final, approved) is applied). */
export function finalCost(raw: RunRequest, usage: Usage, catalog: Catalog, planId: string): number {
  const plan = resolvePlan(catalog, planId);
  const runs = expandRequest(raw, catalog);
  const parsed = usageSchema.safeParse(usage);
  if (!parsed.success) throw new PricingError('invalid_usage', issuesText(parsed.error.issues, { root: 'usage' }));
  if (runs.length > 1 || raw.workflowId !== undefined) {
    const blocks = usage.blocks ?? [];
    if (blocks.length > runs.length) throw new PricingError('invalid_usage', 'usage has more blocks than the workflow');
    return addMc(...runs.map((r, i) => (isUnlimited(plan, r.model) || !blocks[i] ? 0 : meteredCostMc(r, checkUsage(r, blocks[i])))));
  }
  const r = runs[0]!;
  return isUnlimited(plan, r.model) ? 0 : meteredCostMc(r, checkUsage(r, usage));
}
