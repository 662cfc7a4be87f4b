// LiteLLM rows (test/fixtures/litellm-prices.json, real rows) into catalog models, and the operator CLI's import-prices and price end to end.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultCatalog, parseCatalog } from '../../../shared/catalog/index';
import type { CatalogModel } from '../../../shared/catalog/schema';
import { finalCost, tokenCostMc } from '../../../shared/rules/pricing';
import { run } from '../../admin/cli';
import { exchange } from './decimal';
import { findRow, loadLitellm, usdOfRowUsage } from './litellm';
import { fromLitellm } from './litellm-to-catalog';
import type { ImportSettings } from './to-catalog';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/litellm-prices.json');
const list = loadLitellm(FIXTURE);
const settings: ImportSettings = { exchange: exchange('0.04'), atMs: Date.parse('2026-11-26T12:00:00Z'), tier: 'ga', edition: list.edition, importedOn: '2026-11-26' };
function imported(key: string): CatalogModel {
  const c = fromLitellm(key, list.rows.get(key)!, settings);
  if (!c.ok) throw new Error(c.reason);
  return c.model;
}
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'import-prices-'));

describe('LiteLLM: rows into catalog models', () => {
  it('reads model rows and leaves out sample_spec and rule blocks', () => {
    expect(list.rows.size).toBe(26);
    expect(list.skipped).toEqual(['sample_spec', 'fallback_generalizations']);
    expect(list.edition).toMatch(/^LiteLLM litellm-prices\.json sha256:[0-9a-f]{12}$/);
  });
  it('per-token prices with a cache-read price: gpt-4o at $2.50 / $10 / $1.25 per million is 62.5 / 250 / 31.25 credits', () => {
    const m = imported('gpt-4o');
    expect(m).toMatchObject({ id: 'openai/gpt-4o', modality: 'text', pricing: { meter: 'tokens', blockTokens: 1_000_000, inputMcPerBlock: 62_500, outputMcPerBlock: 250_000, cacheReadMcPerBlock: 31_250, maxOutputTokens: 16_384 } });
    expect(m.pricing).not.toHaveProperty('cacheWriteMcPerBlock');
    expect(m.priceSource).toMatchObject({ list: 'litellm', provider: 'openai', model: 'gpt-4o', usd: { input_cost_per_token: '0.0000025', cache_read_input_token_cost: '0.00000125' } });
  });
  it('prices above 200k tokens become a tier with every price the row names above it', () => {
    const m = imported('global.anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(m.id).toBe('bedrock_converse/global.anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(m.pricing).toMatchObject({
      inputMcPerBlock: 75_000, outputMcPerBlock: 375_000, cacheReadMcPerBlock: 7_500, cacheWriteMcPerBlock: 93_750,
      tiers: [{ aboveInputTokens: 200_000, inputMcPerBlock: 150_000, outputMcPerBlock: 562_500, cacheReadMcPerBlock: 15_000, cacheWriteMcPerBlock: 187_500 }],
    });
  });
  it('per-image, per-pixel and per-second prices', () => {
    expect(imported('stability.stable-image-ultra-v1:0').pricing).toMatchObject({ meter: 'image', mcPerImage: 3_500 }); // $0.14
    // $0.0000000381469 × 1024 × 1024 = $0.039999… an image: 1 credit, rounded up to the millicredit
    expect(imported('standard/1024-x-1024/dall-e-3').pricing).toMatchObject({ meter: 'image', mcPerImage: 1_000, resolutions: [{ id: '1024x1024', width: 1024, height: 1024 }] });
    expect(imported('1024-x-1024/dall-e-2').pricing).toMatchObject({ mcPerImage: 499 }); // $0.019922944
    expect(imported('sora-2')).toMatchObject({ modality: 'video', pricing: { meter: 'second', mcPerSecond: 2_500 } }); // $0.10 a second
    expect(fromLitellm('text-embedding-3-small', list.rows.get('text-embedding-3-small')!, settings)).toMatchObject({ ok: false, reason: expect.stringMatching(/embedding/) });
  });
  it('dollars by LiteLLM\'s arithmetic, exact: above the threshold every price switches, cache hits and writes apart', () => {
    const found = findRow(list, 'bedrock_converse', 'global.anthropic.claude-sonnet-4-5-20250929-v1:0')!;
    const u = { inputTokens: 250_000, outputTokens: 2_000, cacheReadTokens: 100_000, cacheWriteTokens: 50_000 };
    expect(usdOfRowUsage(found.row, 'bedrock_converse', u).total.toFixed()).toBe('1.08');
    // the same writes, 20k of them kept an hour: 30k × $7.50 + 20k × $12 above the threshold instead of 50k × $7.50
    expect(usdOfRowUsage(found.row, 'bedrock_converse', { ...u, units: { cache_write_1h_tokens: 20_000 } }).total.toFixed()).toBe('1.17');
    expect(usdOfRowUsage(found.row, 'bedrock_converse', { ...u, inputTokens: 200_000 }).total.toFixed()).toBe('0.3975'); // at the threshold, base prices: 50k fresh × 3 + 100k × 0.3 + 50k × 3.75 + 2k × 15
    expect(findRow(list, 'openai', 'openai/gpt-4o')?.key).toBe('gpt-4o');
    expect(findRow(list, 'azure', 'gpt-4o')).toBeUndefined();
  });
  it('an imported image model charges per image delivered, and a video model per second', () => {
    const cat = parseCatalog({ ...defaultCatalog, models: [...defaultCatalog.models, imported('stability.stable-image-ultra-v1:0'), imported('sora-2')] });
    expect(finalCost({ modelId: 'bedrock/stability.stable-image-ultra-v1:0', count: 2 }, { delivered: 2 }, cat, 'pro')).toBe(7_000);
    expect(finalCost({ modelId: 'openai/sora-2', seconds: 4 }, { deliveredMs: 3_500 }, cat, 'ultra')).toBe(8_750);
  });
});

describe('operator CLI: import-prices and price', () => {
  afterEach(() => vi.restoreAllMocks());

  it('shows the diff and writes nothing without --write; with it, writes a catalog the server can load', async () => {
    const dir = tmp();
    const out = path.join(dir, 'catalog.json');
    const args = ['import-prices', '--from', 'genai-prices', '--provider', 'anthropic,openai', '--model', 'claude-sonnet-4-5,gpt-4o-mini', '--usd-per-credit', '0.04', '--markup', '1.25', '--out', out];
    const dry = (await run(args)) as string;
    expect(dry).toContain('@pydantic/genai-prices 0.1.8');
    expect(dry).toContain('+ anthropic/claude-sonnet-4-5 (Claude Sonnet 4.5): in 93.75 · out 468.75 · cache read 9.375 · cache write 117.188 · cache write 1h 187.5; above 200,000 input tokens');
    expect(dry).toContain('credits / 1M tokens; web searches 312.5 / 1k credits');
    expect(dry).toMatch(/2 new, 0 changed, 0 unchanged, 0 skipped; catalog version 2026-11-22\.1 → \d{4}-\d{2}-\d{2}\.1/);
    expect(dry).toContain('nothing written');
    expect(() => readFileSync(out)).toThrow();
    expect(await run([...args, '--write'])).toContain(`written to ${out}`);
    const written = parseCatalog(JSON.parse(readFileSync(out, 'utf8')));
    expect(written.models.find((m) => m.id === 'openai/gpt-4o-mini')!.priceSource).toMatchObject({ markup: '1.25', usdPerCredit: '0.04' });
    expect(written.plans).toEqual(defaultCatalog.plans);
  });

  it('a second import keeps the operator\'s edits and tells changed prices from unchanged ones', async () => {
    const file = path.join(tmp(), 'catalog.json');
    const base = ['import-prices', '--from', 'litellm', '--file', FIXTURE, '--provider', 'openai', '--model', 'gpt-4o,gpt-4.1-mini', '--usd-per-credit', '0.04', '--catalog', file];
    writeFileSync(file, JSON.stringify(defaultCatalog));
    await run([...base, '--write']);
    const edited = JSON.parse(readFileSync(file, 'utf8'));
    Object.assign(edited.models.find((m: CatalogModel) => m.id === 'openai/gpt-4o'), { name: 'GPT-4o (house)', tier: 'beta' });
    writeFileSync(file, JSON.stringify(edited));
    const again = (await run([...base, '--markup', '1.1', '--model', 'gpt-4o', '--write'])) as string;
    expect(again).toContain('~ openai/gpt-4o: in 62.5 · out 250 · cache read 31.25 credits / 1M tokens\n    → in 68.75 · out 275 · cache read 34.375 credits / 1M tokens');
    const after = parseCatalog(JSON.parse(readFileSync(file, 'utf8')));
    expect(after.models.find((m) => m.id === 'openai/gpt-4o')).toMatchObject({ name: 'GPT-4o (house)', tier: 'beta', pricing: { inputMcPerBlock: 68_750 } });
    expect(after.version).toMatch(/\.2$/);
    expect(await run([...base, '--markup', '1.1', '--model', 'gpt-4o'])).toContain('= openai/gpt-4o');
  });

  it('price: a usage in dollars as the list computes it and in credits as the catalog charges it', async () => {
    const file = path.join(tmp(), 'catalog.json');
    await run(['import-prices', '--from', 'genai-prices', '--provider', 'openai', '--model', 'gpt-4o', '--usd-per-credit', '0.04', '--out', file, '--write']);
    const r = (await run(['price', '--from', 'genai-prices', '--provider', 'azure', '--model', 'gpt-4o-2024-08-06', '--input-tokens', '1234', '--output-tokens', '567', '--cache-read-tokens', '1000', '--catalog', file])) as Record<string, any>;
    expect(r.matched).toEqual({ provider: 'openai', model: 'gpt-4o', fallbackFrom: 'azure' });
    // 234 × $2.50 + 1,000 × $1.25 + 567 × $10, per million
    expect(r.usd).toEqual({ input: '0.001835', output: '0.00567', total: '0.007505' });
    expect(r.credits).toMatchObject({ catalogModel: 'openai/gpt-4o', chargedMc: 188, charged: '0.188', fromUsd: '0.187625' });
    const lite = (await run(['price', '--from', 'litellm', '--file', FIXTURE, '--provider', 'openai', '--model', 'gpt-4o', '--input-tokens', '1234', '--output-tokens', '567', '--cache-read-tokens', '1000'])) as Record<string, any>;
    expect(lite.usd.total).toBe('0.007505');
    expect(lite.credits).toMatchObject({ catalogModel: null });
  });

  it('says clearly what is wrong with the options', async () => {
    await expect(run(['import-prices', '--from', 'genai-prices', '--provider', 'openai'])).rejects.toThrow(/--usd-per-credit is required/);
    await expect(run(['import-prices', '--from', 'nope', '--provider', 'x', '--usd-per-credit', '0.04'])).rejects.toThrow(/genai-prices or litellm/);
    await expect(run(['import-prices', '--from', 'genai-prices', '--provider', 'nobody', '--usd-per-credit', '0.04'])).rejects.toThrow(/no provider "nobody"/);
    await expect(run(['import-prices', '--from', 'genai-prices', '--provider', 'openai', '--usd-per-credit', '0.04', '--markup', '0.5'])).rejects.toThrow(/at least 1/);
    await expect(run(['import-prices', '--from', 'genai-prices', '--provider', 'openai', '--model', 'gpt-4o', '--usd-per-credit', '0.04', '--write'])).rejects.toThrow(/say where/);
    await expect(run(['price', '--from', 'genai-prices', '--provider', 'openai', '--model', 'no-such-model', '--input-tokens', '1', '--output-tokens', '1'])).rejects.toThrow(/no price for openai no-such-model/);
  });

  it('names every --model that matched nothing, beside the ones it imports', async () => {
    for (const from of [['--from', 'genai-prices'], ['--from', 'litellm', '--file', FIXTURE]]) {
      const out = (await run(['import-prices', ...from, '--provider', 'openai', '--model', 'gpt-4o,gtp-4o-typo,o9*', '--usd-per-credit', '0.04'])) as string;
      expect(out).toContain('+ openai/gpt-4o ');
      expect(out).toContain('! gtp-4o-typo: no model of openai in the list matches it (nothing imported for it)');
      expect(out).toContain('! o9*: no model of openai in the list matches it');
      expect(out).toMatch(/1 new, 0 changed, 0 unchanged, 2 skipped/);
    }
  });

  it('the catalog charges an imported model from a usage with cached tokens', () => {
    const m = imported('gpt-4o');
    if (m.pricing.meter !== 'tokens') throw new Error('meter');
    expect(tokenCostMc(m.pricing, 1234, 567, { cacheReadTokens: 1000 })).toBe(188);
  });
});
