// Every unit LiteLLM bills beyond text tokens (audio, image, video and reasoning tokens, hour-long cache writes, seconds, searches, requests) on real rows: exact dollars by its arithmetic, credits never below them.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultCatalog, parseCatalog } from '../../../shared/catalog/index';
import type { CatalogModel } from '../../../shared/catalog/schema';
import { tokenCostMc, type TokenCounts, type TokensMeter } from '../../../shared/rules/pricing';
import { creditsOf, Dec, exchange, type Exchange } from './decimal';
import { loadLitellm, usdOfRowUsage, type SearchContextSize } from './litellm';
import { fromLitellm, litellmPartsMissing } from './litellm-to-catalog';
import type { ImportSettings } from './to-catalog';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/litellm-prices.json');
const list = loadLitellm(FIXTURE);
const AT_4_CENTS = exchange('0.04');
const settings = (x: Exchange = AT_4_CENTS): ImportSettings => ({ exchange: x, atMs: Date.parse('2026-11-26T12:00:00Z'), tier: 'ga', edition: list.edition, importedOn: '2026-11-26' });
const rowOf = (key: string) => list.rows.get(key)!;

function imported(key: string, x: Exchange = AT_4_CENTS): CatalogModel {
  const c = fromLitellm(key, rowOf(key), settings(x), { allowPartial: true });
  if (!c.ok) throw new Error(c.reason);
  return c.model;
}
function meterOf(key: string, x: Exchange = AT_4_CENTS): TokensMeter {
  const p = imported(key, x).pricing;
  if (p.meter !== 'tokens') throw new Error(`${key} is not priced by tokens`);
  return p;
}
const dollars = (key: string, u: TokenCounts, size?: SearchContextSize) => usdOfRowUsage(rowOf(key), rowOf(key).litellm_provider, u, { key, searchContextSize: size });
const chargedMc = (m: TokensMeter, u: TokenCounts) => tokenCostMc(m, u.inputTokens, u.outputTokens, { cacheReadTokens: u.cacheReadTokens, cacheWriteTokens: u.cacheWriteTokens, units: u.units });
/** The catalog charges no less than the dollars at the exchange rate and markup: mc ≥ usd × markup ÷ usdPerCredit × 1000. */
function expectCovers(m: TokensMeter, u: TokenCounts, usd: Dec, x: Exchange): void {
  const exact = creditsOf(usd, x).times(1000);
  expect(new Dec(chargedMc(m, u)).greaterThanOrEqualTo(exact), `${chargedMc(m, u)} mc for ${exact.toFixed()} mc of dollars`).toBe(true);
}

