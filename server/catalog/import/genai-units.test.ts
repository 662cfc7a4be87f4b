// Every unit genai-prices bills (audio, image and video tokens, cached audio, searches, requests, seconds, pages): the registry against the package, exact dollars, credits never below them.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { calcPrice, type Provider } from '@pydantic/genai-prices';
import type { CatalogModel } from '../../../shared/catalog/schema';
import { tokenCostMc, type UnitCounts } from '../../../shared/rules/pricing';
import { contains, CORE_UNIT_KEYS, specificFirst, UNIT_KEYS, USAGE_UNITS, type UnitKey } from '../../../shared/rules/usage-units';
import { Dec, exchange, type Exchange } from './decimal';
import { fromGenai } from './genai-to-catalog';
import { findProvider, groqMinimumSeconds, loadGenaiPrices, pricedUnits, pricesAt, usdOfUsage, type GenaiList, type GenaiModel, type GenaiProvider, type ModelPrice, type UnitUsage } from './genai-prices';
import type { ImportSettings } from './to-catalog';

let list: GenaiList;
beforeAll(async () => {
  list = await loadGenaiPrices();
});

const DAY = Date.parse('2026-11-26T00:00:00Z');
const settings = (x: Exchange, atMs = DAY): ImportSettings => ({ exchange: x, atMs, tier: 'ga', edition: list.edition, importedOn: '2026-11-26' });

/** The package's own (floating-point) price for a price set, through a one-model provider of its own. */
function packagePrice(prices: ModelPrice, usage: UnitUsage): number {
  const provider = { id: 'x', name: 'x', api_pattern: 'x', models: [{ id: 'm', match: { equals: 'm' }, prices }] } as unknown as Provider;
  return calcPrice(usage, 'm', { provider })!.total_price;
}

/** The credits the catalog charges for a usage by unit. */
function chargedMc(m: CatalogModel, u: UnitUsage): number {
  if (m.pricing.meter !== 'tokens') throw new Error('not a token meter');
  const units = Object.fromEntries(Object.entries(u).filter(([k]) => !(CORE_UNIT_KEYS as readonly string[]).includes(k))) as UnitCounts;
  return tokenCostMc(m.pricing, u.input_tokens ?? 0, u.output_tokens ?? 0, { cacheReadTokens: u.cache_read_tokens, cacheWriteTokens: u.cache_write_tokens, units });
}

const exactMc = (usd: Dec, x: Exchange) => usd.times(x.markup).dividedBy(x.usdPerCredit).times(1000);

describe('the unit registry is the package\'s', () => {
  it.each(UNIT_KEYS)('%s: its price key, quantity and place among the units price as the package prices them', (unit) => {
    // the unit at 7, everything containing it at 1: a wrong `per`, price key or containment changes the sum
    const containers = UNIT_KEYS.filter((a) => contains(a, unit));
    const prices: ModelPrice = Object.fromEntries([[USAGE_UNITS[unit].priceKey, 7], ...containers.map((a) => [USAGE_UNITS[a].priceKey, 1])]);
    const usage: UnitUsage = Object.fromEntries([unit, ...containers].filter((k) => k !== 'requests').map((k) => [k, 3_000_000]));
    const ours = usdOfUsage(prices, usage).total.toNumber();
    expect(Math.abs(ours - packagePrice(prices, usage))).toBeLessThanOrEqual(1e-12 * Math.max(1, ours));
  });
});

