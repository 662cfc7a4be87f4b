// The operator CLI on every unit: price with unit flags or the provider's own answer, and import-prices refusing what the catalog cannot charge.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../admin/cli';
import { Dec } from './decimal';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'price-units-'));
const AT = ['--at', '2025-11-06T12:00:00Z'];
type Priced = { usd: Record<string, string>; credits: { chargedMc: number; fromUsd: string; catalogModel: string | null }; usage: Record<string, number>; matched: Record<string, string>; readWith?: string };

/** A catalog with the models imported from genai-prices at $0.04 × `markup`. */
async function catalogOf(provider: string, models: string, markup = '1'): Promise<string> {
  const file = path.join(tmp(), 'catalog.json');
  await run(['import-prices', '--from', 'genai-prices', '--provider', provider, '--model', models, '--usd-per-credit', '0.04', '--markup', markup, ...AT, '--out', file, '--write']);
  return file;
}

function expectCreditsCoverDollars(r: Priced): void {
  expect(r.credits.catalogModel).not.toBeNull();
  expect(new Dec(r.credits.chargedMc).greaterThanOrEqualTo(new Dec(r.credits.fromUsd).times(1000))).toBe(true);
}

describe('price: every unit the list bills', () => {
  it('image output tokens: gemini-2.5-flash-image, 1,290 image tokens at $30 per million ($0.0387027, not $0.0032277)', async () => {
    const catalog = await catalogOf('google', 'gemini-2.5-flash-image');
    const r = (await run(['price', '--from', 'genai-prices', '--provider', 'google', '--model', 'gemini-2.5-flash-image', '--input-tokens', '9', '--output-tokens', '1290', '--output-image-tokens', '1290', ...AT, '--catalog', catalog])) as Priced;
    expect(r.usd).toEqual({ input: '0.0000027', output: '0.0387', total: '0.0387027' });
    expect(r.credits).toMatchObject({ chargedMc: 968, fromUsd: '0.9675675' });
  });
  it('audio input tokens: gemini-2.0-flash, 150 audio tokens of 159 ($0.0001147, not $0.0000247)', async () => {
    const catalog = await catalogOf('google', 'gemini-2.0-flash');
    const r = (await run(['price', '--from', 'genai-prices', '--provider', 'google', '--model', 'gemini-2.0-flash', '--input-tokens', '159', '--input-audio-tokens', '150', '--output-tokens', '22', ...AT, '--catalog', catalog])) as Priced;
    expect(r.usd.total).toBe('0.0001147');
    expectCreditsCoverDollars(r);
  });
  it('web searches: claude-sonnet-4-5 with 10 searches at $10 per thousand, charged at or above $0.04 × 1.2', async () => {
    const catalog = await catalogOf('anthropic', 'claude-sonnet-4-5', '1.2');
    const r = (await run(['price', '--from', 'genai-prices', '--provider', 'anthropic', '--model', 'claude-sonnet-4-5', '--input-tokens', '123456', '--output-tokens', '98765', '--web-searches', '10', ...AT, '--catalog', catalog])) as Priced;
    expect(r.usd).toEqual({ input: '0.370368', output: '1.481475', other: '0.1', total: '1.951843' });
    expect(r.credits).toMatchObject({ chargedMc: 58_556, fromUsd: '58.55529' });
  });
  it('a per-request price, pages and seconds: Perplexity Sonar, Mistral OCR, Groq Whisper (billed as at least 10 s)', async () => {
    const sonar = (await run(['price', '--from', 'genai-prices', '--provider', 'perplexity', '--model', 'sonar', '--input-tokens', '100', '--output-tokens', '100', ...AT])) as Priced;
    expect(sonar.usd).toEqual({ input: '0.0001', output: '0.0001', other: '0.012', total: '0.0122' });
    const ocr = (await run(['price', '--from', 'genai-prices', '--provider', 'mistral', '--model', 'mistral-ocr-2505', '--input-document-pages', '7', '--input-annotated-document-pages', '2', ...AT])) as Priced;
    expect(ocr.usd.total).toBe('0.011'); // 5 plain pages × $1 + 2 annotated × $3, per thousand
    const whisper = await catalogOf('groq', 'whisper-large-v3-turbo');
    const short = (await run(['price', '--from', 'genai-prices', '--provider', 'groq', '--model', 'whisper-large-v3-turbo', '--audio-seconds', '3', '--input-audio-seconds', '3', ...AT, '--catalog', whisper])) as Priced;
    expect(short.usd.total).toBe(new Dec('0.04').times(10).dividedBy(3600).toFixed()); // 10 s at $0.04 an hour
    expectCreditsCoverDollars(short);
  });
});

