// LiteLLM's model_prices_and_context_window.json: read it, find a row as LiteLLM does, and price a usage of every unit by its arithmetic, exactly.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { TokenCounts } from '../../../shared/rules/token-cost';
import type { ExtraUnitKey } from '../../../shared/rules/usage-units';
import { Dec, dec, PriceListError, type Dec as Decimal } from './decimal';

/** One row: the fields the importer reads are checked, the rest (supports_*, metadata…) are kept as they are. */
const cost = z.number().min(0);
const searchSizes = z.object({ search_context_size_low: cost.optional(), search_context_size_medium: cost.optional(), search_context_size_high: cost.optional() }).loose();
export const litellmRowSchema = z
  .object({
    litellm_provider: z.string().min(1),
    mode: z.string().optional(),
    max_tokens: z.union([z.number(), z.string()]).optional(),
    max_input_tokens: z.union([z.number(), z.string()]).optional(),
    max_output_tokens: z.union([z.number(), z.string()]).optional(),
    input_cost_per_token: cost.optional(),
    output_cost_per_token: cost.optional(),
    cache_read_input_token_cost: cost.optional(),
    cache_creation_input_token_cost: cost.optional(),
    cache_creation_input_token_cost_above_1hr: cost.optional(),
    input_cost_per_audio_token: cost.optional(),
    input_cost_per_image_token: cost.optional(),
    input_cost_per_video_token: cost.optional(),
    input_cost_per_audio_per_second: cost.optional(),
    input_cost_per_video_per_second: cost.optional(),
    input_cost_per_character: cost.optional(),
    input_cost_per_request: cost.optional(),
    output_cost_per_audio_token: cost.optional(),
    output_cost_per_image_token: cost.optional(),
    output_cost_per_video_token: cost.optional(),
    output_cost_per_reasoning_token: cost.optional(),
    output_cost_per_character: cost.optional(),
    citation_cost_per_token: cost.optional(),
    search_context_cost_per_query: searchSizes.optional(),
    search_queries_cost_per_query: cost.optional(),
    web_search_cost_per_request: cost.optional(),
    input_cost_per_image: cost.optional(),
    output_cost_per_image: cost.optional(),
    input_cost_per_pixel: cost.optional(),
    output_cost_per_pixel: cost.optional(),
    output_cost_per_second: cost.optional(),
    output_cost_per_video_per_second: cost.optional(),
  })
  .loose();
export type LitellmRow = z.infer<typeof litellmRowSchema>;

export interface LitellmList {
  rows: Map<string, LitellmRow>;
  edition: string;
  /** keys that are not model rows (LiteLLM's sample_spec, rule blocks) or that did not parse */
  skipped: string[];
}

/** Reads the file an operator gives; LiteLLM ships no package that carries it. */
export function loadLitellm(file: string): LitellmList {
  const text = readFileSync(file, 'utf8');
  const raw = JSON.parse(text) as unknown;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new PriceListError(`${file} is not LiteLLM's model_prices_and_context_window.json (an object of model rows)`);
  const rows = new Map<string, LitellmRow>();
  const skipped: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const r = key === 'sample_spec' ? null : litellmRowSchema.safeParse(value);
    if (r?.success) rows.set(key, r.data);
    else skipped.push(key);
  }
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return { rows, skipped, edition: `LiteLLM ${path.basename(file)} sha256:${digest}` };
}

/** LiteLLM's lookup: the model as given, then under the provider's prefix, then without a prefix the provider added. */
export function findRow(list: LitellmList, provider: string, reportedModelId: string): { key: string; row: LitellmRow } | undefined {
  const id = reportedModelId.trim();
  const prefix = `${provider}/`;
  const keys = [id, `${prefix}${id}`, id.startsWith(prefix) ? id.slice(prefix.length) : null];
  for (const key of keys) {
    const row = key === null ? undefined : list.rows.get(key);
    if (row && row.litellm_provider === provider) return { key: key!, row };
  }
  return undefined;
}

/** Which of LiteLLM's calculators prices a provider's chat runs (litellm/cost_calculator.py, cost_per_token, picks it by provider). */
export type LitellmCalculator = 'generic' | 'perplexity' | 'xai' | 'dashscope';
export function calculatorOf(provider: string): LitellmCalculator {
  return provider === 'perplexity' || provider === 'xai' || provider === 'dashscope' ? provider : 'generic';
}

