// LiteLLM rows into catalog models: chat and completion rows priced per token and every other unit LiteLLM bills, image rows per image or pixel, video rows per second.
import type { CatalogModel } from '../../../shared/catalog/schema';
import { directionOf, joinOf, overlaps, USAGE_UNITS, type ExtraUnitKey, type UnitKey } from '../../../shared/rules/usage-units';
import { Dec, decText, mcCeil, type Dec as Decimal } from './decimal';
import { calculatorOf, intOf, LITELLM_UNIT_FIELDS, num, searchUsd, sizeInKey, thresholdIsInclusive, readsTokenBaseCost, thresholdsOf, UNITS_READ, type LitellmRow, type SearchContextSize } from './litellm';
import { catalogIdOf, MAX_OUTPUT_TOKENS, priceSource, STANDARD_MODE, TEXT_LIMITS, tokensMeter, unitLimitsFor, type Converted, type ImportSettings, type UsdLevel } from './to-catalog';

const MILLION = new Dec(1_000_000);
type UnitPrices = Partial<Record<ExtraUnitKey, Decimal>>;

/** Fields a chat run is charged by that the importer turns into catalog prices (and their _above_<N>_tokens variants). */
const CHARGED_FIELDS = new Set<string>(['input_cost_per_token', 'output_cost_per_token', 'cache_read_input_token_cost', 'cache_creation_input_token_cost', 'input_cost_per_request', 'search_queries_cost_per_query', 'web_search_cost_per_request', ...Object.values(LITELLM_UNIT_FIELDS)]);
/**
 * Prices no standard chat run is charged by: service tiers' (_priority, _flex, _batches), DeepSeek's duplicate cache-hit price,
 * Databricks' DBU counts (the dollars are the *_cost_per_token beside them), and realtime rows' cached-audio prices, which LiteLLM's
 * arithmetic does not read (the catalog charges a cached audio token at least the dearer of a cached and an audio token).
 */
const NOT_A_RUN_PRICE = /_(priority|flex|batches)$|^input_cost_per_token_cache_hit$|_dbu_cost_per_token$|^cache_(read|creation)_input_audio_token_cost$/;

/**
 * The priced fields of a chat or completion row that the catalog cannot charge, because no unit of the shared meter counts them: a
 * price per image sent (input_cost_per_image), per second of video sent, per character written, per citation token, per second of
 * run time, per session… Any field with "cost" in its name that the importer does not know is one, so a new kind of price is refused
 * until it is mapped. Prices of 0 are not missing.
 */
export function litellmPartsMissing(row: LitellmRow): string[] {
  const missing: string[] = [];
  for (const [k, v] of Object.entries(row)) {
    if (typeof v !== 'number' || v <= 0 || !/cost/.test(k) || NOT_A_RUN_PRICE.test(k)) continue;
    if (!CHARGED_FIELDS.has(k.replace(/_above_\d+(?:\.\d+)?k?_tokens$/, ''))) missing.push(k);
  }
  return missing;
}

/** The input, output and cache prices per million tokens at each threshold, as ratesAt (litellm.ts) reads them. */
function coreLevels(row: LitellmRow, provider: string): (UsdLevel & { thresholdKey?: string })[] {
  const calc = calculatorOf(provider);
  const perM = (k: string) => (typeof row[k] === 'number' ? new Dec(String(row[k])).times(MILLION) : undefined);
  const offPeak = (row.off_peak_pricing ?? {}) as Record<string, unknown>;
  const orOffPeak = (k: string, v: Decimal | undefined) => (typeof offPeak[k] === 'number' && v && new Dec(String(offPeak[k])).times(MILLION).greaterThan(v) ? new Dec(String(offPeak[k])).times(MILLION) : v);
  const text = perM('output_cost_per_token');
  const baseOutput = !readsTokenBaseCost(provider) || (text && !text.isZero()) ? text : (perM('output_cost_per_image_token') ?? text);
  const cache = (k: string, suffix: string, base: Decimal | undefined) => (calc === 'perplexity' ? undefined : orOffPeak(k, perM(`${k}${suffix}`) ?? base));
  const level = (above: number, suffix: string, base?: UsdLevel): UsdLevel => ({
    aboveInputTokens: above,
    input: orOffPeak('input_cost_per_token', perM(`input_cost_per_token${suffix}`) ?? base?.input) ?? new Dec(0),
    output: orOffPeak('output_cost_per_token', (suffix ? perM(`output_cost_per_token${suffix}`) : baseOutput) ?? base?.output) ?? new Dec(0),
    cacheRead: cache('cache_read_input_token_cost', suffix, base?.cacheRead),
    cacheWrite: cache('cache_creation_input_token_cost', suffix, base?.cacheWrite),
  });
  const base = level(0, '');
  const inclusive = thresholdIsInclusive(provider) ? 1 : 0;
  const thresholds = readsTokenBaseCost(provider) ? thresholdsOf(row) : [];
  return [base, ...thresholds.map((t) => ({ ...level(t.tokens - inclusive, `_above_${t.key}_tokens`, base), thresholdKey: t.key }))];
}

