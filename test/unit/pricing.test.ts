// Tests of estimates and final costs: worked examples from the seeds, bad inputs, and the estimate-bounds-final property.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultCatalog, parseCatalog, defaultCatalogDocument, type Catalog, type CatalogModel } from '../../shared/catalog/index';
import { estimate, finalCost, PricingError, tokenCostMc, utf8ByteLength, type RunRequest, type Usage } from '../../shared/rules/pricing';
import { textProblem } from '../../shared/rules/text';

const cat = defaultCatalog;
const model = (id: string): CatalogModel => cat.models.find((m) => m.id === id)!;

describe('default catalog', () => {
  it('validates and holds every price from the seeds', () => {
    expect(cat.models.length).toBeGreaterThanOrEqual(60);
    const ids = cat.models.map((m) => m.id);
    for (const id of ['claude-sonnet-4', 'deepseek-v3-0324', 'flux-schnell', 'flux-dev', 'flux-1-1-pro-ultra', 'veo-3', 'seedance-1-lite', 'suno-ai-bark', 'lucataco-ace-step', 'mj-imagine', 'mj-upscale-2x', 'mj-describe', 'mj-variations', 'ai-photos-train']) {
      expect(ids).toContain(id);
    }
    expect(model('seedance-1-lite').pricing).toMatchObject({ meter: 'second', mcPerSecond: 9_800 });
    expect(cat.plans.map((p) => p.id)).toEqual(expect.arrayContaining(['free', 'starter', 'pro', 'ultra', 'max']));
    expect(cat.packs[0]).toMatchObject({ creditsMc: 200_000, priceMinor: 199 });
    expect(cat.policies.purchaseCountries).toHaveLength(34);
  });
  it('rejects a broken catalog with a readable message', () => {
    const broken = structuredClone(defaultCatalogDocument) as { models: { pricing: { mcPerImage?: unknown } }[] };
    (broken.models.find((m) => m.pricing.mcPerImage !== undefined)!).pricing.mcPerImage = 1.5;
    expect(() => parseCatalog(broken)).toThrow(/invalid price catalog: models\.\d+\.pricing\.mcPerImage/);
    const dup = structuredClone(defaultCatalogDocument) as { models: unknown[] };
    dup.models.push(dup.models[0]);
    expect(() => parseCatalog(dup)).toThrow(/duplicate model id/);
  });
});