type Case = [what: string, key: string, usage: TokenCounts, expected: { input: string; output: string; other?: string; total: string }, size?: SearchContextSize];
const CASES: Case[] = [
  // 400 text × $2.50 + 600 audio × $40, per million; output 200 × $10 + 300 audio × $80
  ['input and output audio tokens at their own prices', 'gpt-4o-audio-preview-2024-12-17', { inputTokens: 1000, outputTokens: 500, units: { input_audio_tokens: 600, output_audio_tokens: 300 } }, { input: '0.025', output: '0.026', total: '0.051' }],
  // gpt-4o names no audio price: LiteLLM takes the 600 audio tokens out of the text and charges them nothing
  ['audio input without a price of its own costs nothing', 'gpt-4o', { inputTokens: 1000, outputTokens: 0, units: { input_audio_tokens: 600 } }, { input: '0.001', output: '0', total: '0.001' }],
  // 600 cached + 700 audio pass the 1,000: the cache counts first (600 × $0.03), audio only the 400 left (× $1)
  ['cached tokens first, audio only out of what the cache left', 'gemini/gemini-2.5-flash', { inputTokens: 1000, outputTokens: 0, cacheReadTokens: 600, units: { input_audio_tokens: 700 } }, { input: '0.000418', output: '0', total: '0.000418' }],
  // 300 text × $2.1875 + 200 cached × $0.546875 + 500 image × $2.1875, per million
  ['image input tokens and a cache read', 'amazon.nova-2-pro-preview-20251202-v1:0', { inputTokens: 1000, outputTokens: 0, cacheReadTokens: 200, units: { input_image_tokens: 500 } }, { input: '0.001859375', output: '0', total: '0.001859375' }],
  // 9 × $0.30; 10 text × $2.50 + 1,290 image × $30
  ['image output tokens (an image row: dollars only, the catalog prices it per image)', 'gemini/gemini-2.5-flash-image', { inputTokens: 9, outputTokens: 1300, units: { output_image_tokens: 1290 } }, { input: '0.0000027', output: '0.038725', total: '0.0387277' }],
  // DashScope: cache without a price at the input price; 400 × $0.20 + 600 reasoning × $0.50
  ['reasoning tokens at their own price; DashScope cache at the input price', 'dashscope/qwen-turbo', { inputTokens: 1000, outputTokens: 1000, cacheReadTokens: 300, units: { output_reasoning_tokens: 600 } }, { input: '0.00005', output: '0.00038', total: '0.00043' }],
  // xAI: reasoning billed with the completion at the output price
  ['xAI: reasoning at the output price', 'xai/grok-3-mini', { inputTokens: 1000, outputTokens: 1000, cacheReadTokens: 400, units: { output_reasoning_tokens: 600 } }, { input: '0.00021', output: '0.0005', total: '0.00071' }],
  // 500 text + 100 reasoning × $9, 400 video × $17.50; the audio input at $1.50 like the text
  ['video output tokens beside reasoning', 'gemini/gemini-omni-flash-preview', { inputTokens: 1000, outputTokens: 1000, units: { input_audio_tokens: 200, output_video_tokens: 400, output_reasoning_tokens: 100 } }, { input: '0.0015', output: '0.0124', total: '0.0139' }],
  // 100 tokens × $0.20 per million + 30 s × $0.00016 (an embedding row: dollars only)
  ['seconds of audio input', 'gemini/gemini-embedding-2', { inputTokens: 100, outputTokens: 0, units: { input_audio_seconds: 30 } }, { input: '0.00482', output: '0', total: '0.00482' }],
  // above 200k: 100k text × $6 + 100k read × $0.60 + 30k written × $7.50 + 20k written for an hour × $12 + 2k out × $22.50; 4 searches × $0.01
  ['hour-long cache writes, the tier above 200k tokens and searches', 'claude-sonnet-4-5', { inputTokens: 250_000, outputTokens: 2000, cacheReadTokens: 100_000, cacheWriteTokens: 50_000, units: { cache_write_1h_tokens: 20_000, web_searches: 4 } }, { input: '1.125', output: '0.045', other: '0.04', total: '1.21' }],
  // Perplexity: every prompt token at $2 (no cache price), 400 × $8 + 600 reasoning × $3, 3 searches × $0.005 ÷ 1000
  ['Perplexity: reasoning on top, searches at the low size ÷ 1000', 'perplexity/sonar-deep-research', { inputTokens: 1000, outputTokens: 1000, cacheReadTokens: 500, units: { output_reasoning_tokens: 600, web_searches: 3 } }, { input: '0.002', output: '0.005', other: '0.000015', total: '0.007015' }],
  ['OpenAI: one search price a run, at the context size asked', 'gpt-4o-search-preview', { inputTokens: 1000, outputTokens: 100, units: { web_searches: 5 } }, { input: '0.0025', output: '0.001', other: '0.05', total: '0.0535' }, 'high'],
  ['Vertex Gemini: $0.035 a grounded prompt, once', 'gemini-2.0-flash', { inputTokens: 1000, outputTokens: 100, units: { web_searches: 5 } }, { input: '0.0001', output: '0.00004', other: '0.035', total: '0.03514' }],
  ['Gemini API: $0.035 a search', 'gemini/gemini-2.5-flash', { inputTokens: 1000, outputTokens: 100, units: { web_searches: 5 } }, { input: '0.0003', output: '0.00025', other: '0.175', total: '0.17555' }],
  ['Mistral: $0.03 a search, from LiteLLM\'s code', 'mistral/mistral-medium-latest', { inputTokens: 1000, outputTokens: 100, units: { web_searches: 2 } }, { input: '0.0015', output: '0.00075', other: '0.06', total: '0.06225' }],
  // LiteLLM does not add input_cost_per_request; the catalog charges the request on top
  ['a per-request price LiteLLM leaves out', 'perplexity/pplx-70b-online', { inputTokens: 1000, outputTokens: 100 }, { input: '0', output: '0.00028', total: '0.00028' }],
  // 500 text × $0.75 + 300 audio × $3 + 200 image × $1; 100 × $4.50 + 400 audio × $12
  ['image and audio input, audio output (imported without its per-second video price)', 'gemini/gemini-3.1-flash-live-preview', { inputTokens: 1000, outputTokens: 500, units: { input_audio_tokens: 300, input_image_tokens: 200, output_audio_tokens: 400 } }, { input: '0.001475', output: '0.00525', total: '0.006725' }],
];

