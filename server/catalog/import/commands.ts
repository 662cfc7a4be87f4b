// The operator's price commands: import-prices (a public price list into a catalog file, diff first) and price (one usage in dollars and credits).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultCatalogDocument, parseCatalog } from '../../../shared/catalog/index';
import { MODEL_TIERS, type Catalog, type CatalogModel, type ModelTier } from '../../../shared/catalog/schema';
import { formatCredits } from '../../../shared/rules/money';
import { tokenCostMc } from '../../../shared/rules/pricing';
import { creditsOf, dec, decText, exchange, PriceListError, type Dec } from './decimal';
import { findModel, findProvider, loadGenaiPrices, pricesAt, effectiveFrom, usdOfUsage, type GenaiList, type TokenUsage } from './genai-prices';
import { findRow, loadLitellm, usdOfRowUsage, type LitellmList } from './litellm';
import { mergeImported } from './merge';
import { fromLitellm } from './litellm-to-catalog';
import { fromGenai, type Converted, type ImportSettings } from './to-catalog';

export const PRICE_COMMANDS_USAGE = `
price lists (offline; they read and write catalog files, not a server):
  import-prices --from genai-prices|litellm [--file FILE] --provider P[,P…] [--model M[,M…]]
                --usd-per-credit D [--markup D] [--at ISO] [--tier T] [--catalog FILE] [--out FILE] [--write]
                shows what would change in the catalog; writes it only with --write (to --out, else --catalog)
  price --from genai-prices|litellm [--file FILE] --provider P --model M --input-tokens N --output-tokens N
        [--cache-read-tokens N] [--cache-write-tokens N] [--at ISO] [--catalog FILE] [--catalog-model ID]
                one usage in dollars as the list computes it and in credits as the catalog charges it
  --file: genai-prices v2 data.json (default: the installed @pydantic/genai-prices), or LiteLLM's
          model_prices_and_context_window.json (required); --model takes ids or patterns with *
`;

const OPTIONS = {
  from: { type: 'string' }, file: { type: 'string' }, provider: { type: 'string' }, model: { type: 'string' },
  'usd-per-credit': { type: 'string' }, markup: { type: 'string' }, at: { type: 'string' }, tier: { type: 'string' },
  catalog: { type: 'string' }, out: { type: 'string' }, write: { type: 'boolean' }, 'catalog-model': { type: 'string' },
  'input-tokens': { type: 'string' }, 'output-tokens': { type: 'string' }, 'cache-read-tokens': { type: 'string' }, 'cache-write-tokens': { type: 'string' },
} as const;
type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

function need(v: Values, name: keyof Values): string {
  const x = v[name];
  if (typeof x !== 'string' || x === '') throw new PriceListError(`--${name} is required`);
  return x;
}

function listOf(v: Values): 'genai-prices' | 'litellm' {
  const from = need(v, 'from');
  if (from !== 'genai-prices' && from !== 'litellm') throw new PriceListError(`--from takes genai-prices or litellm, not "${from}"`);
  return from;
}

function atMsOf(v: Values): number {
  if (v.at === undefined) return Date.now();
  const ms = Date.parse(v.at);
  if (!Number.isFinite(ms)) throw new PriceListError(`--at takes an ISO date or time (2026-11-26 or 2026-11-26T15:00:00Z), not "${v.at}"`);
  return ms;
}

function tokens(v: Values, name: keyof Values, required: boolean): number {
  const x = v[name];
  if (x === undefined && !required) return 0;
  const n = Number(need(v, name));
  if (!Number.isSafeInteger(n) || n < 0) throw new PriceListError(`--${name} must be a whole number of tokens, got ${String(x)}`);
  return n;
}

