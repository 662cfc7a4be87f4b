// The per-block text price explained where that meter applies: why a 100-token prompt costs a whole 5,000-token block.
import { describe, expect, it } from 'vitest';
import { blockPricingNote } from '../../renderer/src/features/generate/model-options';
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