/**
 * Each unit the provider's calculator prices from a row field, in dollars per the unit's own quantity, at a threshold. LiteLLM keeps
 * one price for these (the hour-long cache write apart, which it tiers); where a row also names an _above_ price for one, the catalog
 * takes the dearer. Image and video input tokens without a price of their own cost the row's plain input price in LiteLLM, so where a
 * tier's input price is below it they are priced at it.
 */
function unitPrices(row: LitellmRow, provider: string, levels: (UsdLevel & { thresholdKey?: string })[]): UsdLevel[] {
  const calc = calculatorOf(provider);
  const offPeak = (row.off_peak_pricing ?? {}) as Record<string, unknown>;
  const floorInput = levels.some((l) => l.input.lessThan(levels[0]!.input));
  return levels.map(({ thresholdKey, ...l }) => {
    const units: UnitPrices = {};
    for (const unit of UNITS_READ[calc]) {
      const field = LITELLM_UNIT_FIELDS[unit];
      const own = num(row, field);
      if (own === undefined) {
        if (floorInput && (unit === 'input_image_tokens' || unit === 'input_video_tokens')) units[unit] = Dec.max(l.input, levels[0]!.input);
        continue;
      }
      const above = thresholdKey ? num(row, `${field}_above_${thresholdKey}_tokens`) : undefined;
      const offPeakPrice = typeof offPeak[field] === 'number' ? new Dec(String(offPeak[field])) : own;
      const usd = unit === 'cache_write_1h_tokens' ? (above ?? own) : Dec.max(own, above ?? own, offPeakPrice);
      units[unit] = usd.times(USAGE_UNITS[unit].per);
    }
    return { ...l, units };
  });
}

const SIZES: SearchContextSize[] = ['low', 'medium', 'high'];

/**
 * Web searches and requests, the same at every threshold: a search at the most LiteLLM charges one under any context size (a price
 * it charges once a run, OpenAI's, counted per search); a request at input_cost_per_request, or for Perplexity at the dearest size
 * of its request fee (search_context_cost_per_query, dollars a request), which LiteLLM reads as dollars per thousand searches.
 */
function searchAndRequestPrices(key: string, row: LitellmRow, provider: string): { units: UnitPrices; notes: string[] } {
  const units: UnitPrices = {};
  const notes: string[] = [];
  const perSearch = Dec.max(...SIZES.map((size) => searchUsd(row, provider, 1, { key, size, premium: 1 })));
  if (perSearch.greaterThan(0)) units.web_searches = perSearch.times(USAGE_UNITS.web_searches.per);
  const sizes = row.search_context_cost_per_query;
  const google = (provider === 'gemini' && sizes?.search_context_size_medium === undefined) || (provider.startsWith('vertex_ai') && !/claude/i.test(key) && provider !== 'vertex_ai-anthropic_models' && row.web_search_cost_per_request === undefined);
  if (google || provider === 'mistral') notes.push(`web searches at $${decText(perSearch)} each: LiteLLM's own figure for ${provider}, not a price in the row`);
  const fee = provider === 'perplexity' && sizes ? Dec.max(...SIZES.map((s) => new Dec(String(sizes[`search_context_size_${s}`] ?? 0)))) : new Dec(0);
  const perRequest = Dec.max(fee, num(row, 'input_cost_per_request') ?? 0);
  if (perRequest.greaterThan(0)) units.requests = perRequest.times(USAGE_UNITS.requests.per);
  if (fee.greaterThan(0)) notes.push(`a request at $${decText(fee)}, Perplexity's dearest request fee (LiteLLM charges $${decText(searchUsd(row, provider, 1))} a search)`);
  return { units, notes };
}