describe('LiteLLM\'s arithmetic for every unit, on real rows, exact', () => {
  it.each(CASES)('%s: %s', (_what, key, u, expected, size) => {
    const usd = dollars(key, u, size);
    expect({ input: usd.input.toFixed(), output: usd.output.toFixed(), ...(usd.other.isZero() ? {} : { other: usd.other.toFixed() }), total: usd.total.toFixed() }).toEqual(expected);
    const x = exchange('0.03', '1.15');
    const c = fromLitellm(key, rowOf(key), settings(x), { allowPartial: true });
    if (c.ok && c.model.pricing.meter === 'tokens') expectCovers(c.model.pricing, u, usd.total, x);
  });
  it('names the units a provider\'s calculator does not read, and refuses a usage that does not add up', () => {
    expect(dollars('xai/grok-3-mini', { inputTokens: 10, outputTokens: 10, units: { web_searches: 2, output_audio_tokens: 5 } }).unread).toEqual(['web_searches', 'output_audio_tokens']);
    expect(dollars('gpt-4o-audio-preview-2024-12-17', { inputTokens: 10, outputTokens: 0, cacheReadTokens: 5, units: { cache_audio_read_tokens: 5, input_audio_tokens: 5 } }).unread).toEqual(['cache_audio_read_tokens']);
    expect(() => dollars('gpt-4o', { inputTokens: 10, outputTokens: 0, units: { input_audio_tokens: 8, input_image_tokens: 3 } })).toThrow(/cannot exceed the input tokens/);
    expect(() => dollars('gpt-4o', { inputTokens: 10, outputTokens: 5, units: { output_reasoning_tokens: 4, output_audio_tokens: 2 } })).toThrow(/cannot exceed the output tokens/);
    expect(() => dollars('claude-sonnet-4-5', { inputTokens: 10, outputTokens: 0, cacheWriteTokens: 2, units: { cache_write_1h_tokens: 3 } })).toThrow(/hour-long/);
  });
  it('the catalog charges the request LiteLLM leaves out: $0.005 is 125 mc at $0.04 a credit', () => {
    expect(chargedMc(meterOf('perplexity/pplx-70b-online'), { inputTokens: 1000, outputTokens: 100 })).toBe(125 + 7); // + 100 × $2.80 per million
  });
});

