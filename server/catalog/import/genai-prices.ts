// The genai-prices v2 data (providers, model matching rules, conditional and tiered prices): read it, match a model as the list does, price a usage exactly.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { issuesText } from '../../../shared/rules/issues';
import type { UnitCounts } from '../../../shared/rules/token-cost';
import { contains, overlaps, joinOf, specificFirst, unitOfPriceKey, USAGE_UNITS, type UnitKey } from '../../../shared/rules/usage-units';
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

/** How the list reads a provider's usage out of its answer: a path of keys (or array items matched by a field) for each unit. */
const extractPath = z.union([z.string(), z.array(z.union([z.string(), z.object({ type: z.literal('array-match'), field: z.string(), match: matchLogic })]))]);
const extractor = z.object({
  api_flavor: z.string(),
  root: extractPath,
  model_path: extractPath,
  mappings: z.array(z.object({ dest: z.string(), path: extractPath, required: z.boolean() })),
});

const provider = z.object({
  id: z.string().min(1),
  api_pattern: z.string().optional(),
  extractors: z.array(extractor).optional(),
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
  if (!r.success) throw new PriceListError(`${from} is not genai-prices v2 data: ${issuesText(r.error.issues, { max: 3 })}`);
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

/** A usage by unit, as genai-prices counts it: input_tokens are every input token, input_audio_tokens the audio ones among them. */
export type UnitUsage = Partial<Record<UnitKey, number>>;

/** A usage as the catalog names it: the four token counts with fields of their own, and the other units by name. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  units?: UnitCounts | undefined;
}
export function unitUsageOf(u: TokenUsage): UnitUsage {
  return { ...u.units, input_tokens: u.inputTokens, output_tokens: u.outputTokens, cache_read_tokens: u.cacheReadTokens, cache_write_tokens: u.cacheWriteTokens };
}

/** The list's price keys that no unit of the registry charges (the package skips them: they cost nothing there). */
export function unknownPriceKeys(prices: ModelPrice): string[] {
  return Object.keys(prices).filter((k) => prices[k] !== undefined && !unitOfPriceKey(k));
}

/** The units a price set charges. */
export function pricedUnits(prices: ModelPrice): UnitKey[] {
  return Object.keys(prices).flatMap((k) => (prices[k] !== undefined && unitOfPriceKey(k) ? [unitOfPriceKey(k)!] : []));
}

/**
 * The list's own consistency rules for a price set, as the package checks them before pricing: a priced unit's containers are priced
 * (cache_audio_read_mtok needs cache_read_mtok, input_audio_mtok and input_mtok), and two priced units that can count the same
 * tokens have their join priced. Returns what is wrong, or nothing.
 */
export function priceSetProblems(prices: ModelPrice): string[] {
  const units = pricedUnits(prices);
  const problems: string[] = [];
  for (const u of units) for (const a of UNIT_KEYS_CONTAINING(u)) if (!units.includes(a)) problems.push(`${USAGE_UNITS[u].priceKey} needs ${USAGE_UNITS[a].priceKey}`);
  for (let i = 0; i < units.length; i++) for (let j = i + 1; j < units.length; j++) {
    const a = units[i]!;
    const b = units[j]!;
    if (!overlaps(a, b)) continue;
    const join = joinOf(a, b);
    if (!join || !units.includes(join)) problems.push(`${USAGE_UNITS[a].priceKey} and ${USAGE_UNITS[b].priceKey} need ${join ? USAGE_UNITS[join].priceKey : 'a join unit'}`);
  }
  return problems;
}

function UNIT_KEYS_CONTAINING(u: UnitKey): UnitKey[] {
  return (Object.keys(USAGE_UNITS) as UnitKey[]).filter((a) => contains(a, u));
}

/** A unit's count in a usage, the package's way: a unit not reported is 0, unless a unit it contains, or two that it joins, were used. */
function reported(u: UnitUsage, key: UnitKey): number {
  const v = u[key];
  if (v !== undefined) {
    if (!Number.isFinite(v) || v < 0) throw new PriceListError(`the usage's ${key} must be a non-negative number, got ${v}`);
    return v;
  }
  const used = (Object.keys(u) as UnitKey[]).filter((k) => k in USAGE_UNITS && k !== 'requests' && (u[k] ?? 0) > 0);
  const part = used.find((k) => contains(key, k));
  if (part) throw new PriceListError(`the usage says ${part} but not ${key}, which contains it`);
  for (const a of used) for (const b of used) {
    if (a < b && overlaps(a, b) && joinOf(a, b) === key) throw new PriceListError(`the usage says ${a} and ${b} but not ${key}, how many were both`);
  }
  return 0;
}

/** Each priced unit's own part of a usage: its count less the parts of the priced units it contains, most specific first. */
function partsOfUsage(units: UnitKey[], u: UnitUsage): Map<UnitKey, number> {
  const parts = new Map<UnitKey, number>();
  for (const k of [...units].filter((x) => x !== 'requests').sort(specificFirst)) {
    const total = reported(u, k);
    let own = total;
    for (const [d, v] of parts) if (contains(k, d)) own -= v;
    if (own < 0) throw new PriceListError(`invalid usage: the units within ${k} add up to ${total - own}, more than its ${total}`);
    parts.set(k, own);
  }
  if (units.includes('requests')) parts.set('requests', 1);
  return parts;
}

/** The package's one special case: Groq bills a Whisper transcription as at least 10 seconds. */
export function groqMinimumSeconds(providerId: string, modelId: string): number | undefined {
  return providerId === 'groq' && (modelId === 'whisper-large-v3' || modelId === 'whisper-large-v3-turbo') ? 10 : undefined;
}

function withMinimumSeconds(u: UnitUsage, min: number | undefined): UnitUsage {
  if (min === undefined) return u;
  const d = u.audio_seconds === 0 ? u.input_audio_seconds : (u.audio_seconds ?? u.input_audio_seconds);
  if (d === undefined) return u;
  const s = d > 0 ? Math.max(d, min) : 0;
  return { ...u, audio_seconds: s, input_audio_seconds: s };
}

/**
 * Dollars for a usage by the list's arithmetic, in exact decimals: each priced unit's own part × its price ÷ its quantity (a tiered
 * price at the tier the input tokens reach), a priced request once; input, output and the rest (searches, requests) apart.
 */
export function usdOfUsage(prices: ModelPrice, usage: UnitUsage, opts: { minimumSeconds?: number | undefined } = {}): { input: Decimal; output: Decimal; other: Decimal; total: Decimal } {
  const problems = priceSetProblems(prices);
  if (problems.length > 0) throw new PriceListError(`the list's prices do not add up: ${problems.join('; ')}`);
  const u = withMinimumSeconds(usage, opts.minimumSeconds);
  const units = pricedUnits(prices);
  const tiered = units.some((k) => typeof prices[USAGE_UNITS[k].priceKey] === 'object');
  const inputTokens = tiered ? reported(u, 'input_tokens') : 0;
  const parts = partsOfUsage(units, u);
  const sum = { input: new Dec(0), output: new Dec(0), other: new Dec(0) };
  for (const k of units) {
    const part = parts.get(k) ?? 0;
    if (part <= 0) continue;
    const usd = priceFor(prices[USAGE_UNITS[k].priceKey], inputTokens)!.times(part).dividedBy(USAGE_UNITS[k].per);
    const dir = USAGE_UNITS[k].dims as Record<string, string>;
    const side = dir.direction === 'input' ? 'input' : dir.direction === 'output' ? 'output' : 'other';
    sum[side] = sum[side].plus(usd);
  }
  return { ...sum, total: sum.input.plus(sum.output).plus(sum.other) };
}