/**
 * The joins of priced units that can count the same tokens (cached audio, audio reasoning…), which the catalog prices whenever both
 * are: at the dearer of the two, and at least their sum less their container's price, so that a usage naming the overlap is never
 * charged below LiteLLM's reading of it, which does not see it and counts both parts apart.
 */
function withJoins(levels: UsdLevel[]): UsdLevel[] {
  const core = (l: UsdLevel): UnitKey[] => ['input_tokens', 'output_tokens', ...(l.cacheRead ? ['cache_read_tokens' as const] : []), ...(l.cacheWrite ? ['cache_write_tokens' as const] : [])];
  const keys = [...new Set<UnitKey>([...levels.flatMap(core), ...(Object.keys(levels[0]!.units ?? {}) as ExtraUnitKey[])])];
  const parents = new Map<ExtraUnitKey, [UnitKey, UnitKey]>();
  for (let grown = true; grown; ) {
    grown = false;
    for (const a of [...keys]) for (const b of [...keys]) {
      const join = a < b && overlaps(a, b) ? (joinOf(a, b) as ExtraUnitKey | undefined) : undefined;
      if (!join || keys.includes(join)) continue;
      keys.push(join);
      parents.set(join, [a, b]);
      grown = true;
    }
  }
  const order = [...parents.keys()].sort((a, b) => Object.keys(USAGE_UNITS[a].dims).length - Object.keys(USAGE_UNITS[b].dims).length);
  return levels.map((l) => {
    const units: UnitPrices = { ...l.units };
    const container = (k: UnitKey) => (directionOf(k) === 'output' ? l.output : l.input);
    const price = (k: UnitKey): Decimal => ({ input_tokens: l.input, output_tokens: l.output, cache_read_tokens: l.cacheRead, cache_write_tokens: l.cacheWrite } as Partial<Record<UnitKey, Decimal>>)[k] ?? units[k as ExtraUnitKey] ?? container(k);
    for (const join of order) {
      const [a, b] = parents.get(join)!;
      units[join] = Dec.max(price(a), price(b), price(a).plus(price(b)).minus(container(join)));
    }
    return { ...l, units };
  });
}

/** The dollars a row names, exact, as the list names them (a search price per context size under its own name). */
function usdOf(row: LitellmRow): Record<string, string> {
  const usd: Record<string, string> = {};
  for (const [k, v] of Object.entries(row)) if (typeof v === 'number' && /cost/.test(k)) usd[k] = decText(new Dec(String(v)));
  for (const [size, v] of Object.entries(row.search_context_cost_per_query ?? {})) if (typeof v === 'number') usd[`search_context_cost_per_query.${size}`] = decText(new Dec(String(v)));
  return usd;
}

/** A chat or completion row as a token meter: every unit the provider's LiteLLM calculator prices, tiers as the row names them. */
function fromLitellmTokens(key: string, row: LitellmRow, s: ImportSettings, common: (notes: string[]) => Omit<CatalogModel, 'modality' | 'pricing'>, notes: string[]): Converted {
  const provider = row.litellm_provider;
  const extra = searchAndRequestPrices(key, row, provider);
  const levels = withJoins(unitPrices(row, provider, coreLevels(row, provider)).map((l) => ({ ...l, units: { ...l.units, ...extra.units } })));
  const meter = tokensMeter(levels, s.exchange);
  const unitLimits = unitLimitsFor(Object.keys(meter.units ?? {}) as ExtraUnitKey[]);
  const maxOut = Math.min(intOf(row.max_output_tokens) ?? intOf(row.max_tokens) ?? TEXT_LIMITS.maxOutputTokens, MAX_OUTPUT_TOKENS);
  const limits = { ...TEXT_LIMITS, maxOutputTokens: maxOut, defaultOutputTokens: Math.min(TEXT_LIMITS.defaultOutputTokens, maxOut) };
  const allNotes = [...notes, ...extra.notes];
  const pricing = { ...meter, ...(unitLimits ? { unitLimits } : {}), ...limits };
  return { ok: true, notes: allNotes, model: { ...common(allNotes), modality: 'text', pricing } };
}