/**
 * Whether LiteLLM reads the row's token prices through _get_token_base_cost (the generic and xAI calculators): its _above_<N>_tokens
 * thresholds, and the image-token price standing in for a missing output price. Perplexity's and DashScope's calculators do neither.
 */
export function readsTokenBaseCost(provider: string): boolean {
  const c = calculatorOf(provider);
  return c === 'generic' || c === 'xai';
}

/** The thresholds a row prices above, from its input_cost_per_token_above_<N>k_tokens keys, ascending. */
export function thresholdsOf(row: LitellmRow): { key: string; tokens: number }[] {
  const out: { key: string; tokens: number }[] = [];
  for (const k of Object.keys(row)) {
    const m = /^input_cost_per_token_above_(\d+(?:\.\d+)?)(k?)_tokens$/.exec(k);
    if (m && typeof row[k] === 'number') out.push({ key: `${m[1]}${m[2]}`, tokens: Number(m[1]) * (m[2] ? 1000 : 1) });
  }
  return out.sort((a, b) => a.tokens - b.tokens);
}

/** LiteLLM counts xAI's long-context price from the threshold itself; everyone else's from above it. */
export function thresholdIsInclusive(provider: string): boolean {
  return provider === 'xai';
}

/** The row field that prices each unit beyond the four core token counts, as LiteLLM's arithmetic reads it. */
export const LITELLM_UNIT_FIELDS = {
  input_audio_tokens: 'input_cost_per_audio_token',
  input_image_tokens: 'input_cost_per_image_token',
  input_video_tokens: 'input_cost_per_video_token',
  cache_write_1h_tokens: 'cache_creation_input_token_cost_above_1hr',
  input_characters: 'input_cost_per_character',
  input_audio_seconds: 'input_cost_per_audio_per_second',
  output_audio_tokens: 'output_cost_per_audio_token',
  output_image_tokens: 'output_cost_per_image_token',
  output_video_tokens: 'output_cost_per_video_token',
  output_reasoning_tokens: 'output_cost_per_reasoning_token',
} as const satisfies Partial<Record<ExtraUnitKey, string>>;
export type LitellmUnit = keyof typeof LITELLM_UNIT_FIELDS;

const INPUT_UNITS: LitellmUnit[] = ['input_audio_tokens', 'input_image_tokens', 'input_video_tokens', 'cache_write_1h_tokens', 'input_characters', 'input_audio_seconds'];
const OUTPUT_UNITS: LitellmUnit[] = ['output_audio_tokens', 'output_image_tokens', 'output_video_tokens', 'output_reasoning_tokens'];
/** The units each calculator reads from a usage (searches apart); it counts the others among the text tokens. */
export const UNITS_READ: Record<LitellmCalculator, readonly LitellmUnit[]> = {
  generic: [...INPUT_UNITS, ...OUTPUT_UNITS],
  xai: INPUT_UNITS,
  perplexity: ['output_reasoning_tokens'],
  dashscope: ['output_reasoning_tokens'],
};

export interface LitellmRates {
  input: Decimal;
  output: Decimal;
  /** undefined: the row has no price of its own (LiteLLM then counts such tokens at 0) */
  cacheRead: Decimal | undefined;
  cacheWrite: Decimal | undefined;
  /** cache writes kept an hour (Anthropic's ephemeral_1h_input_tokens) */
  cacheWrite1h: Decimal | undefined;
}

const ZERO = new Dec(0);

export function num(row: LitellmRow, key: string): Decimal | undefined {
  const v = row[key];
  return typeof v === 'number' ? dec(v, key) : undefined;
}

