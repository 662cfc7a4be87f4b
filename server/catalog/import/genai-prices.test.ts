// The genai-prices import against real rows of the installed package's data (@pydantic/genai-prices 0.1.8): matching, exact dollars, catalog credits.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { calcPrice } from '@pydantic/genai-prices';
import { defaultCatalog, parseCatalog } from '../../../shared/catalog/index';
import type { CatalogModel } from '../../../shared/catalog/schema';
import { estimate, finalCost, tokenCostMc } from '../../../shared/rules/pricing';
import { Dec, exchange } from './decimal';
import { findModel, findProvider, loadGenaiPrices, pricesAt, unitUsageOf, usdOfUsage, type GenaiList } from './genai-prices';
import { mergeImported } from './merge';
import { fromGenai } from './genai-to-catalog';
import type { ImportSettings } from './to-catalog';

let list: GenaiList;
beforeAll(async () => {
  list = await loadGenaiPrices();
});

const settings = (over: Partial<ImportSettings> = {}): ImportSettings => ({ exchange: exchange('0.04'), atMs: Date.parse('2026-11-26T12:00:00Z'), tier: 'ga', edition: list.edition, importedOn: '2026-11-26', ...over });
const provider = (id: string) => findProvider(list.providers, id)!;
const modelOf = (p: string, m: string) => provider(p).models.find((x) => x.id === m)!;
function imported(p: string, m: string, over: Partial<ImportSettings> = {}): CatalogModel {
  const c = fromGenai(provider(p), modelOf(p, m), settings(over));
  if (!c.ok) throw new Error(c.reason);
  return c.model;
}
const usd = (p: string, reported: string, u: { inputTokens: number; outputTokens: number; cacheReadTokens?: number; cacheWriteTokens?: number }, atMs = Date.parse('2026-11-26T12:00:00Z')) => {
  const found = findModel(list.providers, provider(p), reported)!;
  return { found, ...usdOfUsage(pricesAt(found.model, atMs).prices, unitUsageOf({ cacheReadTokens: 0, cacheWriteTokens: 0, ...u })) };
};

describe('genai-prices: reading and matching as the list does', () => {
  it('reads the data bundled in the installed package, naming its version', () => {
    expect(list.edition).toBe('@pydantic/genai-prices 0.1.8');
    expect(list.providers.length).toBeGreaterThan(30);
  });
  it('reads the same data from a v2 data file, with constraints written without their type as the file writes them', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'genai-')), 'data.json');
    const raw = JSON.parse(JSON.stringify(list.providers), (k, v) => (k === 'type' && (v === 'start_date' || v === 'time_of_date') ? undefined : v));
    writeFileSync(file, JSON.stringify(raw));
    const fromFile = await loadGenaiPrices(file);
    expect(fromFile.edition).toMatch(/^genai-prices data data\.json sha256:[0-9a-f]{12}$/);
    expect(pricesAt(fromFile.providers.find((p) => p.id === 'openai')!.models.find((m) => m.id === 'o3')!, Date.parse('2025-07-01')).prices.input_mtok).toBe(2);
  });
  it.each([
    ['anthropic', 'claude-sonnet-4-5-20250929', 'anthropic', 'claude-sonnet-4-5', undefined],
    // a regex rule: gemini-2.5-pro's "and" of starts_with and a negative lookahead keeps the TTS model out
    ['google', 'gemini-2.5-pro-preview-05-06', 'google', 'gemini-2.5-pro', undefined],
    ['google', 'gemini-2.5-pro-preview-tts', 'google', 'gemini-2.5-pro-tts', undefined],
    // Azure lists no gpt-4o of its own: its fallback to OpenAI's prices finds it
    ['azure', 'gpt-4o-2024-08-06', 'openai', 'gpt-4o', 'azure'],
    ['azure', 'claude-sonnet-4-5-20250929', 'anthropic', 'claude-sonnet-4-5', 'azure'],
    // the provider's own rule by provider_match: "bedrock" is AWS
    ['bedrock', 'anthropic.claude-3-haiku-20240307-v1:0', 'aws', undefined, undefined],
  ])('%s %s → %s %s', (p, reported, wantProvider, wantModel, fallbackFrom) => {
    const found = findModel(list.providers, provider(p), reported)!;
    expect(found.provider.id).toBe(wantProvider);
    if (wantModel) expect(found.model.id).toBe(wantModel);
    expect(found.fallbackFrom).toBe(fallbackFrom);
    expect(calcPrice({ input_tokens: 10, output_tokens: 1 }, reported, { providerId: p })!.model.id).toBe(found.model.id);
  });
});

