// Pure helpers for the generation form: unit prices, plan access labels, and turning form fields into a run request.
import type { Catalog, CatalogModel, Plan } from '../../../../shared/catalog/schema';
import { accessFor, levelRank } from '../../../../shared/rules/entitlements';
import { plansIncluding } from '../../../../shared/rules/access';
import { creditsText, formatCredits } from '../../../../shared/rules/money';
import type { RunRequest } from '../../../../shared/rules/pricing';
import { USAGE_UNITS, type ExtraUnitKey } from '../../../../shared/rules/usage-units';

export const MODALITY_LABELS: Record<CatalogModel['modality'], string> = {
  text: 'Text',
  image: 'Image',
  video: 'Video',
  audio: 'Audio',
  action: 'Actions on a result',
  training: 'Training',
};

export function unitPrice(m: CatalogModel): string {
  const p = m.pricing;
  switch (p.meter) {
    case 'tokens': {
      // imported prices are per million tokens: "3.75 in, 15 out / 1M tokens"
      const block = p.blockTokens % 1_000_000 === 0 ? `${p.blockTokens / 1_000_000}M` : `${p.blockTokens / 1000}K`;
      return p.inputMcPerBlock === p.outputMcPerBlock
        ? `${formatCredits(p.inputMcPerBlock)} / ${block} tokens`
        : `${formatCredits(p.inputMcPerBlock)} in, ${formatCredits(p.outputMcPerBlock)} out / ${block} tokens`;
    }
    case 'image':
      return `${formatCredits(p.mcPerImage)} / image`;
    case 'second':
      return `${formatCredits(p.mcPerSecond)} / second`;
    case 'use':
      return `${formatCredits(p.mcPerUse)} / use`;
    case 'action':
      return `${formatCredits(p.mcPerAction)} / action`;
    case 'trainingImage':
      return `${formatCredits(p.mcPerImage)} / training image`;
  }
}

/** How a per-block token price is billed, in words (null for other meters and proportional token prices). */
export function blockPricingNote(p: CatalogModel['pricing'] | undefined): string | null {
  if (p?.meter !== 'tokens' || p.rounding !== 'perBlock') return null;
  const block = p.blockTokens.toLocaleString('en-US');
  const price =
    p.inputMcPerBlock === p.outputMcPerBlock
      ? `${creditsText(p.inputMcPerBlock)} a block, prompt and reply counted together`
      : `${creditsText(p.inputMcPerBlock)} a block of prompt, ${creditsText(p.outputMcPerBlock)} a block of reply`;
  return `Billed per started ${block}-token block: ${price}. A short prompt still pays for a whole block.`;
}

const PER_WORDS: Record<number, string> = { 1: 'each', 1_000: 'per 1,000', 3_600: 'an hour', 1_000_000: 'per 1M', 1_000_000_000: 'per billion' };

/**
 * The units besides text tokens a model is billed for, in words ("Also billed as the provider reports them: input audio 800 per
 * 1M tokens; web searches 0.25 credits each, up to 10 a run"), and that the most shown counts them all; null where there are none.
 */
export function otherUnitsNote(p: CatalogModel['pricing'] | undefined): string | null {
  if (p?.meter !== 'tokens' || !p.units || Object.keys(p.units).length === 0) return null;
  const parts = Object.entries(p.units).map(([unit, mc]) => {
    const per = USAGE_UNITS[unit as ExtraUnitKey].per;
    const isTokens = unit.endsWith('_tokens');
    const name = unit.replace(/_tokens$/, '').replaceAll('_', ' ');
    if (unit === 'requests') return `${creditsText(Math.ceil(mc / per))} per run`;
    if (isTokens) return `${name} ${creditsText(mc)} per 1M tokens`;
    const limit = p.unitLimits?.[unit as ExtraUnitKey];
    const each = per === 1_000 ? `${creditsText(Math.ceil(mc / 1_000))} each` : `${creditsText(mc)} ${PER_WORDS[per] ?? `per ${per.toLocaleString('en-US')}`}`;
    return `${name} ${each}${limit ? `, up to ${limit.toLocaleString('en-US')} a run` : ''}`;
  });
  return `Also billed as the provider reports them: ${parts.join('; ')}. The most shown counts them all.`;
}

/**
 * "" when fully included; otherwise how the plan limits the model. A model the plan does not include is still offered (its price and
 * estimate shown), named with the plans that include it; `allowed` says whether the plan lets it run.
 */
export function accessLabel(plan: Plan | null, m: CatalogModel, catalog: Catalog): { label: string; allowed: boolean } {
  if (!plan) return { label: '', allowed: true };
  const a = accessFor(plan, m);
  switch (a.kind) {
    case 'none': {
      const names = plansIncluding(catalog, m).map((p) => p.name);
      return { label: `not in ${plan.name}; in ${names.length > 0 ? names.join(', ') : 'no plan'}`, allowed: false };
    }
    case 'limited':
      return { label: `${a.runsPerDay} a day on ${plan.name}`, allowed: true };
    case 'unlimited':
      return { label: `free on ${plan.name}`, allowed: true };
    default:
      return { label: '', allowed: true };
  }
}

export function levelAllows(plan: Plan | null, minLevel: 'basic' | 'standard' | 'advanced' | 'full'): boolean {
  return !plan || levelRank(minLevel) <= levelRank(plan.parameterLevel);
}

/** How many images (or actions) one run may make: the model's limit, and the plan's batch size. */
export function batchMaxFor(pricing: CatalogModel['pricing'] | undefined, plan: Plan | null): number {
  return pricing && (pricing.meter === 'image' || pricing.meter === 'action') ? Math.min(pricing.maxCount, plan?.batchSize ?? pricing.maxCount) : 1;
}