describe('worked examples from the seeds', () => {
  it('8 s of Veo 3 at ~840 credits a second is 6,720 credits', () => {
    expect(estimate({ modelId: 'veo-3', seconds: 8 }, cat, 'ultra').maxMc).toBe(6_720_000);
    expect(finalCost({ modelId: 'veo-3', seconds: 8 }, { deliveredMs: 8_000 }, cat, 'ultra')).toBe(6_720_000);
    // half a second less delivered costs 420 credits less
    expect(finalCost({ modelId: 'veo-3', seconds: 8 }, { deliveredMs: 7_500 }, cat, 'ultra')).toBe(6_300_000);
  });
  it('seedance-1-lite at 9.8 a second: fractional credits, exact', () => {
    expect(estimate({ modelId: 'seedance-1-lite', seconds: 3 }, cat, 'starter').maxMc).toBe(29_400);
    expect(finalCost({ modelId: 'seedance-1-lite', seconds: 3 }, { deliveredMs: 1 }, cat, 'starter')).toBe(10); // 9.8 mc rounds up
  });
  it('12,000 tokens of Claude Sonnet 4: 26.4 proportional, 33 per block', () => {
    const p = model('claude-sonnet-4').pricing;
    if (p.meter !== 'tokens') throw new Error('meter');
    expect(tokenCostMc({ ...p, rounding: 'proportional' }, 7_000, 5_000)).toBe(26_400);
    expect(tokenCostMc({ ...p, rounding: 'perBlock' }, 7_000, 5_000)).toBe(33_000);
    expect(finalCost({ modelId: 'claude-sonnet-4', prompt: 'x'.repeat(4_000), maxOutputTokens: 8000 }, { inputTokens: 4_000, outputTokens: 8_000 }, cat, 'starter')).toBe(33_000);
  });
  it('separate input and output prices bill their own blocks', () => {
    const p = { meter: 'tokens' as const, blockTokens: 5000, inputMcPerBlock: 1000, outputMcPerBlock: 3000, rounding: 'perBlock' as const, maxPromptChars: 10, promptOverheadTokens: 0, maxOutputTokens: 10, defaultOutputTokens: 10 };
    expect(tokenCostMc(p, 5001, 1)).toBe(2 * 1000 + 3000);
  });
  it('an Apiframe imagine then a 2x upscale costs 4 + 1 credits', () => {
    const imagine = estimate({ modelId: 'mj-imagine' }, cat, 'starter').maxMc;
    const upscale = estimate({ modelId: 'mj-upscale-2x' }, cat, 'starter').maxMc;
    expect(imagine + upscale).toBe(5_000);
    expect(estimate({ workflowId: 'imagine-then-upscale' }, cat, 'starter')).toMatchObject({ maxMc: 5_000, lines: [{ maxMc: 4_000 }, { maxMc: 1_000 }] });
  });
  it('modes multiply the price: relax halves, turbo doubles', () => {
    expect(estimate({ modelId: 'mj-variations', modeId: 'relax' }, cat, 'starter').maxMc).toBe(2_000);
    expect(estimate({ modelId: 'mj-variations', modeId: 'turbo' }, cat, 'starter').maxMc).toBe(8_000);
  });
  it('image count and resolution multiply the per-image price', () => {
    expect(estimate({ modelId: 'flux-dev', count: 4 }, cat, 'pro').maxMc).toBe(16_000);
    expect(estimate({ modelId: 'flux-dev', count: 2, resolutionId: '2048x2048' }, cat, 'pro').maxMc).toBe(32_000);
    expect(finalCost({ modelId: 'flux-dev', count: 4 }, { delivered: 3 }, cat, 'pro')).toBe(12_000);
  });
  it('training is priced per training image: 10 images cost 40 credits', () => {
    expect(estimate({ modelId: 'ai-photos-train', trainingImages: 10 }, cat, 'pro').maxMc).toBe(40_000);
  });
  it('a workflow with more or pricier blocks costs more', () => {
    const e = estimate({ workflowId: 'storyboard-4-panel', prompt: 'a cat' }, cat, 'starter');
    expect(e.lines).toHaveLength(2);
    expect(e.maxMc).toBe(e.lines[0]!.maxMc + e.lines[1]!.maxMc);
    expect(e.lines[1]!.maxMc).toBe(4_000);
  });
  it('models marked unlimited on a plan cost nothing', () => {
    expect(estimate({ modelId: 'claude-sonnet-4', prompt: 'hi' }, cat, 'legacy-early-bird').maxMc).toBe(0);
    expect(estimate({ modelId: 'claude-opus-4', prompt: 'hi' }, cat, 'legacy-early-bird').maxMc).toBeGreaterThan(0);
  });
  it('the text bound counts UTF-8 bytes of the prompt plus overhead plus the maximum output', () => {
    expect(utf8ByteLength('aé€😀')).toBe(1 + 2 + 3 + 4);
    const e = estimate({ modelId: 'deepseek-v3-0324', prompt: 'a'.repeat(9_000), maxOutputTokens: 1_000 }, cat, 'starter');
    expect(e.maxMc).toBe(3 * 1_000); // 9000 + 200 + 1000 = 10200 tokens = 3 blocks of 1 credit
    expect(e.typicalMc).toBeLessThanOrEqual(e.maxMc);
  });
});

describe('bad requests', () => {
  it.each<[RunRequest, RegExp]>([
    [{ modelId: 'nope' }, /unknown model nope/],
    [{ workflowId: 'nope' }, /unknown workflow/],
    [{}, /exactly one of modelId or workflowId/],
    [{ modelId: 'veo-3', seconds: 11 }, /1 to 10 seconds/],
    [{ modelId: 'flux-dev', count: 17 }, /at most 16 images/],
    [{ modelId: 'flux-dev', resolutionId: '9x9' }, /no resolution "9x9"/],
    [{ modelId: 'flux-dev', seconds: 3 }, /seconds does not apply/],
    [{ modelId: 'gpt-4o', prompt: 'x'.repeat(20_001) }, /longer than 20000 characters/],
    [{ modelId: 'gpt-4o', prompt: 'a\u0000b' }, /NUL/],
    [{ modelId: 'gpt-4o', prompt: 'a\ud800b' }, /lone surrogate/],
    [{ modelId: 'gpt-4o', maxOutputTokens: 9_000 }, /at most 8000 output tokens/],
    [{ modelId: 'ai-photos-train', trainingImages: 31 }, /1 to 30 images/],
    [{ modelId: 'ai-photos-train' }, /number of training images/],
    [{ modelId: 'flux-dev', count: 1.5 } as RunRequest, /count/],
    [{ modelId: 'flux-dev', extra: 1 } as unknown as RunRequest, /Unrecognized key/],
  ])('%#: a bad request is refused', (req, msg) => {
    expect(() => estimate(req, cat, 'max')).toThrow(PricingError);
    expect(() => estimate(req, cat, 'max')).toThrow(msg);
  });
  it('an unknown plan is refused', () => {
    expect(() => estimate({ modelId: 'flux-dev' }, cat, 'gold')).toThrow(/unknown plan/);
  });
  it('negative or fractional usage is refused', () => {
    expect(() => finalCost({ modelId: 'flux-dev' }, { delivered: -1 }, cat, 'pro')).toThrow(/delivered/);
    expect(() => finalCost({ modelId: 'flux-dev' }, { delivered: 0.5 }, cat, 'pro')).toThrow(PricingError);
  });
});