describe('genai-prices: dollars by the list\'s arithmetic, in exact decimals', () => {
  it('tiers and cache buckets: Claude Sonnet 4.5 above 200k input tokens, with cache reads and writes', () => {
    const u = { inputTokens: 250_000, outputTokens: 2_000, cacheReadTokens: 100_000, cacheWriteTokens: 50_000 };
    const r = usd('anthropic', 'claude-sonnet-4-5-20250929', u);
    // 100,000 fresh × $6 + 100,000 read × $0.60 + 50,000 written × $7.50 + 2,000 out × $22.50, per million
    expect([r.input.toFixed(), r.output.toFixed(), r.total.toFixed()]).toEqual(['1.035', '0.045', '1.08']);
    const theirs = calcPrice({ input_tokens: 250_000, output_tokens: 2_000, cache_read_tokens: 100_000, cache_write_tokens: 50_000 }, 'claude-sonnet-4-5-20250929', { providerId: 'anthropic' })!;
    expect(theirs.total_price).not.toBe(1.08); // binary floating point: 1.0799999999999998
    expect(theirs.total_price).toBeCloseTo(1.08, 12);
    expect(usd('anthropic', 'claude-sonnet-4-5', { inputTokens: 200_000, outputTokens: 0 }).total.toFixed()).toBe('0.6'); // at the threshold: base
  });
  it('a date-conditional price: o3 cost $10/$40 until 2025-06-10, then $2/$8', () => {
    expect(usd('openai', 'o3', { inputTokens: 1000, outputTokens: 100 }, Date.parse('2025-06-09T23:59:59Z')).total.toFixed()).toBe('0.014');
    expect(usd('openai', 'o3', { inputTokens: 1000, outputTokens: 100 }, Date.parse('2025-06-10T00:00:00Z')).total.toFixed()).toBe('0.0028');
  });
  it('a time-of-day price: DeepSeek Chat off-peak from 16:30 to 00:30 UTC', () => {
    const u = { inputTokens: 1_234_567, outputTokens: 7_654, cacheReadTokens: 1_000_000 };
    expect(usd('deepseek', 'deepseek-chat', u, Date.parse('2026-11-26T10:00:00Z')).total.toFixed()).toBe('0.14175249');
    expect(usd('deepseek', 'deepseek-chat', u, Date.parse('2026-11-26T20:00:00Z')).total.toFixed()).toBe('0.070876245');
  });
  it('for any usage, the exact dollars agree with the package\'s floating-point ones to 12 digits', () => {
    const cases = [['anthropic', 'claude-sonnet-4-5'], ['anthropic', 'claude-haiku-4-5'], ['google', 'gemini-2.5-pro'], ['openai', 'gpt-4o-mini'], ['deepseek', 'deepseek-chat'], ['azure', 'gpt-4o-2024-11-20']] as const;
    fc.assert(
      fc.property(fc.constantFrom(...cases), fc.nat({ max: 2_000_000 }), fc.nat({ max: 100_000 }), fc.nat(), fc.nat(), fc.integer({ min: Date.parse('2025-01-01'), max: Date.parse('2027-06-01') }), ([p, m], input, output, a, b, at) => {
        const cacheReadTokens = a % (input + 1);
        const cacheWriteTokens = b % (input - cacheReadTokens + 1);
        const ours = usd(p, m, { inputTokens: input, outputTokens: output, cacheReadTokens, cacheWriteTokens }, at).total;
        const theirs = calcPrice({ input_tokens: input, output_tokens: output, cache_read_tokens: cacheReadTokens, cache_write_tokens: cacheWriteTokens }, m, { providerId: p, timestamp: new Date(at) })!.total_price;
        expect(Math.abs(ours.toNumber() - theirs)).toBeLessThanOrEqual(1e-12 * Math.max(1, theirs));
      }),
      { numRuns: 300 },
    );
  });
});