describe('price --usage-file: what the provider said, read by the list\'s own extractors', () => {
  it('a Gemini answer: image tokens from candidatesTokensDetails, the model from modelVersion', async () => {
    const file = path.join(tmp(), 'answer.json');
    writeFileSync(file, JSON.stringify({ modelVersion: 'gemini-2.5-flash-image', usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 1290, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 9 }], candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1290 }] } }));
    const r = (await run(['price', '--from', 'genai-prices', '--provider', 'google', '--usage-file', file, ...AT])) as Priced;
    expect(r).toMatchObject({ readWith: 'genai-prices google default extractor', matched: { model: 'gemini-2.5-flash-image' }, usage: { output_image_tokens: 1290, input_tokens: 9 } });
    expect(r.usd.total).toBe('0.0387027');
  });
  it('an OpenAI chat completion: cached and audio tokens from the details, priced by LiteLLM\'s list too', async () => {
    const file = path.join(tmp(), 'answer.json');
    writeFileSync(file, JSON.stringify({ model: 'gpt-4o-2024-08-06', choices: [], usage: { prompt_tokens: 1234, completion_tokens: 567, prompt_tokens_details: { cached_tokens: 1000, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 } } }));
    const r = (await run(['price', '--from', 'genai-prices', '--provider', 'openai', '--usage-file', file, '--api-flavor', 'chat', ...AT])) as Priced;
    expect(r).toMatchObject({ usage: { input_tokens: 1234, cache_read_tokens: 1000 }, usd: { total: '0.007505' } });
  });
  it('says what is wrong: both ways at once, no usage, a bad count, an unknown flavor, a file that is not JSON', async () => {
    const file = path.join(tmp(), 'answer.json');
    writeFileSync(file, 'not json');
    const base = ['price', '--from', 'genai-prices', '--provider', 'openai', '--model', 'gpt-4o'];
    await expect(run([...base, '--usage-file', file, '--input-tokens', '1'])).rejects.toThrow(/either with unit flags or with --usage-file/);
    await expect(run(base)).rejects.toThrow(/say what was used/);
    await expect(run([...base, '--web-searches', '1.5'])).rejects.toThrow(/--web-searches must be a whole number/);
    await expect(run([...base, '--usage-file', file, '--api-flavor', 'telepathy'])).rejects.toThrow(/cannot read the usage file/);
    writeFileSync(file, '{"usage": {}}');
    await expect(run([...base, '--usage-file', file, '--api-flavor', 'telepathy'])).rejects.toThrow(/reads openai's answers as chat, responses/);
    await expect(run([...base, '--usage-file', file, '--api-flavor', 'chat'])).rejects.toThrow(/cannot read .* as openai's chat answer/);
    // more audio tokens than input tokens: the list refuses to price it where audio has a price of its own
    const gemini = ['price', '--from', 'genai-prices', '--provider', 'google', '--model', 'gemini-2.0-flash'];
    await expect(run([...gemini, '--input-tokens', '10', '--input-audio-tokens', '20'])).rejects.toThrow(/the units within input_tokens add up to 20, more than its 10/);
  });
});

describe('import-prices: a price the catalog cannot charge is refused, never imported with a part missing', () => {
  const data = [{
    id: 'acme', name: 'Acme', models: [
      { id: 'smell-1', match: { equals: 'smell-1' }, prices: { input_mtok: 1, output_mtok: 2, input_smell_mtok: 9 } },
      { id: 'odd-1', match: { equals: 'odd-1' }, prices: { input_mtok: 1, output_mtok: 2, cache_audio_read_mtok: 0.5 } },
      { id: 'voice-1', match: { equals: 'voice-1' }, prices: { input_mtok: 1, output_mtok: 2, input_audio_mtok: 8, output_audio_mtok: 16 } },
    ],
  }];
  it('names the part and the reason; --allow-partial imports the rest and says what is not charged', async () => {
    const file = path.join(tmp(), 'data.json');
    writeFileSync(file, JSON.stringify(data));
    const args = ['import-prices', '--from', 'genai-prices', '--file', file, '--provider', 'acme', '--usd-per-credit', '0.04'];
    const out = (await run(args)) as string;
    expect(out).toContain('! acme/smell-1: skipped, priced by input_smell_mtok, which the catalog cannot charge');
    expect(out).toContain('! acme/odd-1: skipped, the list\'s prices do not add up (cache_audio_read_mtok needs cache_read_mtok; cache_audio_read_mtok needs input_audio_mtok)');
    expect(out).toContain('+ acme/voice-1 (voice-1): in 25 · out 50 · input audio 200 · output audio 400 credits / 1M tokens');
    expect(out).toMatch(/1 new, 0 changed, 0 unchanged, 2 skipped/);
    const partial = (await run([...args, '--allow-partial'])) as string;
    expect(partial).toContain('+ acme/smell-1 (smell-1): in 25 · out 50 credits / 1M tokens');
    expect(partial).toContain('acme/smell-1: not charged (--allow-partial): input_smell_mtok');
    expect(partial).toContain('! acme/odd-1: skipped');
  });
});
