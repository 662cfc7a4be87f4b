// Generations on PGlite and PostgreSQL: estimate, hold, settle, refund, partial batches, expiry, replays, entitlements, outputs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { and, eq } from 'drizzle-orm';
import { defaultCatalog } from '../../shared/catalog/index';
import { estimate, type ResolvedRun, type RunRequest } from '../../shared/rules/pricing';
import { generationSchema } from '../../shared/api/index';
import { ledgerEntries } from '../db/schema';
import { EngineRouter, enginesConfigSchema } from '../engines/router';
import type { Engine } from '../engines/types';
import { ledgerTotals } from '../wallet/ledger';
import { DRIVERS, idemKey, PG_URL, startServer, type TestServer } from '../../test/server/helpers';

const cat = defaultCatalog;

/** A prompt with this marker waits on the local engine until the test opens the gate, so the test can look at its hold before it settles. */
const GATED = '[gated]';

/** The default engines, but a run marked GATED starts only when `open()` is called. */
class GatedWhenAsked extends EngineRouter {
  private release!: () => void;
  private readonly gate = new Promise<void>((r) => (this.release = r));
  private readonly gated: Engine = {
    name: 'local',
    run: async (job) => {
      await this.gate;
      return this.local.run(job);
    },
  };
  constructor() {
    super(enginesConfigSchema.parse({}));
  }
  open(): void {
    this.release();
  }
  override engineFor(runs: readonly ResolvedRun[]): Engine {
    return runs.some((r) => r.prompt.includes(GATED)) ? this.gated : super.engineFor(runs);
  }
}

async function run(s: TestServer, token: string, request: RunRequest, opts: { approvedMc?: number; key?: string; planId?: string } = {}) {
  const approvedMc = opts.approvedMc ?? estimate(request, cat, opts.planId ?? 'free').maxMc;
  return s.as(token, 'POST', '/v1/generations', { request, approvedMc }).then(async (r) => r);
}

async function finished(s: TestServer, token: string, id: string) {
  await s.credits.runner.idle();
  const r = await s.as(token, 'GET', `/v1/generations/${id}`);
  return generationSchema.parse(r.body);
}