describe('genai-prices: catalog models and their credits', () => {
  it('imports Claude Sonnet 4.5 with cache prices, its tier above 200k tokens and where each price came from', () => {
    const m = imported('anthropic', 'claude-sonnet-4-5');
    expect(m).toMatchObject({ id: 'anthropic/claude-sonnet-4-5', name: 'Claude Sonnet 4.5', modality: 'text', provider: 'anthropic' });
    expect(m.pricing).toMatchObject({
      meter: 'tokens', blockTokens: 1_000_000, rounding: 'proportional', inputMcPerBlock: 75_000, outputMcPerBlock: 375_000, cacheReadMcPerBlock: 7_500, cacheWriteMcPerBlock: 93_750,
      tiers: [{ aboveInputTokens: 200_000, inputMcPerBlock: 150_000, outputMcPerBlock: 562_500, cacheReadMcPerBlock: 15_000, cacheWriteMcPerBlock: 187_500 }],
    });
    expect(m.priceSource).toMatchObject({ list: 'genai-prices', edition: '@pydantic/genai-prices 0.1.8', provider: 'anthropic', model: 'claude-sonnet-4-5', importedOn: '2026-11-26', usdPerCredit: '0.04', markup: '1' });
    expect(m.priceSource!.usd).toMatchObject({ input_mtok: '3', 'input_mtok above 200000': '6', cache_read_mtok: '0.3', cache_write_mtok: '3.75' });
    // the catalog charges exactly the list's $1.08 at $0.04 a credit: 27 credits
    if (m.pricing.meter !== 'tokens') throw new Error('meter');
    expect(tokenCostMc(m.pricing, 250_000, 2_000, { cacheReadTokens: 100_000, cacheWriteTokens: 50_000 })).toBe(27_000);
  });
  it('a date-conditional price is the one in force on the day read, and says when it changes', () => {
    const before = imported('openai', 'o3', { atMs: Date.parse('2025-06-01T00:00:00Z') });
    expect(before.pricing).toMatchObject({ inputMcPerBlock: 250_000, outputMcPerBlock: 1_000_000 });
    expect(before.priceSource!.notes).toContain('the list changes this price on 2025-06-10: import again then');
    const after = imported('openai', 'o3', { atMs: Date.parse('2025-07-01T00:00:00Z') });
    expect(after.pricing).toMatchObject({ inputMcPerBlock: 50_000, outputMcPerBlock: 200_000 });
    expect(after.priceSource!.effectiveFrom).toBe('2025-06-10');
  });
  it('time-of-day prices import as the highest of them, so no hour is charged below the list', () => {
    const m = imported('deepseek', 'deepseek-chat');
    expect(m.pricing).toMatchObject({ inputMcPerBlock: 6_750, outputMcPerBlock: 27_500, cacheReadMcPerBlock: 1_750 });
    expect(m.priceSource!.notes).toContain('2 time-of-day prices: each price is the highest of them');
  });
  it('a markup and an exchange rate that does not divide evenly round every price up to a whole millicredit per million tokens', () => {
    const m = imported('openai', 'gpt-4o-mini', { exchange: exchange('0.03', '1.15') });
    // $0.15 × 1.15 ÷ 0.03 = 5.75 credits; $0.60 → 23; $0.075 → 2.875
    expect(m.pricing).toMatchObject({ inputMcPerBlock: 5_750, outputMcPerBlock: 23_000, cacheReadMcPerBlock: 2_875 });
    const odd = imported('anthropic', 'claude-haiku-4-5', { exchange: exchange('0.07') }); // $1 ÷ 0.07 = 14.285714… credits
    expect(odd.pricing).toMatchObject({ inputMcPerBlock: 14_286 });
  });
  it('imports models priced per request too (Perplexity Sonar): the request is charged once per run', () => {
    const m = imported('perplexity', 'sonar');
    expect(m.pricing).toMatchObject({ inputMcPerBlock: 25_000, outputMcPerBlock: 25_000, units: { requests: 300_000 } }); // $12 per 1,000 requests
    if (m.pricing.meter !== 'tokens') throw new Error('meter');
    expect(tokenCostMc(m.pricing, 1_000, 1_000)).toBe(350); // 2,000 tokens at $1/M = $0.002 = 50 mc, and $0.012 a request = 300 mc
  });
  it('property: for imported models and any usage and hour, the credits charged are never below the dollars converted', () => {
    const models = [['anthropic', 'claude-sonnet-4-5'], ['google', 'gemini-2.5-pro'], ['openai', 'gpt-4o-mini'], ['deepseek', 'deepseek-chat']] as const;
    const x = exchange('0.03', '1.15');
    const at = Date.parse('2026-11-26T12:00:00Z');
    fc.assert(
      fc.property(fc.constantFrom(...models), fc.nat({ max: 1_500_000 }), fc.nat({ max: 100_000 }), fc.nat(), fc.nat(), fc.nat({ max: 86_399 }), ([p, id], input, output, a, b, second) => {
        const m = imported(p, id, { exchange: x });
        if (m.pricing.meter !== 'tokens') throw new Error('meter');
        const u = { inputTokens: input, outputTokens: output, cacheReadTokens: a % (input + 1), cacheWriteTokens: 0 };
        u.cacheWriteTokens = b % (input - u.cacheReadTokens + 1);
        const dollars = usd(p, id, u, at + second * 1000).total;
        const exactMc = dollars.times(x.markup).dividedBy(x.usdPerCredit).times(1000);
        const charged = new Dec(tokenCostMc(m.pricing, input, output, u));
        expect(charged.greaterThanOrEqualTo(exactMc)).toBe(true);
        // …and within the rounding of each price and of the run, except off-peak hours, which pay the highest price of the day
        if (id !== 'deepseek-chat') expect(charged.lessThan(exactMc.plus(1).plus((input + output) / 1_000_000))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
  it('imported models drop into the catalog: it validates, and the estimate bounds the final charge', () => {
    const plan = mergeImported(defaultCatalog, [fromGenai(provider('anthropic'), modelOf('anthropic', 'claude-sonnet-4-5'), settings())], '2026-11-26');
    const cat = parseCatalog(JSON.parse(JSON.stringify(plan.catalog)));
    const req = { modelId: 'anthropic/claude-sonnet-4-5', prompt: 'hello '.repeat(100), maxOutputTokens: 1_000 };
    const e = estimate(req, cat, 'pro');
    expect(finalCost(req, { inputTokens: 300, cacheReadTokens: 200, outputTokens: 1_000 }, cat, 'pro')).toBeLessThanOrEqual(e.maxMc);
  });
});