export function loadCatalogFile(file: string | undefined): Catalog {
  if (!file) return parseCatalog(defaultCatalogDocument);
  try {
    return parseCatalog(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    throw new PriceListError(`cannot read the catalog ${file}: ${(e as Error).message}`);
  }
}

/** Ids or patterns with *, compared without regard to case. */
function patternOf(p: string): RegExp {
  return new RegExp(`^${p.trim().split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
}

function selector(patterns: string | undefined): (id: string) => boolean {
  if (!patterns) return () => true;
  const res = patterns.split(',').map(patternOf);
  return (id) => res.some((r) => r.test(id));
}

/** The --model names and patterns that match none of the ids taken, each a line of the diff: a typo must not pass unseen. */
function unmatchedLines(patterns: string | undefined, takenIds: readonly string[], providers: string): string[] {
  if (!patterns) return [];
  return patterns
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '' && !takenIds.some((id) => patternOf(p).test(id)))
    .map((p) => `! ${p}: no model of ${providers} in the list matches it (nothing imported for it)`);
}

/** The models taken from the list, and the list ids they were taken from. */
interface Taken {
  converted: Converted[];
  listIds: string[];
}

function convertGenai(list: GenaiList, v: Values, s: ImportSettings): Taken {
  const wanted = selector(v.model);
  const taken: Taken = { converted: [], listIds: [] };
  for (const id of need(v, 'provider').split(',').map((x) => x.trim())) {
    const p = list.providers.find((x) => x.id === id);
    if (!p) throw new PriceListError(`genai-prices has no provider "${id}" (it has ${list.providers.map((x) => x.id).join(', ')})`);
    // Deprecated models come in only when named in full, not through a pattern.
    const named = new Set((v.model ?? '').split(',').map((x) => x.trim().toLowerCase()));
    for (const m of p.models.filter((m) => wanted(m.id) && (!m.deprecated || named.has(m.id.toLowerCase())))) {
      taken.converted.push(fromGenai(p, m, s));
      taken.listIds.push(m.id);
    }
  }
  return taken;
}

function convertLitellm(list: LitellmList, v: Values, s: ImportSettings): Taken {
  const wanted = selector(v.model);
  const providers = new Set(need(v, 'provider').split(',').map((x) => x.trim()));
  const rows = [...list.rows].filter(([key, row]) => providers.has(row.litellm_provider) && wanted(key));
  return { converted: rows.map(([key, row]) => fromLitellm(key, row, s)), listIds: rows.map(([key]) => key) };
}

/** Writes the file whole or not at all. */
function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export async function importPrices(v: Values): Promise<string> {
  const from = listOf(v);
  const atMs = atMsOf(v);
  const tier = (v.tier ?? 'ga') as ModelTier;
  if (!MODEL_TIERS.includes(tier)) throw new PriceListError(`--tier takes ${MODEL_TIERS.join(', ')}`);
  const x = exchange(need(v, 'usd-per-credit'), v.markup ?? '1');
  const current = loadCatalogFile(v.catalog);
  const list = from === 'genai-prices' ? await loadGenaiPrices(v.file) : loadLitellm(need(v, 'file'));
  const importedOn = new Date().toISOString().slice(0, 10);
  const settings: ImportSettings = { exchange: x, atMs, tier, edition: list.edition, importedOn };
  const { converted, listIds } = 'providers' in list ? convertGenai(list, v, settings) : convertLitellm(list, v, settings);
  if (converted.length === 0) throw new PriceListError('no model of the list matches --provider and --model');
  const missing = unmatchedLines(v.model, listIds, need(v, 'provider'));
  const plan = mergeImported(current, converted, importedOn);
  const c = plan.counts;
  const head = `${list.edition}, read for ${new Date(atMs).toISOString()}: 1 credit = $${decText(x.usdPerCredit)}, markup ×${decText(x.markup)}`;
  const summary = `${c.added} new, ${c.changed} changed, ${c.unchanged} unchanged, ${c.skipped + missing.length} skipped; catalog version ${current.version} → ${plan.catalog.version}`;
  const target = v.out ?? v.catalog;
  let tail = 'nothing written (add --write to write it)';
  if (v.write) {
    if (!target) throw new PriceListError('say where to write the catalog: --out FILE (or --catalog FILE to update it)');
    writeAtomically(target, `${JSON.stringify(plan.catalog, null, 1)}\n`);
    tail = `written to ${target}`;
  }
  return `${[head, ...plan.lines, ...missing, summary, tail].join('\n')}\n`;
}

function catalogModelFor(catalog: Catalog, list: string, provider: string, model: string, explicit: string | undefined): CatalogModel | undefined {
  if (explicit) {
    const m = catalog.models.find((x) => x.id === explicit);
    if (!m) throw new PriceListError(`the catalog has no model ${explicit}`);
    return m;
  }
  return catalog.models.find((m) => m.priceSource?.list === list && m.priceSource.provider === provider && m.priceSource.model === model);
}

function creditsLine(m: CatalogModel | undefined, usdTotal: Dec, u: TokenUsage): Record<string, unknown> {
  if (!m) return { catalogModel: null, reason: 'no catalog model carries these prices: import them with import-prices, or name one with --catalog-model' };
  if (m.pricing.meter !== 'tokens') throw new PriceListError(`${m.id} is not priced by tokens`);
  const chargedMc = tokenCostMc(m.pricing, u.inputTokens, u.outputTokens, u);
  const ps = m.priceSource;
  const fromUsd = ps ? creditsOf(usdTotal, { usdPerCredit: dec(ps.usdPerCredit), markup: dec(ps.markup) }) : undefined;
  return { catalogModel: m.id, chargedMc, charged: formatCredits(chargedMc), ...(fromUsd ? { fromUsd: decText(fromUsd), usdPerCredit: ps!.usdPerCredit, markup: ps!.markup } : {}) };
}

export async function priceUsage(v: Values): Promise<Record<string, unknown>> {
  const from = listOf(v);
  const atMs = atMsOf(v);
  const provider = need(v, 'provider');
  const reported = need(v, 'model');
  const u: TokenUsage = { inputTokens: tokens(v, 'input-tokens', true), outputTokens: tokens(v, 'output-tokens', true), cacheReadTokens: tokens(v, 'cache-read-tokens', false), cacheWriteTokens: tokens(v, 'cache-write-tokens', false) };
  const catalog = loadCatalogFile(v.catalog);
  const base = { list: from, provider, model: reported, usage: u, pricedAt: new Date(atMs).toISOString() };
  if (from === 'genai-prices') {
    const list = await loadGenaiPrices(v.file);
    const p = findProvider(list.providers, provider);
    if (!p) throw new PriceListError(`genai-prices has no provider "${provider}"`);
    const found = findModel(list.providers, p, reported);
    if (!found) throw new PriceListError(`genai-prices has no price for ${provider} ${reported}`);
    const chosen = pricesAt(found.model, atMs);
    const usd = usdOfUsage(chosen.prices, u);
    const matched = { provider: found.provider.id, model: found.model.id, ...(found.fallbackFrom ? { fallbackFrom: found.fallbackFrom } : {}), ...(effectiveFrom(chosen) ? { effectiveFrom: effectiveFrom(chosen) } : {}) };
    const credits = creditsLine(catalogModelFor(catalog, from, found.provider.id, found.model.id, v['catalog-model']), usd.total, u);
    return { ...base, edition: list.edition, matched, usd: { input: decText(usd.input), output: decText(usd.output), ...(usd.other.isZero() ? {} : { other: decText(usd.other) }), total: decText(usd.total) }, credits };
  }
  const list = loadLitellm(need(v, 'file'));
  const found = findRow(list, provider, reported);
  if (!found) throw new PriceListError(`LiteLLM's list has no ${provider} row for ${reported}`);
  const usd = usdOfRowUsage(found.row, provider, u);
  const credits = creditsLine(catalogModelFor(catalog, from, provider, found.key, v['catalog-model']), usd.total, u);
  return { ...base, edition: list.edition, matched: { provider, model: found.key }, usd: { input: decText(usd.input), output: decText(usd.output), total: decText(usd.total) }, credits };
}

/** Runs import-prices or price with their own options. */
export async function runPriceCommand(command: 'import-prices' | 'price', args: string[]): Promise<string | Record<string, unknown>> {
  let values: Values;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true }));
  } catch (e) {
    throw new PriceListError((e as Error).message);
  }
  return command === 'import-prices' ? importPrices(values) : priceUsage(values);
}
