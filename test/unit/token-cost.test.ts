// Tests of token costs with prompt-cache prices and tiers: worked examples, the catalog's checks, and the estimate-bounds-final property.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultCatalog, parseCatalog, defaultCatalogDocument, type Catalog, type CatalogModel } from '../../shared/catalog/index';
import { textProblem } from '../../shared/rules/text';
import { estimate, finalCost, ratesFor, tokenCostBoundMc, tokenCostMc, type TokensMeter, type UnitCounts } from '../../shared/rules/pricing';
import { EXTRA_UNIT_KEYS, isTokenUnit, joinOf, overlaps, type ExtraUnitKey, type UnitKey } from '../../shared/rules/usage-units';

/** Claude Sonnet 4.5 as imported at $0.04 a credit: $3 / $15 / $0.30 / $3.75 per million tokens, doubled-ish above 200k input tokens. */
const sonnet: TokensMeter = {
  meter: 'tokens', blockTokens: 1_000_000, rounding: 'proportional',
  inputMcPerBlock: 75_000, outputMcPerBlock: 375_000, cacheReadMcPerBlock: 7_500, cacheWriteMcPerBlock: 93_750,
  tiers: [{ aboveInputTokens: 200_000, inputMcPerBlock: 150_000, outputMcPerBlock: 562_500, cacheReadMcPerBlock: 15_000, cacheWriteMcPerBlock: 187_500 }],
  maxPromptChars: 100_000, promptOverheadTokens: 200, maxOutputTokens: 64_000, defaultOutputTokens: 1_000,
};

function catalogWith(pricing: TokensMeter): Catalog {
  const c = structuredClone(defaultCatalog);
  c.models.find((m) => m.id === 'gpt-4o')!.pricing = pricing;
  return c;
}

describe('token costs with cache prices and tiers', () => {
  it('prices fresh, cache-read and cache-written input tokens apart, rounding up once per run', () => {
    // 1,000 fresh × 0.075 + 4,000 read × 0.0075 + 5,000 written × 0.09375 + 300 out × 0.375 = 75 + 30 + 468.75 + 112.5 = 686.25 mc
    expect(tokenCostMc(sonnet, 10_000, 300, { cacheReadTokens: 4_000, cacheWriteTokens: 5_000 })).toBe(687);
    expect(tokenCostMc(sonnet, 10_000, 300)).toBe(863); // 750 + 112.5 = 862.5, all fresh
  });
  it('a run whose input exceeds the threshold pays the tier for all its tokens, not only those above it', () => {
    expect(ratesFor(sonnet, 200_000).inputMcPerBlock).toBe(75_000);
    expect(ratesFor(sonnet, 200_001).inputMcPerBlock).toBe(150_000);
    expect(tokenCostMc(sonnet, 200_000, 0)).toBe(15_000);
    expect(tokenCostMc(sonnet, 200_001, 0)).toBe(30_001); // 200,001 × 0.15 = 30,000.15 → 30,001
  });
  it('cached tokens a provider over-reports count as fresh input, never as negative tokens', () => {
    expect(tokenCostMc(sonnet, 100, 0, { cacheReadTokens: 500 })).toBe(tokenCostMc(sonnet, 100, 0, { cacheReadTokens: 100 }));
    expect(tokenCostMc(sonnet, 100, 0, { cacheReadTokens: 60, cacheWriteTokens: 60 })).toBe(Math.ceil((60 * 7_500 + 40 * 93_750) / 1_000_000));
  });
  it('the bound takes the dearest input price of every tier the input can reach', () => {
    expect(tokenCostBoundMc(sonnet, 10_000, 1_000)).toBe(Math.ceil((10_000 * 93_750 + 1_000 * 375_000) / 1_000_000));
    expect(tokenCostBoundMc(sonnet, 300_000, 0)).toBe(300_000 * 187_500 / 1_000_000);
  });
  it('the server estimate and settlement use them: a cached run costs less than the estimate', () => {
    const c = catalogWith(sonnet);
    const req = { modelId: 'gpt-4o', prompt: 'x'.repeat(2_000), maxOutputTokens: 500 };
    const e = estimate(req, c, 'max');
    expect(e.maxMc).toBe(Math.ceil((2_200 * 93_750 + 500 * 375_000) / 1_000_000));
    expect(finalCost(req, { inputTokens: 2_100, cacheReadTokens: 2_000, outputTokens: 400 }, c, 'max')).toBe(Math.ceil((100 * 75_000 + 2_000 * 7_500 + 400 * 375_000) / 1_000_000));
  });
  it('the catalog refuses cache prices or tiers on per-block meters, and tiers out of order', () => {
    const doc = structuredClone(defaultCatalogDocument) as { models: { id: string; pricing: Record<string, unknown> }[] };
    const gpt = doc.models.find((m) => m.id === 'gpt-4o')!;
    gpt.pricing.cacheReadMcPerBlock = 1;
    expect(() => parseCatalog(doc)).toThrow(/cache prices, tiers and other units need proportional rounding/);
    Object.assign(gpt.pricing, { rounding: 'proportional', tiers: [{ aboveInputTokens: 10, inputMcPerBlock: 1, outputMcPerBlock: 1 }, { aboveInputTokens: 5, inputMcPerBlock: 1, outputMcPerBlock: 1 }] });
    expect(() => parseCatalog(doc)).toThrow(/tier thresholds must ascend/);
  });
});

