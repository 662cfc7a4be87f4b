// genai-prices models into catalog models: every unit the list prices (tokens of each kind, searches, requests, seconds, pages) at its highest price of the day.
import type { CatalogModel } from '../../../shared/catalog/schema';
import { CORE_UNIT_KEYS, contains, USAGE_UNITS, type ExtraUnitKey, type UnitKey } from '../../../shared/rules/usage-units';
import { Dec, decText, type Dec as Decimal } from './decimal';
import { effectiveFrom, groqMinimumSeconds, priceFor, pricedUnits, priceSetProblems, pricesAt, priceSetsOfDay, unknownPriceKeys, type GenaiModel, type GenaiProvider, type ModelPrice } from './genai-prices';
import { catalogIdOf, priceSource, TEXT_LIMITS, tokensMeter, unitLimitsFor, type Converted, type ImportSettings, type UsdLevel } from './to-catalog';

/** The thresholds (input tokens) above which any price of the sets changes. */
function thresholdsOf(sets: ModelPrice[]): number[] {
  const thresholds = new Set<number>();
  for (const set of sets) for (const v of Object.values(set)) if (v !== undefined && typeof v !== 'number') for (const t of v.tiers) thresholds.add(t.start);
  return [...thresholds].sort((a, b) => a - b);
}

/**
 * What a set charges for a unit at `inputTokens`: its own price, or where the set does not price it, the price of the most specific
 * priced unit that contains it (the list then counts it there); the dearest of those where two contain it.
 */
function setPrice(set: ModelPrice, unit: UnitKey, inputTokens: number): Decimal {
  const own = priceFor(set[USAGE_UNITS[unit].priceKey], inputTokens);
  if (own) return own;
  const priced = pricedUnits(set).filter((c) => contains(c, unit));
  const nearest = priced.filter((c) => !priced.some((o) => contains(c, o)));
  return nearest.reduce<Decimal>((most, c) => Dec.max(most, priceFor(set[USAGE_UNITS[c].priceKey], inputTokens)!), new Dec(0));
}

/** Each unit any set prices, at every threshold: the highest price of the sets (time-of-day prices), so no hour is charged below the list. */
function genaiLevels(sets: ModelPrice[]): UsdLevel[] {
  const units = [...new Set(sets.flatMap(pricedUnits))];
  const extras = units.filter((u): u is ExtraUnitKey => !(CORE_UNIT_KEYS as readonly string[]).includes(u));
  return [0, ...thresholdsOf(sets)].map((above) => {
    const at = above === 0 ? 0 : above + 1;
    const most = (u: UnitKey) => sets.reduce<Decimal>((m, s) => Dec.max(m, setPrice(s, u, at)), new Dec(0));
    return {
      aboveInputTokens: above,
      input: most('input_tokens'),
      output: most('output_tokens'),
      cacheRead: units.includes('cache_read_tokens') ? most('cache_read_tokens') : undefined,
      cacheWrite: units.includes('cache_write_tokens') ? most('cache_write_tokens') : undefined,
      ...(extras.length > 0 ? { units: Object.fromEntries(extras.map((u) => [u, most(u)])) } : {}),
    };
  });
}

function usdRecord(prices: ModelPrice, label = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(prices)) {
    if (v === undefined) continue;
    if (typeof v === 'number') out[`${label}${k}`] = decText(new Dec(String(v)));
    else {
      out[`${label}${k}`] = decText(new Dec(String(v.base)));
      for (const t of v.tiers) out[`${label}${k} above ${t.start}`] = decText(new Dec(String(t.price)));
    }
  }
  return out;
}

/** The list's prices that the catalog cannot charge or that break the list's own rules, or nothing: why a model is not imported. */
function refusal(sets: ModelPrice[], allowPartial: boolean): { reason?: string; leftOut: string[] } {
  const unknown = [...new Set(sets.flatMap(unknownPriceKeys))];
  if (unknown.length > 0 && !allowPartial) return { reason: `priced by ${unknown.join(', ')}, which the catalog cannot charge (--allow-partial imports the rest, those parts not charged)`, leftOut: unknown };
  const problems = [...new Set(sets.flatMap(priceSetProblems))];
  if (problems.length > 0) return { reason: `the list's prices do not add up (${problems.join('; ')})`, leftOut: unknown };
  if (sets.every((s) => pricedUnits(s).length === 0)) return { reason: 'the list gives it no price (free there): nothing to import', leftOut: unknown };
  return { leftOut: unknown };
}

/** One genai-prices model as a catalog text model, or why it cannot be one. */
export function fromGenai(p: GenaiProvider, m: GenaiModel, s: ImportSettings, opts: { allowPartial?: boolean } = {}): Converted {
  const id = catalogIdOf(p.id, m.id);
  const { sets, upcoming } = priceSetsOfDay(m, s.atMs);
  const prices = sets.map((c) => c.prices);
  const { reason, leftOut } = refusal(prices, opts.allowPartial === true);
  if (reason) return { ok: false, id, reason };
  const notes: string[] = [];
  if (leftOut.length > 0) notes.push(`not charged (--allow-partial): ${leftOut.join(', ')}`);
  if (sets.length > 1) notes.push(`${sets.length} time-of-day prices: each price is the highest of them`);
  for (const d of upcoming) notes.push(`the list changes this price on ${d}: import again then`);
  const usd = sets.length === 1 ? usdRecord(prices[0]!) : Object.assign({}, ...sets.map((c, i) => usdRecord(c.prices, c.constraint?.type === 'time_of_date' ? `${c.constraint.start_time}-${c.constraint.end_time} ` : `#${i} `)));
  const meter = tokensMeter(genaiLevels(prices), s.exchange);
  const limits = unitLimitsFor(Object.keys(meter.units ?? {}) as ExtraUnitKey[]);
  const minSeconds = groqMinimumSeconds(p.id, m.id);
  const model: CatalogModel = {
    id, name: (m.name ?? m.id).slice(0, 80), provider: p.id, modality: 'text', tier: s.tier,
    pricing: { ...meter, ...(limits ? { unitLimits: limits } : {}), ...(minSeconds ? { unitMinimums: { audio_seconds: minSeconds, input_audio_seconds: minSeconds } } : {}), ...TEXT_LIMITS },
    source: `${p.name} prices from genai-prices, ${s.importedOn}`.slice(0, 200),
    priceSource: priceSource('genai-prices', p.id, m.id, usd, s, { effectiveFrom: effectiveFrom(pricesAt(m, s.atMs)), notes }),
  };
  return { ok: true, model, notes };
}
