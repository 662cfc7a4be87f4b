// The per-block text price explained where that meter applies: why a 100-token prompt costs a whole 5,000-token block.
import { describe, expect, it } from 'vitest';
import { blockPricingNote, otherUnitsNote } from '../../renderer/src/features/generate/model-options';
import { defaultCatalog } from '../../shared/catalog/index';
import { tokenCostMc } from '../../shared/rules/token-cost';

const pricing = (id: string) => defaultCatalog.models.find((m) => m.id === id)!.pricing;

describe('per-block text pricing note', () => {
  it('says "billed per started 5,000-token block" for per-block token models, with the block price', () => {
    const p = pricing('gpt-4o');
    expect(blockPricingNote(p)).toBe('Billed per started 5,000-token block: 7 credits a block, prompt and reply counted together. A short prompt still pays for a whole block.');
    if (p.meter !== 'tokens') throw new Error('gpt-4o is priced by tokens');
    expect(tokenCostMc(p, 100, 0)).toBe(7_000); // the 100-token prompt that showed 7 credits
  });

  it('says nothing for other meters or proportional token prices', () => {
    expect(blockPricingNote(pricing('flux-schnell'))).toBeNull();
    const proportional = defaultCatalog.models.find((m) => m.pricing.meter === 'tokens' && m.pricing.rounding === 'proportional');
    if (proportional) expect(blockPricingNote(proportional.pricing)).toBeNull();
    expect(blockPricingNote(undefined)).toBeNull();
  });
});

describe('other units a model is billed for', () => {
  it('names each with its price and limit, and says the most shown counts them all', () => {
    const p = { ...pricing('gpt-4o'), rounding: 'proportional' as const, blockTokens: 1_000_000, units: { input_audio_tokens: 800_000, web_searches: 250_000, requests: 300_000 }, unitLimits: { web_searches: 10 } };
    expect(otherUnitsNote(p)).toBe('Also billed as the provider reports them: input audio 800 credits per 1M tokens; web searches 0.25 credits each, up to 10 a run; 0.3 credits per run. The most shown counts them all.');
    expect(otherUnitsNote(pricing('gpt-4o'))).toBeNull();
    expect(otherUnitsNote(pricing('flux-schnell'))).toBeNull();
  });
});