const rate = fc.integer({ min: 0, max: 5_000_000 });
const tier = fc.record({ inputMcPerBlock: rate, outputMcPerBlock: rate, cacheReadMcPerBlock: fc.option(rate, { nil: undefined }), cacheWriteMcPerBlock: fc.option(rate, { nil: undefined }) });
/** Any proportional meter: cache prices dearer or cheaper than input, tiers dearer or cheaper than the base, thresholds anywhere. */
const meter: fc.Arbitrary<TokensMeter> = fc
  .record({
    base: tier,
    block: fc.constantFrom(1, 1_000, 5_000, 1_000_000),
    tiers: fc.array(fc.tuple(fc.integer({ min: 1, max: 3_000 }), tier), { maxLength: 3 }),
  })
  .map(({ base, block, tiers }) => {
    const sorted = [...new Map(tiers.map(([at, t]) => [at, t])).entries()].sort((a, b) => a[0] - b[0]);
    return {
      meter: 'tokens', blockTokens: block, rounding: 'proportional', ...base,
      ...(sorted.length ? { tiers: sorted.map(([aboveInputTokens, t]) => ({ aboveInputTokens, ...t })) } : {}),
      maxPromptChars: 5_000, promptOverheadTokens: 0, maxOutputTokens: 4_000, defaultOutputTokens: 1,
    } as TokensMeter;
  });

/** A set of other units closed under joins (with the cache units the prices name), as the catalog requires. */
function closedUnits(picked: ExtraUnitKey[], p: Pick<TokensMeter, 'cacheReadMcPerBlock' | 'cacheWriteMcPerBlock'>): ExtraUnitKey[] {
  const set = new Set<UnitKey>([...picked, 'input_tokens', 'output_tokens', ...(p.cacheReadMcPerBlock !== undefined ? ['cache_read_tokens' as const] : []), ...(p.cacheWriteMcPerBlock !== undefined ? ['cache_write_tokens' as const] : [])]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const a of [...set]) for (const b of [...set]) {
      const j = overlaps(a, b) ? joinOf(a, b) : undefined;
      if (j && !set.has(j)) {
        set.add(j);
        grew = true;
      }
    }
  }
  return [...set].filter((k): k is ExtraUnitKey => (EXTRA_UNIT_KEYS as readonly string[]).includes(k));
}

/** Any proportional meter that also prices some of every other unit: audio, image and video tokens, searches, seconds, requests. */
const meterWithUnits: fc.Arbitrary<TokensMeter> = fc
  .tuple(meter, fc.subarray(EXTRA_UNIT_KEYS, { maxLength: 6 }), fc.array(rate, { minLength: 80, maxLength: 80 }), fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 80, maxLength: 80 }))
  .map(([p, picked, prices, limits]) => {
    // a tier that names no cache price takes the input price, so the join rule holds for every tier only when the base's cache units are the tiers' too
    const tiers = (p.tiers ?? []).map((t) => ({ ...t, cacheReadMcPerBlock: p.cacheReadMcPerBlock === undefined ? undefined : (t.cacheReadMcPerBlock ?? t.inputMcPerBlock), cacheWriteMcPerBlock: p.cacheWriteMcPerBlock === undefined ? undefined : (t.cacheWriteMcPerBlock ?? t.inputMcPerBlock) }));
    const keys = closedUnits(picked, p);
    if (keys.length === 0) return { ...p, tiers: tiers.length ? tiers : undefined };
    const priced = (offset: number) => Object.fromEntries(keys.map((k, i) => [k, prices[(i + offset) % prices.length]!]));
    const limited = keys.filter((k) => !isTokenUnit(k) && k !== 'requests');
    return {
      ...p, units: priced(0), ...(tiers.length ? { tiers: tiers.map((t, i) => ({ ...t, units: priced(i * 7 + 3) })) } : {}),
      ...(limited.length ? { unitLimits: Object.fromEntries(limited.map((k, i) => [k, limits[i]!])) } : {}),
    } as TokensMeter;
  });

