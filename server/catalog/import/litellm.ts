// LiteLLM's model_prices_and_context_window.json: read it, find a row as LiteLLM does, and price a token usage by its arithmetic, exactly.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { Dec, dec, PriceListError, type Dec as Decimal } from './decimal';
import type { TokenUsage } from './genai-prices';

/** One row: the fields the importer reads are checked, the rest (supports_*, metadata…) are kept as they are. */
const cost = z.number().min(0);
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

export interface LitellmRates {
  input: Decimal;
  output: Decimal;
  /** undefined: the row has no price of its own (LiteLLM then counts such tokens at 0) */
  cacheRead: Decimal | undefined;
  cacheWrite: Decimal | undefined;
}

function num(row: LitellmRow, key: string): Decimal | undefined {
  const v = row[key];
  return typeof v === 'number' ? dec(v, key) : undefined;
}

/** The per-token prices for a run with this many prompt tokens: the highest threshold exceeded sets every price it names. */
export function ratesAt(row: LitellmRow, provider: string, promptTokens: number): LitellmRates {
  const base: LitellmRates = { input: num(row, 'input_cost_per_token') ?? new Dec(0), output: num(row, 'output_cost_per_token') ?? new Dec(0), cacheRead: num(row, 'cache_read_input_token_cost'), cacheWrite: num(row, 'cache_creation_input_token_cost') };
  const reached = thresholdsOf(row).filter((t) => promptTokens > t.tokens || (thresholdIsInclusive(provider) && promptTokens === t.tokens));
  const top = reached[reached.length - 1];
  if (!top) return base;
  const above = (k: string) => num(row, `${k}_above_${top.key}_tokens`);
  return {
    input: above('input_cost_per_token') ?? base.input,
    output: above('output_cost_per_token') ?? base.output,
    cacheRead: above('cache_read_input_token_cost') ?? base.cacheRead,
    cacheWrite: above('cache_creation_input_token_cost') ?? base.cacheWrite,
  };
}

/**
 * Dollars for a token usage by LiteLLM's arithmetic, exact: text tokens (prompt − cache hits − cache writes) at the input price,
 * cache hits and writes at their own prices (0 when the row has none, as LiteLLM counts them), completion at the output price.
 */
export function usdOfRowUsage(row: LitellmRow, provider: string, u: TokenUsage): { input: Decimal; output: Decimal; total: Decimal } {
  const r = ratesAt(row, provider, u.inputTokens);
  const text = u.inputTokens - u.cacheReadTokens - u.cacheWriteTokens;
  if (text < 0) throw new PriceListError(`cached tokens (${u.cacheReadTokens} read, ${u.cacheWriteTokens} written) cannot exceed the input tokens (${u.inputTokens})`);
  const input = r.input.times(text).plus((r.cacheRead ?? new Dec(0)).times(u.cacheReadTokens)).plus((r.cacheWrite ?? new Dec(0)).times(u.cacheWriteTokens));
  const output = r.output.times(u.outputTokens);
  return { input, output, total: input.plus(output) };
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
