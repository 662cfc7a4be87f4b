// The genai-prices v2 data (providers, model matching rules, conditional and tiered prices): read it, match a model as the list does, price a usage exactly.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { Dec, dec, PriceListError, type Dec as Decimal } from './decimal';

export type MatchLogic =
  | { equals: string }
  | { starts_with: string }
  | { ends_with: string }
  | { contains: string }
  | { regex: string }
  | { or: MatchLogic[] }
  | { and: MatchLogic[] };

const matchLogic: z.ZodType<MatchLogic> = z.lazy(() =>
  z.union([
    z.object({ equals: z.string() }),
    z.object({ starts_with: z.string() }),
    z.object({ ends_with: z.string() }),
    z.object({ contains: z.string() }),
    z.object({ regex: z.string() }),
    z.object({ or: z.array(matchLogic) }),
    z.object({ and: z.array(matchLogic) }),
  ]),
);
const price = z.number().min(0);
const tieredPrice = z.object({ base: price, tiers: z.array(z.object({ start: z.int().min(0), price })) });
const modelPrice = z.record(z.string(), z.union([price, tieredPrice]));
export type ModelPrice = z.infer<typeof modelPrice>;
export type TieredPrice = z.infer<typeof tieredPrice>;

/** The data file writes a constraint with or without its `type`; the package adds it. Both are read. */
const constraint = z.union([
  z.object({ start_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }).transform((c) => ({ type: 'start_date' as const, start_date: c.start_date })),
  z.object({ start_time: z.string(), end_time: z.string() }).transform((c) => ({ type: 'time_of_date' as const, start_time: c.start_time, end_time: c.end_time })),
]);
const conditionalPrice = z.object({ constraint: constraint.optional(), prices: modelPrice });
export type ConditionalPrice = z.infer<typeof conditionalPrice>;

const modelInfo = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  match: matchLogic,
  prices: z.union([modelPrice, z.array(conditionalPrice).min(1)]),
  context_window: z.number().optional(),
  deprecated: z.boolean().optional(),
});
export type GenaiModel = z.infer<typeof modelInfo>;

const provider = z.object({
  id: z.string().min(1),
  name: z.string(),
  pricing_urls: z.array(z.string()).optional(),
  model_match: matchLogic.optional(),
  provider_match: matchLogic.optional(),
  fallback_model_providers: z.array(z.string()).optional(),
  models: z.array(modelInfo),
});
export type GenaiProvider = z.infer<typeof provider>;

export const genaiDataSchema = z.array(provider).min(1);

export interface GenaiList {
  providers: GenaiProvider[];
  /** which edition: the package and its version, or the file and its digest */
  edition: string;
}