describe('LiteLLM rows into meters that price each unit', () => {
  it('audio, reasoning, a cached-audio join and searches: gemini-2.5-flash at $0.04 a credit', () => {
    expect(meterOf('gemini/gemini-2.5-flash')).toMatchObject({
      inputMcPerBlock: 7_500, outputMcPerBlock: 62_500, cacheReadMcPerBlock: 750,
      // $1 a million audio tokens; a cached audio token at the dearer of a cached and an audio token; $35 a thousand searches
      units: { input_audio_tokens: 25_000, output_reasoning_tokens: 62_500, cache_audio_read_tokens: 25_000, web_searches: 875_000 },
      unitLimits: { web_searches: 10 },
    });
  });
  it('hour-long cache writes are tiered with the rest; searches are not', () => {
    expect(meterOf('claude-sonnet-4-5')).toMatchObject({
      cacheWriteMcPerBlock: 93_750, units: { cache_write_1h_tokens: 150_000, web_searches: 250_000 },
      tiers: [{ aboveInputTokens: 200_000, cacheWriteMcPerBlock: 187_500, units: { cache_write_1h_tokens: 300_000, web_searches: 250_000 } }],
    });
  });
  it('OpenAI\'s search price once a run is charged per search at its dearest context size', () => {
    expect(meterOf('gpt-4o-search-preview').units).toEqual({ web_searches: 1_250_000 }); // $0.05 a search
    expect(imported('gpt-4o-search-preview').priceSource!.usd).toMatchObject({ 'search_context_cost_per_query.search_context_size_high': '0.05', 'search_context_cost_per_query.search_context_size_low': '0.03' });
  });
  it('Perplexity: a request at its dearest request fee, searches at LiteLLM\'s figure; cache prices it does not read are not kept', () => {
    const m = imported('perplexity/sonar-pro');
    expect(m.pricing).toMatchObject({ units: { requests: 350_000, web_searches: 150 } });
    expect(m.pricing).not.toHaveProperty('cacheReadMcPerBlock');
    expect(m.priceSource!.notes).toContain('a request at $0.014, Perplexity\'s dearest request fee (LiteLLM charges $0.000006 a search)');
  });
  it('video output tokens and their join with reasoning; xAI prices no output unit apart', () => {
    expect(meterOf('gemini/gemini-omni-flash-preview').units).toMatchObject({ output_video_tokens: 437_500, output_reasoning_tokens: 225_000, output_video_reasoning_tokens: 437_500 });
    expect(meterOf('xai/grok-3-mini')).not.toHaveProperty('units');
  });
  it('seconds and characters get a limit per run: an hour, the longest prompt', () => {
    expect(meterOf('gemini/gemma-3-27b-it')).toMatchObject({ units: { input_audio_seconds: 0, input_characters: 0 }, unitLimits: { input_audio_seconds: 3600, input_characters: 20_000, web_searches: 10 } });
    expect(imported('gemini/gemma-3-27b-it').priceSource!.notes).toContain('web searches at $0.035 each: LiteLLM\'s own figure for gemini, not a price in the row');
  });
  it('every imported model drops into a catalog that validates', () => {
    const models = [...list.rows.keys()].flatMap((key) => {
      const c = fromLitellm(key, rowOf(key), settings(), { allowPartial: true });
      return c.ok ? [c.model] : [];
    });
    expect(models.length).toBe(24); // all but the two embedding rows
    expect(() => parseCatalog({ ...defaultCatalog, models: [...defaultCatalog.models, ...models] })).not.toThrow();
  });
});

describe('a price the catalog cannot charge', () => {
  it('is refused, naming the field; with allowPartial the rest is imported and a note names what is not charged', () => {
    const key = 'gemini/gemini-3.1-flash-live-preview';
    expect(litellmPartsMissing(rowOf(key))).toEqual(['input_cost_per_video_per_second']);
    expect(fromLitellm(key, rowOf(key), settings())).toEqual({ ok: false, id: 'gemini/gemini-3.1-flash-live-preview', reason: expect.stringMatching(/^priced by input_cost_per_video_per_second, which the catalog cannot charge/) });
    const partial = fromLitellm(key, rowOf(key), settings(), { allowPartial: true });
    expect(partial).toMatchObject({ ok: true, notes: expect.arrayContaining(['not charged (--allow-partial): input_cost_per_video_per_second']) });
    if (partial.ok) expect(partial.model.priceSource!.notes).toContain('not charged (--allow-partial): input_cost_per_video_per_second');
    expect(fromLitellm('perplexity/sonar-deep-research', rowOf('perplexity/sonar-deep-research'), settings())).toMatchObject({ ok: false, reason: expect.stringMatching(/citation_cost_per_token/) });
  });
  it('service tiers, prices of 0 and the units the catalog prices are not missing', () => {
    for (const key of ['gpt-4o', 'gemini/gemma-3-27b-it', 'claude-sonnet-4-5', 'amazon.nova-2-pro-preview-20251202-v1:0']) expect(litellmPartsMissing(rowOf(key))).toEqual([]);
  });
});