/** The number fields of the form. */
export type NumberKey = 'count' | 'seconds' | 'maxOutputTokens' | 'trainingImages';
/** What the user typed in number fields whose text is not (yet) the form's number: empty, not whole, or being edited. */
export type TypedNumbers = Partial<Record<NumberKey, string>>;

export interface NumberSpec {
  key: NumberKey;
  label: string;
  min: number;
  max: number;
  /** the plan, not the model, sets the most (the batch size) */
  planLimited: boolean;
}

/** The number fields a model's meter takes, each with its range from the catalog (and the plan's batch size for counts). */
export function numberFields(p: CatalogModel['pricing'] | undefined, plan: Plan | null): NumberSpec[] {
  switch (p?.meter) {
    case 'image':
    case 'action': {
      const max = batchMaxFor(p, plan);
      return [{ key: 'count', label: p.meter === 'image' ? 'Images' : 'Count', min: 1, max, planLimited: max < p.maxCount }];
    }
    case 'second':
      return [{ key: 'seconds', label: 'Seconds', min: p.minSeconds, max: p.maxSeconds, planLimited: false }];
    case 'tokens':
      return [{ key: 'maxOutputTokens', label: 'Maximum output tokens', min: 1, max: p.maxOutputTokens, planLimited: false }];
    case 'trainingImage':
      return [{ key: 'trainingImages', label: 'Training images', min: p.minImages, max: p.maxImages, planLimited: false }];
    default:
      return [];
  }
}

const int = (n: number) => n.toLocaleString('en-US');
const onPlan = (s: NumberSpec) => (s.planLimited ? ' on your plan' : '');

/** The allowed range, said next to the field: "1 to 10", "1 to 4 on your plan", "only 1 on your plan". */
export function rangeHint(s: NumberSpec): string {
  return `${s.min === s.max ? `only ${int(s.min)}` : `${int(s.min)} to ${int(s.max)}`}${onPlan(s)}`;
}

/** What is wrong with the field's text as typed (null when it is a whole number in range); the text itself is never changed. */
export function numberProblem(text: string, s: NumberSpec): string | null {
  const single = s.min === s.max;
  if (text.trim() === '') return `Enter ${single ? int(s.min) : `a number between ${int(s.min)} and ${int(s.max)}`}${onPlan(s)}`;
  const n = Number(text);
  if (!Number.isInteger(n)) return `Enter ${single ? int(s.min) : `a whole number between ${int(s.min)} and ${int(s.max)}`}${onPlan(s)}`;
  if (n < s.min || n > s.max) return `Must be ${single ? int(s.min) : `between ${int(s.min)} and ${int(s.max)}`}${onPlan(s)}`;
  return null;
}

/** The text a number field shows: what the user typed, else the form's number. */
export function numberText(form: FormState, typed: TypedNumbers, key: NumberKey): string {
  return typed[key] ?? String(form[key]);
}

/** Why there is no estimate while a number field the model takes is empty or out of range ("No estimate: Seconds must be between 1 and 10."), else null. */
export function blockingNumber(specs: readonly NumberSpec[], form: FormState, typed: TypedNumbers): string | null {
  const bad = specs.find((s) => numberProblem(numberText(form, typed, s.key), s) !== null);
  if (!bad) return null;
  return `No estimate: ${bad.label} must be ${bad.min === bad.max ? int(bad.min) : `between ${int(bad.min)} and ${int(bad.max)}`}${onPlan(bad)}.`;
}

export interface FormState {
  target: string; // "model:<id>" or "workflow:<id>"
  prompt: string;
  count: number;
  resolutionId: string;
  modeId: string;
  seconds: number;
  maxOutputTokens: number;
  trainingImages: number;
  /** a custom model the user trained (lora:trn_…), for models that take one; '' = none */
  customModelId?: string;
}

export function selectedModel(catalog: Catalog | null, target: string): CatalogModel | null {
  if (!catalog || !target.startsWith('model:')) return null;
  return catalog.models.find((m) => m.id === target.slice(6)) ?? null;
}

/** The request the form stands for, with only the fields the model's meter takes. */
export function toRequest(catalog: Catalog | null, f: FormState): RunRequest | null {
  if (f.target.startsWith('workflow:')) return { workflowId: f.target.slice(9), prompt: f.prompt };
  const m = selectedModel(catalog, f.target);
  if (!m) return null;
  const r: RunRequest = { modelId: m.id, prompt: f.prompt };
  const p = m.pricing;
  if (p.meter === 'tokens') r.maxOutputTokens = f.maxOutputTokens;
  if (p.meter === 'image' || p.meter === 'action') r.count = f.count;
  if (p.meter === 'image') r.resolutionId = f.resolutionId || p.resolutions[0]!.id;
  if (p.meter === 'image' || p.meter === 'second' || p.meter === 'use' || p.meter === 'action') r.modeId = f.modeId || p.modes[0]!.id;
  if (p.meter === 'second') r.seconds = f.seconds;
  if (p.meter === 'trainingImage') r.trainingImages = f.trainingImages;
  if (m.customModels && f.customModelId) r.customModelId = f.customModelId;
  return r;
}

/** Resets the per-model fields to the model's defaults when the model changes. */
export function defaultsFor(m: CatalogModel | null): Partial<FormState> {
  if (!m) return {};
  const p = m.pricing;
  return {
    count: 1,
    resolutionId: p.meter === 'image' ? p.resolutions[0]!.id : '',
    modeId: 'modes' in p ? p.modes[0]!.id : '',
    seconds: p.meter === 'second' ? p.defaultSeconds : 5,
    maxOutputTokens: p.meter === 'tokens' ? p.defaultOutputTokens : 1000,
    trainingImages: p.meter === 'trainingImage' ? Math.min(10, p.maxImages) : 10,
    customModelId: '',
  };
}
