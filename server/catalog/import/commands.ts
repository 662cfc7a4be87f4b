// The operator's price commands: import-prices (a public price list into a catalog file, diff first) and price (one usage in dollars and credits).
import { renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MODEL_TIERS, type ModelTier } from '../../../shared/catalog/schema';
import { decText, exchange, PriceListError } from './decimal';
import { fromGenai } from './genai-to-catalog';
import { loadGenaiPrices, type GenaiList } from './genai-prices';
import { loadLitellm, type LitellmList } from './litellm';
import { fromLitellm } from './litellm-to-catalog';
import { mergeImported } from './merge';
import { atMsOf, listOf, loadCatalogFile, need, OPTIONS, type Values } from './options';
import { priceUsage } from './price-usage';
import type { Converted, ImportSettings } from './to-catalog';

export { PRICE_COMMANDS_USAGE } from './options';

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
      taken.converted.push(fromGenai(p, m, s, { allowPartial: v['allow-partial'] === true }));
      taken.listIds.push(m.id);
    }
  }
  return taken;
}

function convertLitellm(list: LitellmList, v: Values, s: ImportSettings): Taken {
  const wanted = selector(v.model);
  const providers = new Set(need(v, 'provider').split(',').map((x) => x.trim()));
  const rows = [...list.rows].filter(([key, row]) => providers.has(row.litellm_provider) && wanted(key));
  return { converted: rows.map(([key, row]) => fromLitellm(key, row, s, { allowPartial: v['allow-partial'] === true })), listIds: rows.map(([key]) => key) };
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