/** Any usage a provider could report: cached, written, audio, image and video parts of the input, each kind of output, searches, seconds. */
const usageArb = fc.record({
  inputTokens: fc.nat({ max: 1_500_000 }),
  outputTokens: fc.nat({ max: 100_000 }),
  shares: fc.array(fc.nat({ max: 1000 }), { minLength: 13, maxLength: 13 }),
  /** a provider that also says how many cached tokens were audio or image, how many reasoning tokens were video (LiteLLM cannot see it) */
  namesOverlaps: fc.boolean(),
  searches: fc.nat({ max: 10 }),
  seconds: fc.nat({ max: 3600 }),
  characters: fc.nat({ max: 20_000 }),
});
function usageOf(r: typeof usageArb extends fc.Arbitrary<infer T> ? T : never): TokenCounts {
  const [s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12] = r.shares as [number, number, number, number, number, number, number, number, number, number, number, number, number];
  const part = (of: number, s: number) => Math.floor((of * s) / 1000);
  const [p, o] = [r.inputTokens, r.outputTokens];
  const cacheReadTokens = part(p, s0);
  const cacheWriteTokens = part(p - cacheReadTokens, s1);
  const audio = part(p, s3);
  const image = part(p - audio, s4);
  const reasoning = part(o, s6);
  const outAudio = part(o - reasoning, s7);
  const outImage = part(o - reasoning - outAudio, s8);
  const outVideo = part(o - reasoning - outAudio - outImage, s9);
  const overlaps = { cache_audio_read_tokens: part(Math.min(cacheReadTokens, audio), s10), cache_image_read_tokens: part(Math.min(cacheReadTokens, image), s11), output_video_reasoning_tokens: part(Math.min(reasoning, outVideo), s12) };
  return {
    inputTokens: p, outputTokens: o, cacheReadTokens, cacheWriteTokens,
    units: {
      cache_write_1h_tokens: part(cacheWriteTokens, s2), input_audio_tokens: audio, input_image_tokens: image, input_video_tokens: part(p - audio - image, s5),
      output_reasoning_tokens: reasoning, output_audio_tokens: outAudio, output_image_tokens: outImage, output_video_tokens: outVideo,
      web_searches: r.searches, input_audio_seconds: r.seconds, input_characters: r.characters, ...(r.namesOverlaps ? overlaps : {}),
    },
  };
}

describe('property: credits never below LiteLLM\'s dollars', () => {
  const keys = [...list.rows.keys()].filter((key) => {
    const c = fromLitellm(key, rowOf(key), settings(), { allowPartial: true });
    return c.ok && c.model.pricing.meter === 'tokens';
  });
  const exchanges = [exchange('0.04'), exchange('0.03', '1.15'), exchange('0.07', '1.3')];
  const meters = new Map(keys.flatMap((key) => exchanges.map((x, i) => [`${key}#${i}`, meterOf(key, x)] as const)));
  it('for every unit of every token row, at any usage within the tiers and the limits (overlaps named or not), any context size and exchange', () => {
    expect(keys.length).toBe(19);
    fc.assert(
      fc.property(fc.constantFrom(...keys), usageArb, fc.constantFrom<SearchContextSize>('low', 'medium', 'high'), fc.nat({ max: exchanges.length - 1 }), (key, raw, size, i) => {
        const u = usageOf(raw);
        expectCovers(meters.get(`${key}#${i}`)!, u, dollars(key, u, size).total, exchanges[i]!);
      }),
      { numRuns: 1500 },
    );
  });
});