describe('the defects reproduced: units charged at the text rate', () => {
  const at = Date.parse('2025-11-06T12:00:00Z');
  const model = (p: string, m: string) => findProvider(list.providers, p)!.models.find((x) => x.id === m)!;
  it('gemini-2.5-flash-image: 1,290 image tokens out at $30 per million, $0.0387027 in all', () => {
    expect(usdOfUsage(pricesAt(model('google', 'gemini-2.5-flash-image'), at).prices, { input_tokens: 9, output_tokens: 1290, output_image_tokens: 1290 }).total.toFixed()).toBe('0.0387027');
  });
  it('gemini-2.0-flash: 150 audio tokens of 159 input at the audio price, $0.0001147', () => {
    expect(usdOfUsage(pricesAt(model('google', 'gemini-2.0-flash'), at).prices, { input_tokens: 159, input_audio_tokens: 150, output_tokens: 22 }).total.toFixed()).toBe('0.0001147');
  });
  it('claude-sonnet-4-5: 10 web searches at $10 per thousand, and the credits at $0.04 × 1.2 never below them', () => {
    const x = exchange('0.04', '1.2');
    const usage = { input_tokens: 123_456, output_tokens: 98_765, web_searches: 10 };
    const usd = usdOfUsage(pricesAt(model('anthropic', 'claude-sonnet-4-5'), at).prices, usage);
    expect(usd).toMatchObject({ other: new Dec('0.1') });
    expect(usd.total.toFixed()).toBe('1.951843');
    const c = fromGenai(findProvider(list.providers, 'anthropic')!, model('anthropic', 'claude-sonnet-4-5'), settings(x, at));
    if (!c.ok) throw new Error(c.reason);
    expect(c.model.pricing).toMatchObject({ units: { web_searches: 300_000, cache_write_1h_tokens: 180_000 }, unitLimits: { web_searches: 10 } });
    expect(chargedMc(c.model, usage)).toBe(58_556); // 58.55529 credits, rounded up once
  });
});

/** A usage the list can price: a random own part for each unit the model prices, each unit's count the sum of the parts within it. */
function usageArb(units: UnitKey[]): fc.Arbitrary<UnitUsage> {
  const sorted = [...units].sort(specificFirst);
  const partArb = (k: UnitKey) => (USAGE_UNITS[k].dims.family === 'tokens' ? fc.nat({ max: 400_000 }) : fc.nat({ max: 12 }));
  return fc.tuple(...sorted.map(partArb)).map((parts) => {
    const usage: UnitUsage = {};
    for (const k of sorted) if (k !== 'requests') usage[k] = sorted.reduce((sum, o, i) => (o === k || contains(k, o) ? sum + parts[i]! : sum), 0);
    return usage;
  });
}

describe('every usage of every unit of every model the list prices', () => {
  it('property: exact dollars equal the package\'s arithmetic, and the credits charged are never below them converted', () => {
    const x = exchange('0.03', '1.15');
    const models: { id: string; p: GenaiProvider; m: GenaiModel; catalog: CatalogModel }[] = [];
    for (const p of list.providers) for (const m of p.models) {
      const c = fromGenai(p, m, settings(x));
      if (c.ok) models.push({ id: `${p.id}/${m.id}`, p, m, catalog: c.model });
    }
    expect(models.length).toBeGreaterThan(1_000);
    const pick = fc.nat({ max: models.length - 1 }).chain((i) => {
      const { m } = models[i]!;
      const units = [...new Set((Array.isArray(m.prices) ? m.prices.map((c) => c.prices) : [m.prices]).flatMap(pricedUnits))];
      return fc.tuple(fc.constant(i), usageArb(units), fc.nat({ max: 86_399 }));
    });
    fc.assert(
      fc.property(pick, ([i, usage, second]) => {
        const { p, m, catalog } = models[i]!;
        const at = DAY + second * 1000;
        const usd = usdOfUsage(pricesAt(m, at).prices, usage, { minimumSeconds: groqMinimumSeconds(p.id, m.id) });
        // the package prices the model alone, under its own provider id (the id names Groq's 10 s minimum)
        const provider = { ...p, models: [{ ...m, match: { equals: m.id } }] } as unknown as Provider;
        const theirs = calcPrice(usage, m.id, { provider, timestamp: new Date(at) })!.total_price;
        expect(Math.abs(usd.total.toNumber() - theirs), models[i]!.id).toBeLessThanOrEqual(1e-9 * Math.max(1, theirs));
        expect(new Dec(chargedMc(catalog, usage)).greaterThanOrEqualTo(exactMc(usd.total, x)), models[i]!.id).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });
});
