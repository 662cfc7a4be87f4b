// The price command: one usage (every unit, from flags or the provider's own answer) in exact dollars as the list computes it and in credits as the catalog charges it.
import { readFileSync } from 'node:fs';
import type { Catalog, CatalogModel } from '../../../shared/catalog/schema';
import { formatCredits } from '../../../shared/rules/money';
import { tokenCostMc, type UnitCounts } from '../../../shared/rules/pricing';
import { CORE_UNIT_KEYS, flagOf, UNIT_KEYS, type UnitKey } from '../../../shared/rules/usage-units';
import { creditsOf, dec, decText, PriceListError, type Dec } from './decimal';
import { effectiveFrom, findModel, findProvider, groqMinimumSeconds, loadGenaiPrices, pricesAt, usdOfUsage, type GenaiProvider, type UnitUsage } from './genai-prices';
import { findRow, loadLitellm, usdOfRowUsage } from './litellm';
import { atMsOf, listOf, loadCatalogFile, need, type Values } from './options';

/** The most bytes of a provider's answer --usage-file reads. */
const MAX_USAGE_FILE_BYTES = 10 * 1024 * 1024;

/** The usage the unit flags give: each a whole number, at least one of them. */
function usageFromFlags(v: Values): UnitUsage {
  const u: UnitUsage = {};
  for (const k of UNIT_KEYS) {
    const x = (v as Record<string, unknown>)[flagOf(k)];
    if (x === undefined) continue;
    const n = Number(x);
    if (typeof x !== 'string' || x.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new PriceListError(`--${flagOf(k)} must be a whole number, got ${String(x)}`);
    u[k] = n;
  }
  if (Object.keys(u).length === 0) throw new PriceListError('say what was used: --input-tokens N --output-tokens N (or any unit flag), or --usage-file FILE');
  return u;
}

/** The flavor to read an answer with: the one asked for, else the provider's default, else chat, else its first. */
function flavorOf(p: GenaiProvider, asked: string | undefined): string {
  const flavors = (p.extractors ?? []).map((e) => e.api_flavor);
  if (flavors.length === 0) throw new PriceListError(`genai-prices has no usage extractors for ${p.id}: give the usage with unit flags`);
  if (asked !== undefined && !flavors.includes(asked)) throw new PriceListError(`genai-prices reads ${p.id}'s answers as ${flavors.join(', ')}, not "${asked}"`);
  return asked ?? (flavors.includes('default') ? 'default' : flavors.includes('chat') ? 'chat' : flavors[0]!);
}

/** A provider's answer read by genai-prices' own extractors (the package's extractUsage), exactly what the provider said it used. */
async function usageFromFile(p: GenaiProvider, file: string, asked: string | undefined): Promise<{ usage: UnitUsage; model: string | null; flavor: string }> {
  let body: unknown;
  try {
    const text = readFileSync(file);
    if (text.length > MAX_USAGE_FILE_BYTES) throw new Error(`it is over ${MAX_USAGE_FILE_BYTES / 1024 / 1024} MB`);
    body = JSON.parse(text.toString('utf8'));
  } catch (e) {
    throw new PriceListError(`cannot read the usage file ${file}: ${(e as Error).message}`);
  }
  const flavor = flavorOf(p, asked);
  const pkg = await import('@pydantic/genai-prices');
  try {
    // the package reads only a provider's extractors here; its Provider type also wants fields the list may leave out (api_pattern)
    const extracting: Parameters<typeof pkg.extractUsage>[0] = { id: p.id, name: p.name, api_pattern: p.api_pattern ?? '', extractors: p.extractors, models: [] };
    const got = pkg.extractUsage(extracting, body, flavor);
    return { usage: got.usage as UnitUsage, model: got.model, flavor };
  } catch (e) {
    throw new PriceListError(`genai-prices cannot read ${file} as ${p.id}'s ${flavor} answer: ${(e as Error).message}`);
  }
}

function catalogModelFor(catalog: Catalog, list: string, provider: string, model: string, explicit: string | undefined): CatalogModel | undefined {
  if (explicit) {
    const m = catalog.models.find((x) => x.id === explicit);
    if (!m) throw new PriceListError(`the catalog has no model ${explicit}`);
    return m;
  }
  return catalog.models.find((m) => m.priceSource?.list === list && m.priceSource.provider === provider && m.priceSource.model === model);
}

/** What the catalog charges for the usage, beside the list's dollars converted at the rate and markup it was imported with. */
function creditsLine(m: CatalogModel | undefined, usdTotal: Dec, u: UnitUsage): Record<string, unknown> {
  if (!m) return { catalogModel: null, reason: 'no catalog model carries these prices: import them with import-prices, or name one with --catalog-model' };
  if (m.pricing.meter !== 'tokens') throw new PriceListError(`${m.id} is not priced by tokens`);
  const units = Object.fromEntries(Object.entries(u).filter(([k]) => !(CORE_UNIT_KEYS as readonly string[]).includes(k))) as UnitCounts;
  const chargedMc = tokenCostMc(m.pricing, u.input_tokens ?? 0, u.output_tokens ?? 0, { cacheReadTokens: u.cache_read_tokens ?? 0, cacheWriteTokens: u.cache_write_tokens ?? 0, units });
  const ps = m.priceSource;
  const fromUsd = ps ? creditsOf(usdTotal, { usdPerCredit: dec(ps.usdPerCredit), markup: dec(ps.markup) }) : undefined;
  return { catalogModel: m.id, chargedMc, charged: formatCredits(chargedMc), ...(fromUsd ? { fromUsd: decText(fromUsd), usdPerCredit: ps!.usdPerCredit, markup: ps!.markup } : {}) };
}

function usdText(usd: { input: Dec; output: Dec; other?: Dec | undefined; total: Dec }): Record<string, string> {
  return { input: decText(usd.input), output: decText(usd.output), ...(usd.other && !usd.other.isZero() ? { other: decText(usd.other) } : {}), total: decText(usd.total) };
}

/** The usage: from the unit flags, or from the provider's answer (never both), and the model that answer names. */
async function usageOf(v: Values, providerId: string, genaiProviders: () => Promise<GenaiProvider[]>): Promise<{ usage: UnitUsage; model: string | undefined; readWith?: string }> {
  const flagged = UNIT_KEYS.some((k) => (v as Record<string, unknown>)[flagOf(k)] !== undefined);
  if (v['usage-file'] === undefined) return { usage: usageFromFlags(v), model: v.model };
  if (flagged) throw new PriceListError('give the usage either with unit flags or with --usage-file, not both');
  const providers = await genaiProviders();
  const p = findProvider(providers, providerId);
  if (!p) throw new PriceListError(`genai-prices has no provider "${providerId}" to read its answer with`);
  const got = await usageFromFile(p, v['usage-file'], v['api-flavor']);
  const model = v.model ?? got.model ?? undefined;
  return { usage: got.usage, model, readWith: `genai-prices ${p.id} ${got.flavor} extractor` };
}

export async function priceUsage(v: Values): Promise<Record<string, unknown>> {
  const from = listOf(v);
  const atMs = atMsOf(v);
  const provider = need(v, 'provider');
  const genai = from === 'genai-prices' ? await loadGenaiPrices(v.file) : undefined;
  const { usage, model, readWith } = await usageOf(v, provider, async () => (genai ?? (await loadGenaiPrices())).providers);
  if (!model) throw new PriceListError('--model is required (the usage file names no model)');
  const catalog = loadCatalogFile(v.catalog);
  const base = { list: from, provider, model, usage, ...(readWith ? { readWith } : {}), pricedAt: new Date(atMs).toISOString() };
  if (genai) {
    const p = findProvider(genai.providers, provider);
    if (!p) throw new PriceListError(`genai-prices has no provider "${provider}"`);
    const found = findModel(genai.providers, p, model);
    if (!found) throw new PriceListError(`genai-prices has no price for ${provider} ${model}`);
    const chosen = pricesAt(found.model, atMs);
    const usd = usdOfUsage(chosen.prices, usage, { minimumSeconds: groqMinimumSeconds(found.provider.id, found.model.id) });
    const matched = { provider: found.provider.id, model: found.model.id, ...(found.fallbackFrom ? { fallbackFrom: found.fallbackFrom } : {}), ...(effectiveFrom(chosen) ? { effectiveFrom: effectiveFrom(chosen) } : {}) };
    const credits = creditsLine(catalogModelFor(catalog, from, found.provider.id, found.model.id, v['catalog-model']), usd.total, usage);
    return { ...base, edition: genai.edition, matched, usd: usdText(usd), credits };
  }
  const list = loadLitellm(need(v, 'file'));
  const found = findRow(list, provider, model);
  if (!found) throw new PriceListError(`LiteLLM's list has no ${provider} row for ${model}`);
  const units = Object.fromEntries(Object.entries(usage).filter(([k]) => !(CORE_UNIT_KEYS as readonly string[]).includes(k as UnitKey)));
  const usd = usdOfRowUsage(found.row, provider, { inputTokens: usage.input_tokens ?? 0, outputTokens: usage.output_tokens ?? 0, cacheReadTokens: usage.cache_read_tokens ?? 0, cacheWriteTokens: usage.cache_write_tokens ?? 0, units }, { key: found.key });
  const credits = creditsLine(catalogModelFor(catalog, from, provider, found.key, v['catalog-model']), usd.total, usage);
  // units LiteLLM's calculator for this provider does not read (it counts them as text, or not at all): said, not hidden
  return { ...base, edition: list.edition, matched: { provider, model: found.key }, usd: usdText(usd), ...(usd.unread.length > 0 ? { notReadByList: usd.unread } : {}), credits };
}