/** The per-token prices for a run with this many prompt tokens: the highest threshold exceeded sets every price it names. */
export function ratesAt(row: LitellmRow, provider: string, promptTokens: number): LitellmRates {
  const text = num(row, 'output_cost_per_token');
  // _get_token_base_cost: a row whose text output is free or unpriced bills every output token at its image-token price
  const output = !readsTokenBaseCost(provider) || (text && !text.isZero()) ? (text ?? ZERO) : (num(row, 'output_cost_per_image_token') ?? text ?? ZERO);
  const base: LitellmRates = { input: num(row, 'input_cost_per_token') ?? ZERO, output, cacheRead: num(row, 'cache_read_input_token_cost'), cacheWrite: num(row, 'cache_creation_input_token_cost'), cacheWrite1h: num(row, 'cache_creation_input_token_cost_above_1hr') };
  if (!readsTokenBaseCost(provider)) return base;
  const reached = thresholdsOf(row).filter((t) => promptTokens > t.tokens || (thresholdIsInclusive(provider) && promptTokens === t.tokens));
  const top = reached[reached.length - 1];
  if (!top) return base;
  const above = (k: string) => num(row, `${k}_above_${top.key}_tokens`);
  return {
    input: above('input_cost_per_token') ?? base.input,
    output: above('output_cost_per_token') ?? base.output,
    cacheRead: above('cache_read_input_token_cost') ?? base.cacheRead,
    cacheWrite: above('cache_creation_input_token_cost') ?? base.cacheWrite,
    cacheWrite1h: above('cache_creation_input_token_cost_above_1hr') ?? base.cacheWrite1h,
  };
}

const countOf = (u: TokenCounts, k: ExtraUnitKey): number => u.units?.[k] ?? 0;

/** LiteLLM's reading of the prompt: cached and written tokens first, then audio, image and video out of what is left, text the rest. */
function promptParts(u: TokenCounts): { text: number; audio: number; image: number; video: number } {
  const [p, c, w] = [u.inputTokens, u.cacheReadTokens ?? 0, u.cacheWriteTokens ?? 0];
  const [a, i, v] = [countOf(u, 'input_audio_tokens'), countOf(u, 'input_image_tokens'), countOf(u, 'input_video_tokens')];
  if (c + w > p) throw new PriceListError(`cached tokens (${c} read, ${w} written) cannot exceed the input tokens (${p})`);
  if (a + i + v > p) throw new PriceListError(`audio, image and video input tokens (${a}, ${i}, ${v}) cannot exceed the input tokens (${p})`);
  if (countOf(u, 'cache_write_1h_tokens') > w) throw new PriceListError(`hour-long cache writes (${countOf(u, 'cache_write_1h_tokens')}) cannot exceed the cache writes (${w})`);
  if ((c > 0 || w > 0) && c + w + a + i + v > p) {
    // the counts overlap: a modality bills only what the cache left, in this order
    const left = p - c - w;
    const audio = Math.min(a, left);
    const image = Math.min(i, left - audio);
    const video = Math.min(v, left - audio - image);
    return { text: left - audio - image - video, audio, image, video };
  }
  return { text: p - c - w - a - i - v, audio: a, image: i, video: v };
}

function inputUsd(row: LitellmRow, calc: LitellmCalculator, r: LitellmRates, u: TokenCounts): Decimal {
  const [c, w] = [u.cacheReadTokens ?? 0, u.cacheWriteTokens ?? 0];
  const parts = promptParts(u);
  if (calc === 'perplexity') return r.input.times(u.inputTokens);
  if (calc === 'dashscope') return r.input.times(u.inputTokens - c - w).plus((r.cacheRead ?? r.input).times(c)).plus((r.cacheWrite ?? r.input).times(w));
  const own = (unit: LitellmUnit) => num(row, LITELLM_UNIT_FIELDS[unit]);
  const baseInput = num(row, 'input_cost_per_token') ?? ZERO;
  const hour = countOf(u, 'cache_write_1h_tokens');
  return r.input.times(parts.text)
    .plus((r.cacheRead ?? ZERO).times(c))
    .plus((r.cacheWrite ?? ZERO).times(w - hour)).plus((r.cacheWrite1h ?? ZERO).times(hour))
    .plus((own('input_audio_tokens') ?? ZERO).times(parts.audio))
    .plus((own('input_image_tokens') ?? baseInput).times(parts.image))
    .plus((own('input_video_tokens') ?? baseInput).times(parts.video))
    .plus((own('input_characters') ?? ZERO).times(countOf(u, 'input_characters')))
    .plus((own('input_audio_seconds') ?? ZERO).times(countOf(u, 'input_audio_seconds')));
}