describe.each(DRIVERS)('generations on %s', (driver) => {
  let s: TestServer;
  const engines = new GatedWhenAsked();
  beforeAll(async () => {
    s = await startServer(driver, { engines });
  });
  afterAll(async () => {
    await s.close();
  });

  it('estimates, holds, runs, and charges the final cost across grants in burn order', async () => {
    const { token } = await s.newAccount();
    const request = { modelId: 'flux-schnell', prompt: `a lighthouse at dusk ${GATED}` };
    const r = await run(s, token, request);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'queued', heldMc: 1_000, estimateMaxMc: 1_000, engine: 'local' });
    // the engine waits at the gate: the run cannot have settled yet, so its credits are held
    expect((await s.as(token, 'GET', '/v1/wallet')).body).toMatchObject({ availableMc: 59_000, heldMc: 1_000 });
    engines.open();
    const g = await finished(s, token, r.body.id);
    expect(g).toMatchObject({ status: 'succeeded', finalMc: 1_000, chargedMc: 1_000, refundedMc: 0, commercialUse: false, progressPct: 100 });
    expect(g.funding).toEqual([expect.objectContaining({ kind: 'daily', amountMc: 1_000 })]); // daily credits expire first
    expect(g.outputs).toEqual([expect.objectContaining({ kind: 'image', mime: 'image/png', width: 1024, height: 1024 })]);
    const w = (await s.as(token, 'GET', '/v1/wallet')).body;
    expect(w).toMatchObject({ availableMc: 59_000, heldMc: 0 });

    const img = await fetch(`${s.url}/v1/generations/${g.id}/outputs/${g.outputs[0]!.name}`, { headers: { authorization: `Bearer ${token}` } });
    expect(img.headers.get('content-type')).toBe('image/png');
    expect([...new Uint8Array(await img.arrayBuffer()).slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const other = await s.newAccount();
    expect((await fetch(`${s.url}/v1/generations/${g.id}/outputs/${g.outputs[0]!.name}`, { headers: { authorization: `Bearer ${other.token}` } })).status).toBe(404);
    expect((await s.as(token, 'GET', `/v1/generations/${g.id}/outputs/..%2F..%2Fetc%2Fpasswd`)).status).toBe(400);
  });

  it('paid credits fund commercial use', async () => {
    const { accountId, token } = await s.newAccount('starter');
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '10', kind: 'pack' });
    const r = await run(s, token, { modelId: 'flux-dev', prompt: 'x' }, { planId: 'starter' });
    const g = await finished(s, token, r.body.id);
    expect(g).toMatchObject({ status: 'succeeded', chargedMc: 4_000, commercialUse: true });
  });

  it('rejects with the new estimate when it exceeds what was approved', async () => {
    const { token } = await s.newAccount();
    const r = await run(s, token, { modelId: 'flux-schnell' }, { approvedMc: 999 });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'price_changed', details: { estimateMaxMc: 1_000, approvedMc: 999 } });
  });

  it('rejects insufficient credits with needed and available, holding nothing', async () => {
    const { token } = await s.newAccount();
    const r = await run(s, token, { modelId: 'veo-3', seconds: 8 });
    expect(r.status).toBe(402);
    expect(r.body.error).toMatchObject({ code: 'insufficient_credits', details: { neededMc: 6_720_000, availableMc: 60_000 } });
    expect((await s.as(token, 'GET', '/v1/wallet')).body).toMatchObject({ availableMc: 60_000, heldMc: 0 });
  });

  it('enforces the plan: model access, batch size, parameter level', async () => {
    const { token } = await s.newAccount();
    expect((await run(s, token, { modelId: 'gpt-4o', prompt: 'hi' })).body.error.code).toBe('model_not_in_plan');
    expect((await run(s, token, { modelId: 'flux-schnell', count: 2 })).body.error.code).toBe('batch_too_large');
    const starter = await s.newAccount('starter');
    await s.admin('POST', `/admin/accounts/${starter.accountId}/grants`, { credits: '100' });
    const r = await run(s, starter.token, { modelId: 'flux-dev', resolutionId: '2048x2048' }, { planId: 'starter' });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('parameter_level');
  });

  it('refuses malformed requests without charging', async () => {
    const { token } = await s.newAccount();
    const bad: [unknown, number, string][] = [
      [{ request: { modelId: 'flux-schnell' } }, 400, 'invalid_request'], // no approvedMc
      [{ request: { modelId: 'flux-schnell' }, approvedMc: -1 }, 400, 'invalid_request'],
      [{ request: { modelId: 'nope' }, approvedMc: 1 }, 404, 'unknown_model'],
      [{ request: { modelId: 'flux-schnell', prompt: 'x'.repeat(100_001) }, approvedMc: 1000 }, 413, 'body_too_large'],
    ];
    for (const [body, status, code] of bad) {
      const r = await s.as(token, 'POST', '/v1/generations', body);
      expect([r.status, r.body.error?.code]).toEqual([status, code]);
    }
    const noKey = await fetch(`${s.url}/v1/generations`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ request: { modelId: 'flux-schnell' }, approvedMc: 1000 }) });
    expect([noKey.status, ((await noKey.json()) as { error: { code: string } }).error.code]).toEqual([400, 'idempotency_key_required']);
    expect((await s.as(token, 'GET', '/v1/wallet')).body.availableMc).toBe(60_000);
  });

  it('a replayed key returns the first answer and charges once; a different body with it is an error', async () => {
    const { token } = await s.newAccount();
    const key = idemKey();
    const body = { request: { modelId: 'flux-schnell', prompt: 'same' }, approvedMc: 1_000 };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key };
    const post = (b: unknown) => fetch(`${s.url}/v1/generations`, { method: 'POST', headers, body: JSON.stringify(b) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any, replay: r.headers.get('idempotent-replayed') }));
    const [a, b, c] = await Promise.all([post(body), post(body), post(body)]);
    expect(new Set([a.body.id, b.body.id, c.body.id]).size).toBe(1);
    await s.credits.runner.idle();
    expect((await s.as(token, 'GET', '/v1/wallet')).body.availableMc).toBe(59_000);
    const d = await post({ ...body, request: { modelId: 'flux-schnell', prompt: 'different' } });
    expect(d.status).toBe(422);
    expect(d.body.error.code).toBe('idempotency_key_reused');
  });

  it('a failed run is refunded in full and the ledger shows the hold and the void', async () => {
    const { accountId, token } = await s.newAccount();
    const r = await run(s, token, { modelId: 'flux-schnell', prompt: 'please [fail]' });
    const g = await finished(s, token, r.body.id);
    expect(g).toMatchObject({ status: 'failed', chargedMc: 0, refundedMc: 1_000, error: { code: 'engine_failed' } });
    expect(g.error!.message).toMatch(/refunded in full/);
    expect((await s.as(token, 'GET', '/v1/wallet')).body).toMatchObject({ availableMc: 60_000, heldMc: 0 });
    const ledger = await s.database.db.select().from(ledgerEntries).where(and(eq(ledgerEntries.accountId, accountId), eq(ledgerEntries.ref, g.id)));
    expect(ledger.map((e) => e.kind)).toEqual(['hold', 'void']);
    expect(ledger[1]!.details).toMatchObject({ releasedMc: 1_000, reason: 'engine_failed' });
  });

  it('a partly failed batch pays only for what was delivered', async () => {
    const { accountId, token } = await s.newAccount('starter');
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '20' });
    const r = await run(s, token, { modelId: 'flux-dev', count: 4, prompt: 'four cats [partial]' }, { planId: 'starter' });
    expect(r.body.heldMc).toBe(16_000);
    const g = await finished(s, token, r.body.id);
    expect(g).toMatchObject({ status: 'partial', finalMc: 8_000, chargedMc: 8_000, refundedMc: 8_000 });
    expect(g.outputs).toHaveLength(2);
    expect((await s.as(token, 'GET', '/v1/wallet')).body.availableMc).toBe(12_000);
  });

  it('a hold past its deadline is voided by the sweeper and its run stopped', async () => {
    const slow = await startServer(driver, { engines: new EngineRouter(enginesConfigSchema.parse({ local: { latencyMs: 60_000 } })) });
    try {
      const { token } = await slow.newAccount();
      const r = await run(slow, token, { modelId: 'flux-schnell', prompt: 'slow' });
      await expect.poll(async () => (await slow.as(token, 'GET', `/v1/generations/${r.body.id}`)).body.status).toBe('running');
      expect((await slow.admin('POST', '/admin/clock', { advanceMs: cat.policies.holdTimeoutMs + 1 })).status).toBe(200);
      const g = await finished(slow, token, r.body.id);
      expect(g).toMatchObject({ status: 'expired', chargedMc: 0, refundedMc: 1_000, error: { code: 'timed_out' } });
      expect((await slow.as(token, 'GET', '/v1/wallet')).body).toMatchObject({ heldMc: 0, availableMc: 60_000 });
    } finally {
      await slow.close();
    }
  });

  it('a run can be canceled and is refunded', async () => {
    const slow = await startServer(driver, { engines: new EngineRouter(enginesConfigSchema.parse({ local: { latencyMs: 60_000 } })) });
    try {
      const { token } = await slow.newAccount();
      const r = await run(slow, token, { modelId: 'flux-schnell', prompt: 'slow' });
      const c = await slow.as(token, 'POST', `/v1/generations/${r.body.id}/cancel`, {});
      expect(c.body).toMatchObject({ status: 'canceled', refundedMc: 1_000 });
      await slow.credits.runner.idle();
      expect((await slow.as(token, 'GET', '/v1/wallet')).body).toMatchObject({ heldMc: 0, availableMc: 60_000 });
    } finally {
      await slow.close();
    }
  });

  it('lists history newest first, by cursor', async () => {
    const { accountId, token } = await s.newAccount('starter');
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '10' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      s.clock.advance(1);
      ids.push((await run(s, token, { modelId: 'lucataco-ace-step', prompt: `song ${i}` }, { planId: 'starter', approvedMc: 1_000 })).body.id ?? `refused-${i}`);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = (await s.as(token, "GET", `/v1/generations?limit=2${cursor ? `&cursor=${cursor}` : ""}`)).body;
      seen.push(...page.items.map((g: { id: string }) => g.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await s.as(token, 'GET', '/v1/generations?cursor=bad!!')).status).toBe(400);
  });

  it('for random requests on the local engine, the final cost never exceeds the estimate and credits are conserved', async () => {
    const { accountId, token } = await s.newAccount('max');
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '100000' });
    const models = cat.models.filter((m) => m.pricing.meter !== 'second' || m.id === 'seedance-1-lite');
    const arb = fc.record({
      model: fc.constantFrom(...models),
      prompt: fc.string({ maxLength: 200 }),
      count: fc.integer({ min: 1, max: 2 }),
      seconds: fc.integer({ min: 1, max: 3 }),
      tokens: fc.integer({ min: 1, max: 400 }),
      images: fc.integer({ min: 1, max: 30 }),
    });
    const samples = fc.sample(arb, { numRuns: 14, seed: 4242 });
    for (const x of samples) {
      const p = x.model.pricing;
      const request: RunRequest = { modelId: x.model.id, prompt: x.prompt };
      if (p.meter === 'image' || p.meter === 'action') request.count = x.count;
      if (p.meter === 'second') request.seconds = x.seconds;
      if (p.meter === 'tokens') request.maxOutputTokens = x.tokens;
      if (p.meter === 'trainingImage') request.trainingImages = x.images;
      const r = await run(s, token, request, { planId: 'max' });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const g = await finished(s, token, r.body.id);
      expect(g.status).toBe('succeeded');
      expect(g.finalMc!).toBeLessThanOrEqual(g.estimateMaxMc);
      expect(g.chargedMc! + g.refundedMc!).toBe(g.heldMc);
    }
    const t = await ledgerTotals(s.database.db, accountId);
    const captured = (await s.database.db.select().from(ledgerEntries).where(and(eq(ledgerEntries.accountId, accountId), eq(ledgerEntries.kind, 'capture')))).reduce((sum, e) => sum - e.amountMc, 0);
    expect(t.granted).toBe(t.remaining + captured + t.expired);
  });
});