/** Dollars per second of video a row charges (LiteLLM writes it as output_cost_per_second or output_cost_per_video_per_second). */
function usdPerSecondOf(row: LitellmRow): Decimal | null {
  const n = (k: string) => (typeof row[k] === 'number' ? new Dec(String(row[k])) : new Dec(0));
  const perSecond = n('output_cost_per_second').plus(n('output_cost_per_video_per_second'));
  return row.mode === 'video_generation' && !perSecond.isZero() ? perSecond : null;
}

/**
 * One LiteLLM row as a catalog model: chat and completion rows priced per token and per every other unit, image rows per image or
 * pixel, video per second. A chat row with a price the catalog cannot charge (litellmPartsMissing) is refused, naming it; with
 * `allowPartial` it is imported without that part, and a note says so.
 */
export function fromLitellm(key: string, row: LitellmRow, s: ImportSettings, opts: { allowPartial?: boolean } = {}): Converted {
  const provider = row.litellm_provider;
  const id = catalogIdOf(provider, key.startsWith(`${provider}/`) ? key.slice(provider.length + 1) : key);
  const common = (notes: string[]) => ({ id, name: key.slice(0, 80), provider, tier: s.tier, source: `${provider} prices from LiteLLM, ${s.importedOn}`.slice(0, 200), priceSource: priceSource('litellm', provider, key, usdOf(row), s, { notes: notes.map((n) => n.slice(0, 300)) }) });
  const notes = row.off_peak_pricing ? ['off-peak prices: each price is the higher of the standard and off-peak one'] : [];
  if (row.tiered_pricing !== undefined) return { ok: false, id, reason: 'tiered_pricing tables are not imported' };
  if (row.mode === undefined || row.mode === 'chat' || row.mode === 'completion') {
    if (row.input_cost_per_token === undefined && row.output_cost_per_token === undefined) return { ok: false, id, reason: 'no token prices' };
    const missing = litellmPartsMissing(row);
    if (missing.length > 0 && !opts.allowPartial) return { ok: false, id, reason: `priced by ${missing.join(', ')}, which the catalog cannot charge (--allow-partial imports the rest, those parts not charged)` };
    if (missing.length > 0) notes.push(`not charged (--allow-partial): ${missing.join(', ')}`);
    return fromLitellmTokens(key, row, s, common, notes);
  }
  if (row.mode === 'image_generation') return fromLitellmImage(key, row, s, common(notes), notes);
  const perSecond = usdPerSecondOf(row);
  if (perSecond) {
    const pricing = { meter: 'second' as const, mcPerSecond: mcCeil(perSecond, s.exchange), minSeconds: 1, maxSeconds: 20, defaultSeconds: 5, modes: STANDARD_MODE };
    return { ok: true, notes, model: { ...common(notes), modality: 'video', pricing } };
  }
  return { ok: false, id, reason: `mode ${row.mode} is not priced by tokens, images or seconds` };
}

function fromLitellmImage(key: string, row: LitellmRow, s: ImportSettings, common: Omit<CatalogModel, 'modality' | 'pricing'>, notes: string[]): Converted {
  const n = (k: string) => (typeof row[k] === 'number' ? new Dec(String(row[k])) : new Dec(0));
  // LiteLLM prices a per-pixel row for the size its key names, 1024×1024 when it names none.
  const size = sizeInKey(key) ?? { width: 1024, height: 1024 };
  const perImage = n('input_cost_per_image').plus(n('output_cost_per_image')).plus(n('input_cost_per_pixel').plus(n('output_cost_per_pixel')).times(size.width * size.height));
  if (perImage.isZero()) return { ok: false, id: common.id, reason: 'no image prices' };
  const resolution = { id: `${size.width}x${size.height}`, label: `${size.width}×${size.height}`, width: size.width, height: size.height, multiplierPermille: 1000, minLevel: 'basic' as const };
  const pricing = { meter: 'image' as const, mcPerImage: mcCeil(perImage, s.exchange), resolutions: [resolution], modes: STANDARD_MODE, maxCount: 4 };
  return { ok: true, notes, model: { ...common, modality: 'image', pricing } };
}