function outputUsd(row: LitellmRow, calc: LitellmCalculator, r: LitellmRates, u: TokenCounts): Decimal {
  const [reasoning, audio, image, video] = (['output_reasoning_tokens', 'output_audio_tokens', 'output_image_tokens', 'output_video_tokens'] as const).map((k) => countOf(u, k)) as [number, number, number, number];
  if (reasoning + audio + image + video > u.outputTokens) throw new PriceListError(`reasoning, audio, image and video output tokens (${reasoning}, ${audio}, ${image}, ${video}) cannot exceed the output tokens (${u.outputTokens})`);
  const own = (unit: LitellmUnit) => num(row, LITELLM_UNIT_FIELDS[unit]);
  if (calc === 'xai') return r.output.times(u.outputTokens);
  if (calc === 'perplexity') return r.output.times(u.outputTokens - reasoning).plus((own('output_reasoning_tokens') ?? ZERO).times(reasoning));
  if (calc === 'dashscope') return r.output.times(u.outputTokens - reasoning).plus((own('output_reasoning_tokens') ?? r.output).times(reasoning));
  return r.output.times(u.outputTokens - reasoning - audio - image - video)
    .plus((own('output_audio_tokens') ?? r.output).times(audio))
    .plus((own('output_reasoning_tokens') ?? r.output).times(reasoning))
    .plus((own('output_image_tokens') ?? r.output).times(image))
    .plus((own('output_video_tokens') ?? r.output).times(video));
}

export type SearchContextSize = 'low' | 'medium' | 'high';
/** Google's grounding price LiteLLM's code assumes where a Gemini or Vertex row names none: $35 per thousand. */
export const GOOGLE_SEARCH_USD = '0.035';
/** Mistral's web_search and web_search_premium connectors, priced in LiteLLM's code (llms/mistral/cost_calculator.py). */
export const MISTRAL_SEARCH_USD = { standard: '0.03', premium: '0.05' } as const;

/**
 * Dollars for a run's web searches (grounded prompts), as LiteLLM's provider code counts them: llms/__init__.py
 * get_cost_for_web_search_request, then StandardBuiltInToolCostTracking.get_cost_for_web_search for the providers it leaves out.
 */
export function searchUsd(row: LitellmRow, provider: string, searches: number, opts: { key?: string | undefined; size?: SearchContextSize | undefined; premium?: number | undefined } = {}): Decimal {
  if (searches <= 0) return ZERO;
  const sized = (s: SearchContextSize) => row.search_context_cost_per_query?.[`search_context_size_${s}`];
  const per = (v: number | string | undefined) => (v === undefined ? ZERO : dec(v, 'web search price'));
  if (provider === 'perplexity') {
    if (row.search_queries_cost_per_query) return per(row.search_queries_cost_per_query).times(searches);
    return row.search_context_cost_per_query ? per(sized('low') ?? 0).dividedBy(1000).times(searches) : ZERO;
  }
  if (provider === 'gemini') return per(sized('medium') ?? GOOGLE_SEARCH_USD).times(searches);
  const claude = /claude/i.test(opts.key ?? '') || provider === 'vertex_ai-anthropic_models';
  if (provider === 'anthropic' || (provider.startsWith('vertex_ai') && claude)) return per(sized('medium')).times(searches);
  if (provider.startsWith('vertex_ai')) return per(row.web_search_cost_per_request ?? GOOGLE_SEARCH_USD);
  if (provider === 'mistral') {
    const premium = Math.min(opts.premium ?? 0, searches);
    return per(MISTRAL_SEARCH_USD.standard).times(searches - premium).plus(per(MISTRAL_SEARCH_USD.premium).times(premium));
  }
  if (provider === 'xai') return ZERO;
  return per(sized(opts.size ?? 'medium'));
}

export interface LitellmUsd {
  input: Decimal;
  output: Decimal;
  /** web searches */
  other: Decimal;
  total: Decimal;
  /** units the usage reports that LiteLLM's calculator for this provider does not read (it prices them as text, or not at all) */
  unread: ExtraUnitKey[];
}

