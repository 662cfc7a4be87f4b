// The OpenAI-compatible engine against a local HTTP server that speaks the protocol: usage, images, errors, timeouts, refunds.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimate } from '../../shared/rules/pricing';
import { defaultCatalog } from '../../shared/catalog/index';
import { EngineRouter, enginesConfigSchema } from '../engines/router';
import { startServer, type TestServer } from '../../test/server/helpers';
import { pngImage } from '../engines/media';
import { parseCatalog } from '../../shared/catalog/index';
import type { Catalog } from '../../shared/catalog/schema';
import { exchange } from '../catalog/import/decimal';
import { findProvider, loadGenaiPrices } from '../catalog/import/genai-prices';
import { mergeImported } from '../catalog/import/merge';
import { fromGenai } from '../catalog/import/genai-to-catalog';

/** A tiny OpenAI-compatible provider: behaviour chosen by the prompt. */
function provider(): Promise<{ url: string; close(): Promise<void>; seen: { path: string; auth: string | undefined; body: any }[] }> {
  const seen: { path: string; auth: string | undefined; body: any }[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}');
      seen.push({ path: req.url ?? '', auth: req.headers.authorization, body });
      const prompt: string = body.prompt ?? body.messages?.[0]?.content ?? '';
      if (prompt.includes('provider-error')) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'model overloaded' } }));
      } else if (prompt.includes('hang')) {
        // never answers: the engine's timeout must end it
      } else if (prompt.includes('garbage')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices": "nope"}');
      } else if (req.url === '/v1/chat/completions' && prompt.startsWith('cached')) {
        // OpenAI reports cache hits in prompt_tokens_details; LiteLLM's proxy passes Anthropic's read and creation counts through
        const usage = body.model === 'gpt-4o-mini'
          ? { prompt_tokens: 1200, completion_tokens: 300, prompt_tokens_details: { cached_tokens: 1000 } }
          : { prompt_tokens: 1200, completion_tokens: 300, prompt_tokens_details: null, cache_read_input_tokens: 600, cache_creation_input_tokens: 400 };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { content: 'From the cache.' } }], usage }));
      } else if (req.url === '/v1/chat/completions' && prompt.startsWith('units')) {
        // what Gemini (through its OpenAI-compatible API) and Perplexity report beyond text tokens
        const usage = body.model === 'gemini-2.0-flash'
          ? { prompt_tokens: 1200, completion_tokens: 300, prompt_tokens_details: { cached_tokens: 500, audio_tokens: 400 } }
          : body.model === 'gemini-2.5-flash-image'
            ? { prompt_tokens: 20, completion_tokens: 1300, completion_tokens_details: { image_tokens: 1290, reasoning_tokens: null } }
            : { prompt_tokens: 12, completion_tokens: 7, num_search_queries: 2 };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { content: 'Units.' } }], usage }));
      } else if (req.url === '/v1/chat/completions') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { content: 'Hello from the provider.' } }], usage: { prompt_tokens: 12, completion_tokens: 7 } }));
      } else if (req.url === '/v1/images/generations') {
        const n = prompt.includes('fewer') ? 1 : body.n;
        const b64 = pngImage(16, 16, 1).toString('base64');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: Array.from({ length: n }, () => ({ b64_json: b64 })) }));
      } else res.writeHead(404).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}/v1`, seen, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) });
    }),
  );
}

describe('OpenAI-compatible engine', () => {
  let p: Awaited<ReturnType<typeof provider>>;
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    p = await provider();
    process.env.TEST_PROVIDER_KEY = 'sk-test-123';
    const engines = new EngineRouter(enginesConfigSchema.parse({ openai: { baseUrl: p.url, apiKeyEnv: 'TEST_PROVIDER_KEY', modelMap: { 'gpt-4o': 'llama3.1:8b' }, timeoutMs: 1_500 }, routes: { openai: ['gpt-4o', 'flux-1-1-pro', 'gpt-4-1'] } }));
    s = await startServer('pglite', { engines });
    const acct = await s.newAccount('pro');
    token = acct.token;
    await s.admin('POST', `/admin/accounts/${acct.accountId}/grants`, { credits: '500' });
  });
  afterAll(async () => {
    await s.close();
    await p.close();
  });

  const go = async (request: { modelId: string; prompt: string; count?: number; maxOutputTokens?: number }) => {
    const r = await s.as(token, 'POST', '/v1/generations', { request, approvedMc: estimate(request, defaultCatalog, 'pro').maxMc });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await s.credits.runner.idle();
    return (await s.as(token, 'GET', `/v1/generations/${r.body.id}`)).body;
  };

  it('charges text by the usage the provider reports, with the mapped model and the key', async () => {
    const g = await go({ modelId: 'gpt-4o', prompt: 'say hello', maxOutputTokens: 100 });
    expect(g).toMatchObject({ status: 'succeeded', engine: 'openai', finalMc: 7_000 }); // 19 tokens = 1 block of 7 credits
    const call = p.seen.find((x) => x.path === '/v1/chat/completions')!;
    expect(call.auth).toBe('Bearer sk-test-123');
    expect(call.body).toMatchObject({ model: 'llama3.1:8b', max_tokens: 100 });
    const text = await fetch(`${s.url}/v1/generations/${g.id}/outputs/output.txt`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text());
    expect(text).toBe('Hello from the provider.');
  });

  it('generates images and pays only for those delivered', async () => {
    const full = await go({ modelId: 'flux-1-1-pro', prompt: 'two owls', count: 2 });
    expect(full).toMatchObject({ status: 'succeeded', chargedMc: 12_000 });
    const fewer = await go({ modelId: 'flux-1-1-pro', prompt: 'fewer owls', count: 2 });
    expect(fewer).toMatchObject({ status: 'partial', chargedMc: 6_000, refundedMc: 6_000 });
  });

  it.each([
    ['provider-error', 'provider_error', /model overloaded/],
    ['hang', 'timeout', /did not answer/],
    ['garbage', 'bad_provider_response', /without usage/],
  ])('refunds in full when the provider %s', async (prompt, code, message) => {
    const g = await go({ modelId: 'gpt-4o', prompt, maxOutputTokens: 10 });
    expect(g).toMatchObject({ status: 'failed', chargedMc: 0, error: { code } });
    expect(g.error.message).toMatch(message);
  });

  it('refuses a workflow whose blocks are served by different engines, before holding anything', async () => {
    const request = { workflowId: 'storyboard-4-panel', prompt: 'a heist' };
    const r = await s.as(token, 'POST', '/v1/generations', { request, approvedMc: estimate(request, defaultCatalog, 'pro').maxMc });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'unsupported', message: expect.stringMatching(/mixes models/) });
    expect((await s.as(token, 'GET', '/v1/wallet')).body.heldMc).toBe(0);
  });

  it('a provider that is down refunds in full', async () => {
    const engines = new EngineRouter(enginesConfigSchema.parse({ openai: { baseUrl: 'http://127.0.0.1:9/v1', timeoutMs: 1_000 }, routes: { openai: ['gpt-4o'] } }));
    const down = await startServer('pglite', { engines });
    try {
      const a = await down.newAccount('pro');
      await down.admin('POST', `/admin/accounts/${a.accountId}/grants`, { credits: '50' });
      const r = await down.as(a.token, 'POST', '/v1/generations', { request: { modelId: 'gpt-4o', prompt: 'x' }, approvedMc: 100_000 });
      await down.credits.runner.idle();
      const g = (await down.as(a.token, 'GET', `/v1/generations/${r.body.id}`)).body;
      expect(g).toMatchObject({ status: 'failed', error: { code: 'provider_error' } });
      expect((await down.as(a.token, 'GET', '/v1/wallet')).body.heldMc).toBe(0);
    } finally {
      await down.close();
    }
  });
});

describe('OpenAI-compatible engine with imported prices', () => {
  let p: Awaited<ReturnType<typeof provider>>;
  let s: TestServer;
  let token: string;
  let catalog: Catalog;
  beforeAll(async () => {
    const list = await loadGenaiPrices();
    const settings = { exchange: exchange('0.04'), atMs: Date.parse('2026-11-26T12:00:00Z'), tier: 'ga' as const, edition: list.edition, importedOn: '2026-11-26' };
    const pick = (pid: string, mid: string) => fromGenai(findProvider(list.providers, pid)!, findProvider(list.providers, pid)!.models.find((m) => m.id === mid)!, settings);
    const picked = [pick('openai', 'gpt-4o-mini'), pick('anthropic', 'claude-haiku-4-5'), pick('google', 'gemini-2.0-flash'), pick('google', 'gemini-2.5-flash-image'), pick('perplexity', 'sonar')];
    catalog = parseCatalog(mergeImported(defaultCatalog, picked, '2026-11-26').catalog);
    p = await provider();
    const routes = ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5', 'google/gemini-2.0-flash', 'google/gemini-2.5-flash-image', 'perplexity/sonar'];
    const engines = new EngineRouter(enginesConfigSchema.parse({ openai: { baseUrl: p.url, timeoutMs: 1_500 }, routes: { openai: routes } }));
    s = await startServer('pglite', { engines, catalog });
    const acct = await s.newAccount('pro');
    token = acct.token;
    await s.admin('POST', `/admin/accounts/${acct.accountId}/grants`, { credits: '50' });
  });
  afterAll(async () => {
    await s.close();
    await p.close();
  });

  const run = async (modelId: string, prompt = `cached ${'x'.repeat(1_100)}`, maxOutputTokens = 500) => {
    const request = { modelId, prompt, maxOutputTokens };
    const r = await s.as(token, 'POST', '/v1/generations', { request, approvedMc: estimate(request, catalog, 'pro').maxMc });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await s.credits.runner.idle();
    return (await s.as(token, 'GET', `/v1/generations/${r.body.id}`)).body;
  };

  it('charges the cache hits OpenAI reports at the cache price, asking for the model the price list names', async () => {
    const g = await run('openai/gpt-4o-mini');
    // 200 fresh × 3,750 + 1,000 read × 1,875 + 300 out × 15,000 mc per million tokens = 7.125 mc, rounded up once
    expect(g).toMatchObject({ status: 'succeeded', engine: 'openai', finalMc: 8, chargedMc: 8 });
    expect(p.seen.at(-1)!.body.model).toBe('gpt-4o-mini');
  });

  it('charges cache reads and writes a gateway reports the Anthropic way', async () => {
    const g = await run('anthropic/claude-haiku-4-5');
    // $1 / $0.10 / $1.25 / $5 per million at $0.04: 200 × 25,000 + 600 × 2,500 + 400 × 31,250 + 300 × 125,000 = 56.5 mc
    expect(g).toMatchObject({ status: 'succeeded', finalMc: 57 });
    expect(p.seen.at(-1)!.body.model).toBe('claude-haiku-4-5');
  });

  it('charges audio tokens at the audio price, and reads an unreported cached-audio count at its dearer end', async () => {
    const g = await run('google/gemini-2.0-flash', `units ${'x'.repeat(1_100)}`);
    // $0.10 / $0.025 / $0.40 / $0.70 audio / $0.175 cached audio per million at $0.04. None of the 400 audio tokens cached
    // (dearer than all of them): 300 × 2,500 + 500 × 625 + 400 × 17,500 + 300 × 10,000 = 11.06 mc; as text alone it was 6
    expect(g).toMatchObject({ status: 'succeeded', finalMc: 12, usage: { inputTokens: 1200, cacheReadTokens: 500, units: { input_audio_tokens: 400 } } });
  });

  it('charges image output tokens at the image price ($30 per million), not the text one', async () => {
    const g = await run('google/gemini-2.5-flash-image', 'units: a cat', 1_500);
    // 20 × 7,500 + 10 × 62,500 + 1,290 × 750,000 = 968.275 mc: the list's $0.038731 at $0.04 a credit
    expect(g).toMatchObject({ status: 'succeeded', finalMc: 969, usage: { units: { output_image_tokens: 1290 } } });
  });

  it('charges a per-request price once per run', async () => {
    const g = await run('perplexity/sonar', 'units: search', 100);
    // 19 tokens at $1 per million (0.475 mc) + $12 per 1,000 requests (300 mc); the 2 searches are not priced for Sonar
    expect(g).toMatchObject({ status: 'succeeded', finalMc: 301, usage: { units: { web_searches: 2 } } });
  });
});
