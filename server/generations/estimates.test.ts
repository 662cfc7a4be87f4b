// POST /v1/estimates on PGlite and PostgreSQL: the range a run will cost, the refusal a generation would get, nothing held; usage on settled runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../shared/catalog/index';
import { estimate, type RunRequest } from '../../shared/rules/pricing';
import { estimateAnswerSchema, generationSchema } from '../../shared/api/index';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';

const cat = defaultCatalog;

describe.each(DRIVERS)('estimates on %s', (driver) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(driver);
  });
  afterAll(async () => {
    await s.close();
  });

  it('answers the range the shared rules compute, the catalog version and the plan, and holds nothing', async () => {
    const { token } = await s.newAccount();
    const before = (await s.as(token, 'GET', '/v1/wallet')).body;
    const request: RunRequest = { modelId: 'flux-schnell', prompt: 'a lighthouse at dusk' };
    const r = await s.as(token, 'POST', '/v1/estimates', { request });
    expect(r.status).toBe(200);
    const e = estimateAnswerSchema.parse(r.body);
    const local = estimate(request, cat, 'free');
    expect(e).toMatchObject({ typicalMc: local.typicalMc, maxMc: local.maxMc, catalogVersion: cat.version, planId: 'free', availableMc: 60_000, allowed: true, refusal: null });
    expect(e.lines).toEqual(local.lines.map((l) => ({ modelId: l.modelId, label: l.label, typicalMc: l.typicalMc, maxMc: l.maxMc, unlimited: l.unlimited })));
    const after = (await s.as(token, 'GET', '/v1/wallet')).body;
    expect(after).toMatchObject({ availableMc: before.availableMc, heldMc: 0 });
    expect((await s.as(token, 'GET', '/v1/generations')).body.items).toEqual([]);
    // a client that approves exactly what the estimate answered is accepted, and held no more than that
    const g = await s.as(token, 'POST', '/v1/generations', { request, approvedMc: e.maxMc });
    expect(g.status).toBe(201);
    expect(g.body.heldMc).toBe(e.maxMc);
  });

  it('names the refusal a generation with the same body would get, with its status and code', async () => {
    const { token } = await s.newAccount();
    const cases: { body: { request: RunRequest; approvedMc?: number }; status: number; code: string }[] = [
      { body: { request: { modelId: 'gpt-4o', prompt: 'hi' } }, status: 403, code: 'model_not_in_plan' },
      { body: { request: { modelId: 'flux-schnell', count: 2 } }, status: 403, code: 'batch_too_large' },
      { body: { request: { modelId: 'flux-schnell' }, approvedMc: 999 }, status: 409, code: 'price_changed' },
      { body: { request: { modelId: 'veo-3', seconds: 8 } }, status: 402, code: 'insufficient_credits' },
    ];
    for (const c of cases) {
      const r = await s.as(token, 'POST', '/v1/estimates', c.body);
      expect(r.status).toBe(200);
      const e = estimateAnswerSchema.parse(r.body);
      expect(e.allowed).toBe(false);
      expect(e.refusal).toMatchObject({ status: c.status, code: c.code });
      const approvedMc = c.body.approvedMc ?? e.maxMc;
      const g = await s.as(token, 'POST', '/v1/generations', { request: c.body.request, approvedMc });
      expect([g.status, g.body.error.code]).toEqual([c.status, c.code]);
      expect(g.body.error.details ?? null).toEqual(e.refusal!.details ?? null);
    }
    expect((await s.as(token, 'GET', '/v1/wallet')).body).toMatchObject({ availableMc: 60_000, heldMc: 0 });
  });

  it('refuses what cannot be priced as the generation route does, in the one error shape', async () => {
    const { token } = await s.newAccount();
    const bad: [unknown, number, string][] = [
      [{ request: { modelId: 'nope' } }, 404, 'unknown_model'],
      [{ request: { modelId: 'flux-schnell', prompt: 'a\u0000b' } }, 400, 'invalid_request'],
      [{ request: { modelId: 'flux-schnell', prompt: 'x'.repeat(100_001) } }, 413, 'body_too_large'],
      [{ request: { modelId: 'flux-schnell' }, approvedMc: -1 }, 400, 'invalid_request'],
      [{ request: { modelId: 'flux-schnell' }, approvedMc: Number.MAX_SAFE_INTEGER }, 400, 'amount_too_large'],
      [{ request: { modelId: 'flux-schnell' }, extra: 1 }, 400, 'invalid_request'],
      [{}, 400, 'invalid_request'],
    ];
    for (const [body, status, code] of bad) {
      const r = await s.as(token, 'POST', '/v1/estimates', body);
      expect([r.status, r.body.error?.code]).toEqual([status, code]);
      expect(typeof r.body.error.message).toBe('string');
    }
    const anonymous = await fetch(`${s.url}/v1/estimates`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ request: { modelId: 'flux-schnell' } }) });
    expect(anonymous.status).toBe(401);
  });

  it('a settled run shows what it used beside what it cost', async () => {
    const { accountId, token } = await s.newAccount('starter');
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '100' });
    const text: RunRequest = { modelId: 'gpt-4o', prompt: 'write a haiku about lighthouses', maxOutputTokens: 200 };
    const image: RunRequest = { modelId: 'flux-schnell', prompt: 'a lighthouse', count: 2 };
    const ids: string[] = [];
    for (const request of [text, image]) {
      const e = (await s.as(token, 'POST', '/v1/estimates', { request })).body;
      const g = await s.as(token, 'POST', '/v1/generations', { request, approvedMc: e.maxMc });
      expect(g.status).toBe(201);
      expect(g.body.usage).toBeNull();
      ids.push(g.body.id);
    }
    await s.credits.runner.idle();
    const [t, i] = await Promise.all(ids.map(async (id) => generationSchema.parse((await s.as(token, 'GET', `/v1/generations/${id}`)).body)));
    expect(t!.usage).toEqual({ inputTokens: expect.any(Number), outputTokens: expect.any(Number) });
    expect(t!.usage!.inputTokens).toBeGreaterThan(0);
    expect(t!.usage!.outputTokens).toBeGreaterThan(0);
    expect(t!.finalMc).toBeGreaterThan(0);
    expect(i!.usage).toEqual({ delivered: 2 });
    // the history's capture entry says what the run used too
    const ledger = (await s.as(token, 'GET', '/v1/ledger?after=0&limit=100')).body.items as { kind: string; details: { generationId?: string; usage?: unknown } }[];
    expect(ledger.find((e) => e.kind === 'capture' && e.details.generationId === t!.id)?.details.usage).toEqual(t!.usage);
    const page = (await s.as(token, 'GET', '/v1/generations')).body;
    expect(page.items.map((g: { usage: unknown }) => g.usage)).toEqual([i!.usage, t!.usage]);
  });
});