describe.skipIf(!PG_URL)('concurrency on PostgreSQL', () => {
  it('200 concurrent requests on an account that can afford exactly 50 accept exactly 50 and never overdraw', async () => {
    const s = await startServer('postgres', { maxConnections: 20, runnerConcurrency: 4 });
    try {
      const { accountId, token } = await s.newAccount('max');
      await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '50' });
      // a 1-credit run whose output is cheap to make (a short WAV), so the test measures the hold, not image encoding
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => run(s, token, { modelId: 'lucataco-ace-step', prompt: `race ${i}` }, { planId: 'max' })));
      const accepted = results.filter((r) => r.status === 201);
      const refused = results.filter((r) => r.status === 402);
      expect(accepted).toHaveLength(50);
      expect(refused).toHaveLength(150);
      expect(refused.every((r) => r.body.error.code === 'insufficient_credits')).toBe(true);
      await s.credits.runner.idle();
      const w = (await s.as(token, 'GET', '/v1/wallet')).body;
      expect(w).toMatchObject({ availableMc: 0, heldMc: 0 });
      const t = await ledgerTotals(s.database.db, accountId);
      expect(t.remaining).toBe(0);
      expect(t.granted).toBe(50_000);
    } finally {
      await s.close();
    }
  }, 120_000);
});