/** A request within the model's bounds, and a usage that request can produce. */
function requestAndUsage(m: CatalogModel): fc.Arbitrary<[RunRequest, Usage]> {
  const p = m.pricing;
  switch (p.meter) {
    case 'tokens':
      return fc
        .record({ prompt: fc.string({ maxLength: 400, unit: 'binary' }).filter((t) => textProblem(t) === null), maxOut: fc.integer({ min: 1, max: p.maxOutputTokens }) })
        .chain(({ prompt, maxOut }) =>
          fc.tuple(
            fc.constant<RunRequest>({ modelId: m.id, prompt, maxOutputTokens: maxOut }),
            fc.record({ inputTokens: fc.integer({ min: 0, max: utf8ByteLength(prompt) + p.promptOverheadTokens }), outputTokens: fc.integer({ min: 0, max: maxOut }) }),
          ),
        );
    case 'image':
      return fc
        .record({ count: fc.integer({ min: 1, max: p.maxCount }), res: fc.constantFrom(...p.resolutions.map((r) => r.id)), mode: fc.constantFrom(...p.modes.map((x) => x.id)) })
        .chain(({ count, res, mode }) => fc.tuple(fc.constant<RunRequest>({ modelId: m.id, count, resolutionId: res, modeId: mode }), fc.record({ delivered: fc.integer({ min: 0, max: count }) })));
    case 'second':
      return fc
        .record({ seconds: fc.integer({ min: p.minSeconds, max: p.maxSeconds }), mode: fc.constantFrom(...p.modes.map((x) => x.id)) })
        .chain(({ seconds, mode }) => fc.tuple(fc.constant<RunRequest>({ modelId: m.id, seconds, modeId: mode }), fc.record({ deliveredMs: fc.integer({ min: 0, max: seconds * 1000 }) })));
    case 'use':
      return fc.constantFrom(...p.modes.map((x) => x.id)).chain((mode) => fc.tuple(fc.constant<RunRequest>({ modelId: m.id, modeId: mode }), fc.record({ delivered: fc.integer({ min: 0, max: 1 }) })));
    case 'action':
      return fc
        .record({ count: fc.integer({ min: 1, max: p.maxCount }), mode: fc.constantFrom(...p.modes.map((x) => x.id)) })
        .chain(({ count, mode }) => fc.tuple(fc.constant<RunRequest>({ modelId: m.id, count, modeId: mode }), fc.record({ delivered: fc.integer({ min: 0, max: count }) })));
    case 'trainingImage':
      return fc
        .integer({ min: p.minImages, max: p.maxImages })
        .chain((n) => fc.tuple(fc.constant<RunRequest>({ modelId: m.id, trainingImages: n }), fc.record({ trainingImages: fc.integer({ min: 0, max: n }) })));
  }
}

describe('properties', () => {
  const plans = cat.plans.map((p) => p.id);
  it('for any catalog entry and request within bounds, the estimate is never below the final cost', () => {
    for (const m of cat.models) {
      fc.assert(
        fc.property(requestAndUsage(m), fc.constantFrom(...plans), ([req, usage], plan) => {
          const e = estimate(req, cat, plan);
          const f = finalCost(req, usage, cat, plan);
          expect(f).toBeLessThanOrEqual(e.maxMc);
          expect(e.typicalMc).toBeLessThanOrEqual(e.maxMc);
        }),
        { numRuns: 40 },
      );
    }
  });
  it('also holds for arbitrary random catalogs of prices and multipliers', () => {
    const priced = fc.record({ price: fc.integer({ min: 0, max: 5_000_000 }), mult: fc.integer({ min: 1, max: 100_000 }), block: fc.integer({ min: 1, max: 100_000 }) });
    fc.assert(
      fc.property(priced, fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 4000 }), ({ price, mult, block }, inTok, outTok) => {
        const c: Catalog = structuredClone(cat);
        const t = c.models.find((m) => m.id === 'gpt-4o')!;
        t.pricing = { meter: 'tokens', blockTokens: block, inputMcPerBlock: price, outputMcPerBlock: mult, rounding: inTok % 2 ? 'perBlock' : 'proportional', maxPromptChars: 100, promptOverheadTokens: 0, maxOutputTokens: 4000, defaultOutputTokens: 1 };
        const req = { modelId: 'gpt-4o', prompt: 'x'.repeat(inTok), maxOutputTokens: Math.max(1, outTok) };
        expect(finalCost(req, { inputTokens: inTok, outputTokens: Math.max(1, outTok) }, c, 'max')).toBeLessThanOrEqual(estimate(req, c, 'max').maxMc);
      }),
    );
  });
  it('engines that over-report usage never make the user pay more than the estimate', () => {
    const req = { modelId: 'flux-dev', count: 2 };
    expect(finalCost(req, { delivered: 50 }, cat, 'pro')).toBe(estimate(req, cat, 'pro').maxMc);
  });
});
