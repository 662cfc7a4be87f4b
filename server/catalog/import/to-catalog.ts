// Turns rows of a public price list into catalog models: exact dollars to millicredits at the operator's rate and markup, rounded up.
import type { CatalogModel, ModelTier, PriceSource } from '../../../shared/catalog/schema';
import type { TokensMeter } from '../../../shared/rules/pricing';
import { USAGE_UNITS, type ExtraUnitKey } from '../../../shared/rules/usage-units';
import { decText, mcCeil, type Dec as Decimal, type Exchange } from './decimal';

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
  /** dollars per the unit's own quantity (USAGE_UNITS' `per`) of every other unit the model prices; the same units at every level */
  units?: Partial<Record<ExtraUnitKey, Decimal>> | undefined;
}

/** A catalog id from the list's provider and model: lower case, only the characters ids allow. */
export function catalogIdOf(provider: string, model: string): string {
  const id = `${provider}/${model}`.toLowerCase().replace(/[^a-z0-9._:/-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return id.slice(0, 80);
}

type TierRates = NonNullable<TokensMeter['tiers']>[number];

function sameRates(a: TierRates, b: TierRates): boolean {
  const same = a.inputMcPerBlock === b.inputMcPerBlock && a.outputMcPerBlock === b.outputMcPerBlock && a.cacheReadMcPerBlock === b.cacheReadMcPerBlock && a.cacheWriteMcPerBlock === b.cacheWriteMcPerBlock;
  return same && JSON.stringify(a.units ?? {}) === JSON.stringify(b.units ?? {});
}

function unitsMc(units: UsdLevel['units'], x: Exchange): NonNullable<TierRates['units']> | undefined {
  const entries = Object.entries(units ?? {}) as [ExtraUnitKey, Decimal][];
  return entries.length > 0 ? Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)).map(([k, usd]) => [k, mcCeil(usd, x)])) : undefined;
}

/** A proportional meter priced per million tokens, so each price is a whole number of millicredits per million tokens. */
export function tokensMeter(levels: UsdLevel[], x: Exchange): Omit<TokensMeter, keyof typeof TEXT_LIMITS> {
  const rates = (l: UsdLevel): TierRates => ({
    aboveInputTokens: l.aboveInputTokens,
    inputMcPerBlock: mcCeil(l.input, x),
    outputMcPerBlock: mcCeil(l.output, x),
    ...(l.cacheRead ? { cacheReadMcPerBlock: mcCeil(l.cacheRead, x) } : {}),
    ...(l.cacheWrite ? { cacheWriteMcPerBlock: mcCeil(l.cacheWrite, x) } : {}),
    ...(l.units && Object.keys(l.units).length > 0 ? { units: unitsMc(l.units, x)! } : {}),
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

/**
 * The most of a unit other than tokens one imported run is charged for (an operator can edit them; a new import keeps the edits):
 * searches and other tool calls 10, seconds an hour, pages 1,000, characters the longest prompt, pixels 100 million, messages 100.
 */
export function defaultUnitLimit(key: ExtraUnitKey): number {
  switch (USAGE_UNITS[key].dims.family) {
    case 'durations':
      return 3_600;
    case 'document_pages':
      return 1_000;
    case 'characters':
      return TEXT_LIMITS.maxPromptChars;
    case 'pixels':
      return 100_000_000;
    case 'messages':
      return 100;
    default:
      return 10;
  }
}

/** Limits for every priced unit that is not a token and not the run's one request. */
export function unitLimitsFor(keys: readonly ExtraUnitKey[]): Partial<Record<ExtraUnitKey, number>> | undefined {
  const limited = keys.filter((k) => USAGE_UNITS[k].dims.family !== 'tokens' && k !== 'requests');
  return limited.length > 0 ? Object.fromEntries(limited.map((k) => [k, defaultUnitLimit(k)])) : undefined;
}
