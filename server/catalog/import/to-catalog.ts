// Turns rows of a public price list into catalog models: exact dollars to millicredits at the operator's rate and markup, rounded up.
import type { CatalogModel, ModelTier, PriceSource } from '../../../shared/catalog/schema';
import type { TokensMeter } from '../../../shared/rules/pricing';
import { Dec, decText, mcCeil, type Dec as Decimal, type Exchange } from './decimal';
import { effectiveFrom, pricesAt, priceFor, priceSetsOfDay, type GenaiModel, type GenaiProvider, type ModelPrice } from './genai-prices';

export interface ImportSettings {
  exchange: Exchange;
  /** when the prices are read: conditional prices are chosen for this moment */
  atMs: number;
  /** the access tier given to models new to the catalog */
  tier: ModelTier;
  edition: string;
  /** the day of the import (UTC), recorded with every price */
  importedOn: string;
}

export type Converted = { ok: true; model: CatalogModel; notes: string[] } | { ok: false; id: string; reason: string };

/** Limits of an imported text model (an operator can edit them in the catalog; a new import keeps the edits). */
export const TEXT_LIMITS = { maxPromptChars: 20_000, promptOverheadTokens: 200, maxOutputTokens: 8_000, defaultOutputTokens: 1_000 } as const;
export const MAX_OUTPUT_TOKENS = 32_000;
export const STANDARD_MODE = [{ id: 'standard', label: 'Standard', multiplierPermille: 1000, minLevel: 'basic' as const }];

/** Dollars per million tokens of each kind, for runs whose input exceeds `aboveInputTokens` (0: the base prices). */
export interface UsdLevel {
  aboveInputTokens: number;
  input: Decimal;
  output: Decimal;
  cacheRead?: Decimal | undefined;
  cacheWrite?: Decimal | undefined;
}