/**
 * Dollars for a usage by LiteLLM's arithmetic, exact (decimal.js). `u` counts every input token in inputTokens (cached, audio, image
 * ones included) and every output token in outputTokens (reasoning, audio, image ones included), as the shared meter does. What
 * LiteLLM does, in its code at the edition the fixture comes from (BerriAI/litellm):
 *
 * - litellm_core_utils/llm_cost_calc/utils.py, generic_cost_per_token, prices most providers (OpenAI, Azure, Anthropic, Bedrock,
 *   Gemini, DeepSeek, Vertex's Gemini and Claude, any other with token prices). Prompt: the text tokens are the prompt less the
 *   cache hits, cache writes, audio, image and video tokens; when those overlap (their sum passes the prompt while something is cached),
 *   the cache counts first and audio, image, video in that order take only what it left. Text at the input price; cache hits at
 *   cache_read_input_token_cost, writes at cache_creation_input_token_cost, hour-long writes at …_above_1hr, each 0 when the row
 *   has none; audio at input_cost_per_audio_token, 0 when the row has none (no fallback); image and video at their own token price,
 *   else the row's plain input_cost_per_token (never a tier's); characters × input_cost_per_character and seconds ×
 *   input_cost_per_audio_per_second added on top, 0 without a price. Completion: text is the completion less reasoning, audio, image
 *   and video tokens; each of those at its own price (output_cost_per_reasoning_token, …_audio_token, …_image_token,
 *   …_video_token), else at the output price in force. A row with no (or a 0) output price bills output at its image-token price.
 * - Tiers (_get_token_base_cost): the highest _above_<N>_tokens threshold the prompt passes (xAI: reaches) switches the input,
 *   output, cache read, cache write and hour-long cache write prices; nothing else is tiered (audio, image, video, reasoning,
 *   characters and seconds keep their one price, and a unit without one follows the tiered text price only on the output side).
 * - llms/perplexity/cost_calculator.py: every prompt token at the input price (no cache price), completion at the output price,
 *   reasoning on top at output_cost_per_reasoning_token (0 without), searches at search_queries_cost_per_query, else the low size of
 *   search_context_cost_per_query ÷ 1000. llms/xai/cost_calculator.py: the completion and reasoning both at the output price.
 *   llms/dashscope/cost_calculator.py: cache prices fall back to the input price, reasoning to the output price, no thresholds.
 * - Web search (searchUsd): Anthropic and Claude on Vertex: medium size × searches; Gemini: medium size (else $0.035) × searches;
 *   Vertex's Gemini: web_search_cost_per_request (else $0.035) once a run; Mistral: $0.03 a call ($0.05 premium); the rest
 *   (OpenAI, Azure, Bedrock…): one query at the requested context size (medium by default) once a run, whatever the count.
 * - input_cost_per_request, input_cost_per_image (per image), input_cost_per_video_per_second, output_cost_per_character and
 *   citation_cost_per_token are in rows but not in this arithmetic for a chat run on these paths.
 * Not modelled (no usage field, or no row of these kinds that the importer takes): Anthropic's geo and speed multipliers, Vertex's
 * per-character path (rows priced only per character) and its 128k path, the calculators of azure_ai, databricks, fireworks_ai
 * and lemonade (priced here as generic), xAI's web-search calculator, and off-peak hours (standard prices here).
 */
export function usdOfRowUsage(row: LitellmRow, provider: string, u: TokenCounts, opts: { key?: string | undefined; searchContextSize?: SearchContextSize | undefined } = {}): LitellmUsd {
  const calc = calculatorOf(provider);
  const r = ratesAt(row, provider, u.inputTokens);
  const input = inputUsd(row, calc, r, u);
  const output = outputUsd(row, calc, r, u);
  const other = searchUsd(row, provider, countOf(u, 'web_searches'), { key: opts.key, size: opts.searchContextSize });
  const read = new Set<string>([...UNITS_READ[calc], ...(calc === 'xai' ? [] : ['web_searches'])]);
  const unread = (Object.entries(u.units ?? {}) as [ExtraUnitKey, number][]).filter(([k, v]) => v > 0 && !read.has(k)).map(([k]) => k);
  return { input, output, other, total: input.plus(output).plus(other), unread };
}

/** An image size a key names, as LiteLLM's per-pixel rows do ("1024-x-1024/dall-e-3"). */
export function sizeInKey(key: string): { width: number; height: number } | undefined {
  const m = /(?:^|\/)(\d{2,5})-x-(\d{2,5})(?:\/|$)/.exec(key);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
}

export function intOf(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