function parseData(raw: unknown, from: string): GenaiProvider[] {
  const r = genaiDataSchema.safeParse(raw);
  if (!r.success) throw new PriceListError(`${from} is not genai-prices v2 data: ${r.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

function installedVersion(): string {
  try {
    const entry = createRequire(__filename).resolve('@pydantic/genai-prices');
    return (JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown version';
  }
}

/** The v2 data from a file (genai-prices' prices/new_data/v2/data.json), or the data bundled in the installed package. */
export async function loadGenaiPrices(file?: string): Promise<GenaiList> {
  if (file) {
    const text = readFileSync(file, 'utf8');
    const digest = createHash('sha256').update(text).digest('hex').slice(0, 12);
    return { providers: parseData(JSON.parse(text), file), edition: `genai-prices data ${path.basename(file)} sha256:${digest}` };
  }
  const pkg = await import('@pydantic/genai-prices');
  return { providers: parseData(await pkg.waitForUpdate(), '@pydantic/genai-prices'), edition: `@pydantic/genai-prices ${installedVersion()}` };
}

/** The list's matching rules: case-insensitive text tests, regular expressions as written (on the lower-cased id, as the package does). */
export function matches(logic: MatchLogic, text: string): boolean {
  const t = text.toLowerCase();
  if ('or' in logic) return logic.or.some((l) => matches(l, text));
  if ('and' in logic) return logic.and.every((l) => matches(l, text));
  if ('equals' in logic) return t === logic.equals.toLowerCase();
  if ('starts_with' in logic) return t.startsWith(logic.starts_with.toLowerCase());
  if ('ends_with' in logic) return t.endsWith(logic.ends_with.toLowerCase());
  if ('contains' in logic) return t.includes(logic.contains.toLowerCase());
  return new RegExp(logic.regex).test(text);
}

/** A provider by its id, or by its provider_match rule (as the package finds "azure-openai" or "bedrock"). */
export function findProvider(providers: GenaiProvider[], providerId: string): GenaiProvider | undefined {
  const id = providerId.toLowerCase().trim();
  return providers.find((p) => p.id === id) ?? providers.find((p) => p.provider_match && matches(p.provider_match, id));
}

export interface GenaiMatch {
  provider: GenaiProvider;
  model: GenaiModel;
  /** the provider whose prices were used, when the model was found through a fallback */
  fallbackFrom?: string;
}

function findIn(providers: GenaiProvider[], p: GenaiProvider, modelId: string, fallbacks: boolean): GenaiMatch | undefined {
  const model = p.models.find((m) => matches(m.match, modelId));
  if (model) return { provider: p, model };
  if (!fallbacks) return undefined;
  for (const id of p.fallback_model_providers ?? []) {
    const other = providers.find((x) => x.id === id);
    const found = other && findIn(providers, other, modelId, false);
    if (found) return { ...found, fallbackFrom: p.id };
  }
  return undefined;
}

/** An -YYYYMMDD date suffix written -YYYY-MM-DD, the package's second try (claude-3-5-sonnet-20241022 → …-2024-10-22). */
function dashedDate(modelId: string): string {
  return modelId.replace(/(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g, (whole, dash: string, y: string, m: string, d: string) => {
    const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
    return date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d) ? `${dash}${y}-${m}-${d}` : whole;
  });
}

/** The model a provider reports, matched by the provider's rules, then its fallback providers', then with a dashed date. */
export function findModel(providers: GenaiProvider[], p: GenaiProvider, reportedModelId: string): GenaiMatch | undefined {
  const id = reportedModelId.toLowerCase().trim();
  const found = findIn(providers, p, id, true);
  if (found) return found;
  const dashed = dashedDate(id);
  return dashed === id ? undefined : findIn(providers, p, dashed, true);
}

/** Seconds after midnight UTC of a time like "16:30:00Z" or "00:30:00+08:00". */
function secondsOfDay(time: string): number {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (!m) throw new PriceListError(`invalid time of day in the price list: ${time}`);
  const offset = m[4] === 'Z' ? 0 : (m[5] === '+' ? 1 : -1) * (Number(m[6]) * 3600 + Number(m[7]) * 60);
  return (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) - offset + 86_400) % 86_400;
}

function inWindow(c: { start_time: string; end_time: string }, atMs: number): boolean {
  const now = Math.floor((((atMs % 86_400_000) + 86_400_000) % 86_400_000) / 1000);
  const start = secondsOfDay(c.start_time);
  const end = secondsOfDay(c.end_time);
  return end < start ? now >= start || now < end : now >= start && now < end;
}

/** The prices in force at a moment, as the package picks them: the last entry whose constraint holds, else the first. */
export function pricesAt(model: GenaiModel, atMs: number): ConditionalPrice {
  if (!Array.isArray(model.prices)) return { prices: model.prices };
  for (let i = model.prices.length - 1; i >= 0; i--) {
    const c = model.prices[i]!;
    if (!c.constraint) return c;
    if (c.constraint.type === 'start_date' && atMs >= Date.parse(`${c.constraint.start_date}T00:00:00Z`)) return c;
    if (c.constraint.type === 'time_of_date' && inWindow(c.constraint, atMs)) return c;
  }
  return model.prices[0]!;
}

/** The day a price started, when a start-date constraint says. */
export function effectiveFrom(c: ConditionalPrice): string | undefined {
  return c.constraint?.type === 'start_date' ? c.constraint.start_date : undefined;
}

/** Every price set a model can charge during the UTC day of `atMs` (time-of-day prices give several), and the later start dates. */
export function priceSetsOfDay(model: GenaiModel, atMs: number): { sets: ConditionalPrice[]; upcoming: string[] } {
  if (!Array.isArray(model.prices)) return { sets: [{ prices: model.prices }], upcoming: [] };
  const seen = new Set<ConditionalPrice>();
  for (let s = 0; s < 86_400; s += 60) seen.add(pricesAt(model, atMs - (atMs % 86_400_000) + s * 1000));
  const upcoming = model.prices.flatMap((c) => (c.constraint?.type === 'start_date' && Date.parse(`${c.constraint.start_date}T00:00:00Z`) > atMs ? [c.constraint.start_date] : []));
  return { sets: [...seen], upcoming };
}

/** A price key's value for a run with this many input tokens: a tiered price applies its highest tier the input exceeds. */
export function priceFor(value: ModelPrice[string] | undefined, inputTokens: number): Decimal | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return dec(value);
  let p = value.base;
  for (const t of [...value.tiers].sort((a, b) => a.start - b.start)) if (inputTokens > t.start) p = t.price;
  return dec(p);
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/**
 * Dollars for a usage, by the list's arithmetic in exact decimals: each unit's tokens × its price ÷ 1,000,000, where input tokens
 * are what is left after the cached tokens the model prices apart; requests_kcount is charged once per request.
 */
export function usdOfUsage(prices: ModelPrice, u: TokenUsage): { input: Decimal; output: Decimal; other: Decimal; total: Decimal } {
  const at = (key: string) => priceFor(prices[key], u.inputTokens);
  const read = at('cache_read_mtok');
  const write = at('cache_write_mtok');
  const fresh = u.inputTokens - (read ? u.cacheReadTokens : 0) - (write ? u.cacheWriteTokens : 0);
  if (fresh < 0) throw new PriceListError(`cached tokens (${u.cacheReadTokens} read, ${u.cacheWriteTokens} written) cannot exceed the input tokens (${u.inputTokens})`);
  const perM = (tokens: number, p: Decimal | undefined) => (p ? p.times(tokens).dividedBy(1_000_000) : new Dec(0));
  const input = perM(fresh, at('input_mtok')).plus(perM(u.cacheReadTokens, read)).plus(perM(u.cacheWriteTokens, write));
  const output = perM(u.outputTokens, at('output_mtok'));
  const other = prices.requests_kcount !== undefined ? at('requests_kcount')!.dividedBy(1000) : new Dec(0);
  return { input, output, other, total: input.plus(output).plus(other) };
}
