// Check (not a test): genai-prices' data set of real provider answers priced by the importer, before and after every unit was charged, beside the package's own prices.
// Usage: npm run check:prices -- --dataset usages.json   (genai-prices' tests/dataset/usages.json, from a clone of that repository)
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values } = parseArgs({ options: { dataset: { type: 'string' }, 'usd-per-credit': { type: 'string', default: '0.04' }, markup: { type: 'string', default: '1' } } });
if (!values.dataset) {
  console.error('say where the data set is: --dataset PATH (genai-prices\' tests/dataset/usages.json)');
  process.exit(2);
}
const root = path.resolve(import.meta.dirname, '..');
// inside the project, so the bundle finds the installed package it leaves external
mkdirSync(path.join(root, 'node_modules/.cache'), { recursive: true });
const dir = mkdtempSync(path.join(root, 'node_modules/.cache/check-prices-'));
const entry = path.join(dir, 'entry.ts');
const out = path.join(dir, 'prices.mjs');
const from = (p) => JSON.stringify(path.join(root, p));
writeFileSync(entry, [
  `export { findModel, findProvider, groqMinimumSeconds, loadGenaiPrices, pricesAt, priceFor, usdOfUsage } from ${from('server/catalog/import/genai-prices.ts')};`,
  `export { fromGenai } from ${from('server/catalog/import/genai-to-catalog.ts')};`,
  `export { Dec, exchange } from ${from('server/catalog/import/decimal.ts')};`,
  `export { tokenCostMc } from ${from('shared/rules/pricing.ts')};`,
  `export { CORE_UNIT_KEYS } from ${from('shared/rules/usage-units.ts')};`,
].join('\n'));
await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'error', external: ['@pydantic/genai-prices'] });
const lib = await import(pathToFileURL(out).href);
rmSync(dir, { recursive: true, force: true });
const { calcPrice, extractUsage } = await import('@pydantic/genai-prices');

const list = await lib.loadGenaiPrices();
const x = lib.exchange(values['usd-per-credit'], values.markup);
const at = new Date();

/** The importer's arithmetic before this change: input, output, cache-read and cache-write tokens and a per-request price only. */
function fourUnitUsd(prices, u) {
  const p = (k) => lib.priceFor(prices[k], u.input_tokens ?? 0);
  const read = p('cache_read_mtok');
  const write = p('cache_write_mtok');
  const fresh = (u.input_tokens ?? 0) - (read ? u.cache_read_tokens ?? 0 : 0) - (write ? u.cache_write_tokens ?? 0 : 0);
  const perM = (n, price) => (price ? price.times(n).dividedBy(1_000_000) : new lib.Dec(0));
  return perM(fresh, p('input_mtok')).plus(perM(u.cache_read_tokens ?? 0, read)).plus(perM(u.cache_write_tokens ?? 0, write)).plus(perM(u.output_tokens ?? 0, p('output_mtok'))).plus(prices.requests_kcount !== undefined ? p('requests_kcount').dividedBy(1000) : 0);
}

const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
const count = { answers: 0, priced: 0, oldWrong: 0, newWrong: 0, belowDollars: 0, refused: 0, unreadable: 0 };
const examples = [];
const dataset = JSON.parse(readFileSync(values.dataset, 'utf8'));
const imported = new Map();
const refusedWhy = new Map();
const originalWarn = console.warn;
console.warn = () => {}; // the package warns of units it does not price; the counts say what matters
for (const row of dataset) {
  count.answers++;
  for (const group of row.extracted ?? []) for (const e of group.extractors ?? []) {
    if (e.input_price === undefined) continue;
    const p = lib.findProvider(list.providers, e.provider_id);
    let got;
    try {
      got = extractUsage(p, row.body, e.api_flavor);
    } catch {
      count.unreadable++;
      continue;
    }
    const modelId = got.model ?? row.body.model;
    const found = modelId && lib.findModel(list.providers, p, modelId);
    if (!found) continue;
    const prices = lib.pricesAt(found.model, at.getTime()).prices;
    let theirs;
    try {
      theirs = calcPrice(got.usage, found.model.id, { provider: { ...found.provider, models: [{ ...found.model, match: { equals: found.model.id } }] }, timestamp: at })?.total_price;
    } catch {
      continue; // the list cannot price this usage either
    }
    if (theirs === undefined) continue;
    count.priced++;
    const ours = lib.usdOfUsage(prices, got.usage, { minimumSeconds: lib.groqMinimumSeconds(found.provider.id, found.model.id) }).total;
    const old = fourUnitUsd(prices, got.usage);
    if (!close(old.toNumber(), theirs)) {
      count.oldWrong++;
      if (examples.length < 8) examples.push(`${found.provider.id}/${found.model.id} ${e.api_flavor}: before $${old.toFixed()}, now $${ours.toFixed()}, the list $${theirs}`);
    }
    if (!close(ours.toNumber(), theirs)) count.newWrong++;
    const key = `${found.provider.id}/${found.model.id}`;
    if (!imported.has(key)) imported.set(key, lib.fromGenai(found.provider, found.model, { exchange: x, atMs: at.getTime(), tier: 'ga', edition: list.edition, importedOn: at.toISOString().slice(0, 10) }));
    const c = imported.get(key);
    if (!c.ok) {
      count.refused++;
      refusedWhy.set(key, c.reason);
      continue;
    }
    const u = got.usage;
    const units = Object.fromEntries(Object.entries(u).filter(([k]) => !lib.CORE_UNIT_KEYS.includes(k)));
    const mc = lib.tokenCostMc(c.model.pricing, u.input_tokens ?? 0, u.output_tokens ?? 0, { cacheReadTokens: u.cache_read_tokens, cacheWriteTokens: u.cache_write_tokens, units });
    if (new lib.Dec(mc).lessThan(ours.times(x.markup).dividedBy(x.usdPerCredit).times(1000))) count.belowDollars++;
  }
}
console.warn = originalWarn;
const pct = (n) => `${((100 * n) / Math.max(1, count.priced)).toFixed(1)}%`;
const version = JSON.parse(readFileSync(path.join(root, 'node_modules/@pydantic/genai-prices/package.json'), 'utf8')).version;
console.log(`@pydantic/genai-prices ${version}; data set ${path.basename(values.dataset)}: ${count.answers} answers, ${count.priced} usages the list prices (${count.unreadable} an extractor could not read)`);
console.log('figure                                        before (4 units)   now (every unit)   reference');
console.log(`dollars differing from the package's price    ${String(count.oldWrong).padEnd(6)} ${pct(count.oldWrong).padEnd(11)} ${String(count.newWrong).padEnd(6)} ${pct(count.newWrong).padEnd(11)} 0 (the package itself)`);
console.log(`credits below the dollars converted           ${''.padEnd(18)} ${String(count.belowDollars).padEnd(18)} 0`);
console.log(`usages of models the import refuses           ${''.padEnd(18)} ${String(count.refused).padEnd(18)} -`);
for (const ex of examples) console.log(`  e.g. ${ex}`);
for (const [key, why] of refusedWhy) console.log(`  refused: ${key}: ${why}`);