/** A usage of any units, as a provider may report it: within or beyond the request, adding up or not. */
const unitUsage: fc.Arbitrary<UnitCounts> = fc.dictionary(fc.constantFrom(...EXTRA_UNIT_KEYS), fc.nat({ max: 6_000 }), { maxKeys: 12 }) as fc.Arbitrary<UnitCounts>;

describe('properties', () => {
  it('for any meter pricing any units, and any usage of any units, the estimate is never below the final charge', () => {
    fc.assert(
      fc.property(meterWithUnits, fc.nat({ max: 3_000 }), fc.integer({ min: 1, max: 4_000 }), fc.nat(), fc.nat(), fc.nat(), fc.nat(), unitUsage, (pricing, promptChars, maxOut, a, b, c, d, units) => {
        const cat = catalogWith(pricing);
        const req = { modelId: 'gpt-4o', prompt: 'x'.repeat(promptChars), maxOutputTokens: maxOut };
        const e = estimate(req, cat, 'max');
        const inputTokens = a % 4_000;
        const usage = { inputTokens, outputTokens: b % (maxOut + 10), cacheReadTokens: c % (inputTokens + 5), cacheWriteTokens: d % (inputTokens + 5), units };
        expect(finalCost(req, usage, cat, 'max')).toBeLessThanOrEqual(e.maxMc);
        expect(e.typicalMc).toBeLessThanOrEqual(e.maxMc);
      }),
      { numRuns: 500 },
    );
  });
  it('for any meter with cache prices and tiers, and any usage a request allows, the estimate is never below the final charge', () => {
    fc.assert(
      fc.property(meter, fc.string({ maxLength: 3_000, unit: 'binary' }).filter((t) => textProblem(t) === null), fc.integer({ min: 1, max: 4_000 }), fc.nat(), fc.nat(), fc.nat(), fc.nat(), (pricing, prompt, maxOut, a, b, c, d) => {
        const cat = catalogWith(pricing);
        const req = { modelId: 'gpt-4o', prompt, maxOutputTokens: maxOut };
        const e = estimate(req, cat, 'max');
        // Usage as a provider may report it, within or beyond the request: the settlement clamps what exceeds the request.
        const inputTokens = a % 4_000;
        const usage = { inputTokens, outputTokens: b % (maxOut + 10), cacheReadTokens: c % (inputTokens + 5), cacheWriteTokens: d % (inputTokens + 5) };
        expect(finalCost(req, usage, cat, 'max')).toBeLessThanOrEqual(e.maxMc);
        expect(e.typicalMc).toBeLessThanOrEqual(e.maxMc);
      }),
      { numRuns: 300 },
    );
  });
  it('within the bounds, the bound is never below the cost of any split of the input', () => {
    fc.assert(
      fc.property(meter, fc.nat({ max: 5_000 }), fc.nat({ max: 5_000 }), fc.nat(), fc.nat(), (p, maxIn, maxOut, x, y) => {
        const inputTokens = x % (maxIn + 1);
        const cacheReadTokens = y % (inputTokens + 1);
        const cacheWriteTokens = (x + y) % (inputTokens - cacheReadTokens + 1);
        expect(tokenCostMc(p, inputTokens, maxOut, { cacheReadTokens, cacheWriteTokens })).toBeLessThanOrEqual(tokenCostBoundMc(p, maxIn, maxOut));
      }),
      { numRuns: 500 },
    );
  });
  it('a model without cache prices or tiers costs what it always did', () => {
    const m: CatalogModel = defaultCatalog.models.find((x) => x.id === 'claude-sonnet-4')!;
    if (m.pricing.meter !== 'tokens') throw new Error('meter');
    const p = m.pricing;
    fc.assert(fc.property(fc.nat({ max: 50_000 }), fc.nat({ max: 50_000 }), (i, o) => {
      expect(tokenCostBoundMc(p, i, o)).toBe(tokenCostMc(p, i, o));
    }));
  });
});