/** A catalog id from the list's provider and model: lower case, only the characters ids allow. */
export function catalogIdOf(provider: string, model: string): string {
  const id = `${provider}/${model}`.toLowerCase().replace(/[^a-z0-9._:/-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return id.slice(0, 80);
}

type TierRates = NonNullable<TokensMeter['tiers']>[number];

function sameRates(a: TierRates, b: TierRates): boolean {
  return a.inputMcPerBlock === b.inputMcPerBlock && a.outputMcPerBlock === b.outputMcPerBlock && a.cacheReadMcPerBlock === b.cacheReadMcPerBlock && a.cacheWriteMcPerBlock === b.cacheWriteMcPerBlock;
}

/** A proportional meter priced per million tokens, so each price is a whole number of millicredits per million tokens. */
export function tokensMeter(levels: UsdLevel[], x: Exchange): Omit<TokensMeter, keyof typeof TEXT_LIMITS> {
  const rates = (l: UsdLevel): TierRates => ({
    aboveInputTokens: l.aboveInputTokens,
    inputMcPerBlock: mcCeil(l.input, x),
    outputMcPerBlock: mcCeil(l.output, x),
    ...(l.cacheRead ? { cacheReadMcPerBlock: mcCeil(l.cacheRead, x) } : {}),
    ...(l.cacheWrite ? { cacheWriteMcPerBlock: mcCeil(l.cacheWrite, x) } : {}),
  });
  const [base, ...above] = levels.map(rates);
  const { aboveInputTokens: _base, ...baseRates } = base!;
  const tiers: TierRates[] = [];
  for (const t of above) if (!sameRates(t, tiers[tiers.length - 1] ?? base!)) tiers.push(t);
  return { meter: 'tokens', blockTokens: 1_000_000, rounding: 'proportional', ...baseRates, ...(tiers.length > 0 ? { tiers } : {}) };
}

export function priceSource(list: PriceSource['list'], provider: string, model: string, usd: Record<string, string>, s: ImportSettings, extra: { effectiveFrom?: string | undefined; notes: string[] }): PriceSource {
  return {
    list, edition: s.edition, provider, model, importedOn: s.importedOn,
    ...(extra.effectiveFrom ? { effectiveFrom: extra.effectiveFrom } : {}),
    usd, usdPerCredit: decText(s.exchange.usdPerCredit), markup: decText(s.exchange.markup),
    ...(extra.notes.length > 0 ? { notes: extra.notes.slice(0, 10) } : {}),
  };
}

const GENAI_TOKEN_KEYS = ['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok'] as const;
/** Usage the OpenAI-compatible engine never reports (audio, images, video, documents, tool calls, hour-long cache writes). */
const GENAI_NEVER_REPORTED = /^(input|output|cache)_(audio|image|video|document|annotated_document)|^cache_write_1h_mtok$|searches_kcount$|_hours$|_kpages$/;

function genaiLevels(sets: ModelPrice[]): UsdLevel[] {
  const thresholds = new Set<number>();
  for (const set of sets) for (const k of GENAI_TOKEN_KEYS) {
    const v = set[k];
    if (v !== undefined && typeof v !== 'number') for (const t of v.tiers) thresholds.add(t.start);
  }
  const maxOf = (values: (Decimal | undefined)[]) => values.reduce<Decimal>((m, v) => (v && v.greaterThan(m) ? v : m), new Dec(0));
  const hasRead = sets.some((s) => s.cache_read_mtok !== undefined);
  const hasWrite = sets.some((s) => s.cache_write_mtok !== undefined);
  return [0, ...[...thresholds].sort((a, b) => a - b)].map((above) => {
    const at = above === 0 ? 0 : above + 1;
    const input = (s: ModelPrice) => priceFor(s.input_mtok, at);
    return {
      aboveInputTokens: above,
      input: maxOf(sets.map(input)),
      output: maxOf(sets.map((s) => priceFor(s.output_mtok, at))),
      cacheRead: hasRead ? maxOf(sets.map((s) => priceFor(s.cache_read_mtok, at) ?? input(s))) : undefined,
      cacheWrite: hasWrite ? maxOf(sets.map((s) => priceFor(s.cache_write_mtok, at) ?? input(s))) : undefined,
    };
  });
}

function usdRecord(prices: ModelPrice, label = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(prices)) {
    if (typeof v === 'number') out[`${label}${k}`] = decText(new Dec(String(v)));
    else {
      out[`${label}${k}`] = decText(new Dec(String(v.base)));
      for (const t of v.tiers) out[`${label}${k} above ${t.start}`] = decText(new Dec(String(t.price)));
    }
  }
  return out;
}

/** One genai-prices model as a catalog text model, or why it cannot be one. */
export function fromGenai(p: GenaiProvider, m: GenaiModel, s: ImportSettings): Converted {
  const id = catalogIdOf(p.id, m.id);
  const { sets, upcoming } = priceSetsOfDay(m, s.atMs);
  const notes: string[] = [];
  const keys = new Set(sets.flatMap((c) => Object.keys(c.prices)));
  const foreign = [...keys].filter((k) => !(GENAI_TOKEN_KEYS as readonly string[]).includes(k));
  const refused = foreign.filter((k) => !GENAI_NEVER_REPORTED.test(k));
  if (refused.length > 0) return { ok: false, id, reason: `priced by ${refused.join(', ')}, which chat usage cannot charge` };
  if (!keys.has('input_mtok') && !keys.has('output_mtok')) return { ok: false, id, reason: 'no token prices' };
  if (foreign.length > 0) notes.push(`not charged (the engine never asks for them): ${foreign.join(', ')}`);
  if (sets.length > 1) notes.push(`${sets.length} time-of-day prices: each price is the highest of them`);
  for (const d of upcoming) notes.push(`the list changes this price on ${d}: import again then`);
  const usd = sets.length === 1 ? usdRecord(sets[0]!.prices) : Object.assign({}, ...sets.map((c, i) => usdRecord(c.prices, c.constraint?.type === 'time_of_date' ? `${c.constraint.start_time}-${c.constraint.end_time} ` : `#${i} `)));
  const model: CatalogModel = {
    id, name: (m.name ?? m.id).slice(0, 80), provider: p.id, modality: 'text', tier: s.tier,
    pricing: { ...tokensMeter(genaiLevels(sets.map((c) => c.prices)), s.exchange), ...TEXT_LIMITS },
    source: `${p.name} prices from genai-prices, ${s.importedOn}`.slice(0, 200),
    priceSource: priceSource('genai-prices', p.id, m.id, usd, s, { effectiveFrom: effectiveFrom(pricesAt(m, s.atMs)), notes }),
  };
  return { ok: true, model, notes };
}
