// Renderer display helpers: countdowns in server time, credit and date formatting, ages.
import { describe, expect, it } from 'vitest';
import { age, countdown, expiryDate, formatCredits, usageText } from '../../renderer/src/lib/format';
import { unitPrice } from '../../renderer/src/features/generate/model-options';
import { defaultCatalog } from '../../shared/catalog/index';

describe('renderer formatting', () => {
  it('counts down to the reset from the server clock', () => {
    const reset = Date.parse('2026-11-23T00:00:00Z');
    expect(countdown(reset, Date.parse('2026-11-22T12:01:59Z'))).toBe('11 h 58 min');
    expect(countdown(reset, reset - 61_000)).toBe('1 min 01 s');
    expect(countdown(reset, reset - 5_000)).toBe('5 s');
    expect(countdown(reset, reset + 5_000)).toBe('0 s');
  });
  it('a local clock a day off changes nothing when the offset is applied', () => {
    const serverNow = Date.parse('2026-11-22T22:00:00Z');
    const localNow = serverNow - 86_400_000; // the user's clock is a day behind
    const offset = serverNow - localNow;
    expect(countdown(Date.parse('2026-11-23T00:00:00Z'), localNow + offset)).toBe('2 h 00 min');
  });
  it('formats credits, expiries and ages', () => {
    expect(formatCredits(72_345)).toBe('72.345');
    expect(expiryDate(null)).toBe('never');
    expect(age(0, 30_000)).toBe('just now');
    expect(age(0, 5 * 60_000)).toBe('5 min ago');
    expect(age(0, 3 * 86_400_000)).toBe('3 days ago');
  });
  it('names token prices per block, and imported prices per million tokens', () => {
    const model = defaultCatalog.models.find((m) => m.id === 'claude-sonnet-4')!;
    expect(unitPrice(model)).toBe('11 / 5K tokens');
    const imported = { ...model, pricing: { ...model.pricing, blockTokens: 1_000_000, inputMcPerBlock: 3_750, outputMcPerBlock: 15_000, rounding: 'proportional' as const } };
    expect(unitPrice(imported)).toBe('3.75 in, 15 out / 1M tokens');
  });
});

describe('usageText', () => {
  it('says what a run used in words', () => {
    expect(usageText(null)).toBeNull();
    expect(usageText({})).toBeNull();
    expect(usageText({ inputTokens: 1_412, outputTokens: 180, cacheReadTokens: 1_000 })).toBe('1,412 tokens in · 180 out · 1,000 cached');
    expect(usageText({ inputTokens: 1, outputTokens: 0 })).toBe('1 token in · 0 out');
    expect(usageText({ delivered: 2 }, 'image')).toBe('2 images');
    expect(usageText({ delivered: 1 }, 'image')).toBe('1 image');
    expect(usageText({ deliveredMs: 8_000 })).toBe('8.0 s of video');
    expect(usageText({ trainingImages: 12 })).toBe('12 training images');
    expect(usageText({ blocks: [{ inputTokens: 10, outputTokens: 5 }, { delivered: 1 }] }, 'image')).toBe('10 tokens in · 5 out; 1 image');
  });
  it('names every other unit a provider billed', () => {
    expect(usageText({ inputTokens: 1_200, outputTokens: 300, units: { input_audio_tokens: 400, web_searches: 1, output_image_tokens: 0 } })).toBe('1,200 tokens in · 300 out · 400 input audio tokens · 1 web search');
    expect(usageText({ inputTokens: 10, outputTokens: 1, units: { web_searches: 2, input_audio_seconds: 1 } })).toBe('10 tokens in · 1 out · 2 web searches · 1 input audio second');
  });
});
