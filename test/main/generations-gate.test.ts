// The pre-flight gate and run bookkeeping in main, against a real server: refusals, offline estimates, price changes, crash recovery.
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { RunRequest } from '../../shared/rules/pricing';
import { defaultCatalog } from '../../shared/catalog/index';
import type { Catalog } from '../../shared/catalog/schema';
import { CreditsApiClient } from '../../main/core/api-client';
import { CatalogStore } from '../../main/core/catalog-store';
import { GenerationsCore, withRetryHint } from '../../main/core/generations';
import { UserFacingError } from '../../main/core/ipc-dispatch';
import { MemoryStore } from '../../main/core/stores';
import { WalletCache } from '../../main/core/wallet-cache';
import { WalletSync } from '../../main/core/wallet-sync';
import { startServer, type TestServer } from '../server/helpers';
import { signCatalog } from '../../server/catalog/signing';

const servers: TestServer[] = [];
const syncs: WalletSync[] = [];
afterEach(async () => {
  for (const s of syncs.splice(0)) s.stop();
  for (const s of servers.splice(0)) await s.close().catch(() => {});
});

async function setup(opts: { catalog?: Catalog; store?: MemoryStore; runnerConcurrency?: number } = {}) {
  const s = await startServer('pglite', { ...(opts.catalog ? { catalog: opts.catalog } : {}), ...(opts.runnerConcurrency !== undefined ? { runnerConcurrency: opts.runnerConcurrency } : {}) });
  servers.push(s);
  const { accountId, token } = await s.newAccount();
  const store = opts.store ?? new MemoryStore();
  const sync = new WalletSync({ serverIdentity: s.url, serverKind: 'remote', cache: new WalletCache(store), retryInitialMs: 60_000 });
  syncs.push(sync);
  const catalog = new CatalogStore(store, s.url);
  catalog.pin(s.credits.catalogKey.publicKey);
  const gens = new GenerationsCore({ store, sync, catalog, outputUrl: (id, n) => `test://${id}/${n}` });
  return { s, accountId, token, store, sync, catalog, gens, client: new CreditsApiClient(s.url, token) };
}

describe('pre-flight gate', () => {
  it('refuses without a catalog, then estimates from the cached one; refuses what the plan or balance does not allow', async () => {
    const { gens, sync, client, catalog } = await setup();
    expect(gens.preflight({ modelId: 'flux-schnell' }).refusal?.code).toBe('no_catalog');
    await sync.useClient(client);
    await catalog.sync(client, Date.now() + sync.view.clockOffsetMs);
    const ok = gens.preflight({ modelId: 'flux-schnell', prompt: 'a cat' });
    expect(ok).toMatchObject({ refusal: null, stale: false, availableMc: 60_000, autoApprove: true, estimate: { maxMc: 1_000 } });
    expect(gens.preflight({ modelId: 'gpt-4o', prompt: 'x' }).refusal?.code).toBe('model_not_in_plan');
    expect(gens.preflight({ modelId: 'flux-schnell', count: 2 }).refusal?.code).toBe('batch_too_large');
    const big = gens.preflight({ modelId: 'veo-3', seconds: 8 });
    expect(big.refusal).toMatchObject({ code: 'insufficient_credits' });
    expect(big.refusal!.message).toMatch(/up to 6,720 credits; you have 60 credits available/);
    expect(big.estimate?.maxMc).toBe(6_720_000);
    expect(gens.preflight({ modelId: 'nope' }).refusal?.code).toBe('unknown_model');
    expect(gens.preflight({ modelId: 'flux-schnell', junk: 1 } as never).refusal?.code).toBe('invalid_request');
  });

  it('refuses a run over a spend limit in the server\'s words, from the synced limits, online and offline', async () => {
    const { gens, sync, client, catalog, s } = await setup();
    await sync.useClient(client);
    await catalog.sync(client, Date.now() + sync.view.clockOffsetMs);
    await client.setSpendLimits({ limits: [{ window: 'day', limitMc: 1_500 }] });
    expect((await gens.start({ modelId: 'flux-schnell', prompt: 'one' }, 1_000)).status).toBe('queued');
    await s.credits.runner.idle();
    await sync.refresh();
    expect(sync.view.wallet?.spendLimits).toMatchObject([{ window: 'day', limitMc: 1_500, spentMc: 1_000, heldMc: 0 }]);
    const refused = gens.preflight({ modelId: 'flux-schnell', prompt: 'two' });
    expect(refused.refusal).toEqual({ code: 'spend_limit_reached', message: 'This run could cost up to 1 credit, more than the 0.5 credits left of your daily spend limit of 1.5 credits (1 credit spent and 0 credits held); it resets 2026-11-23 00:00 UTC.' });
    // the server says the same
    const e = await client.estimate({ request: { modelId: 'flux-schnell', prompt: 'two' } });
    expect(e.refusal?.message).toBe(refused.refusal!.message.replace(/^T/, 't').replace(/\.$/, ''));
    await s.credits.app.close();
    await sync.refresh();
    expect(gens.preflight({ modelId: 'flux-schnell', prompt: 'two' }).refusal?.code).toBe('spend_limit_reached');
    await expect(gens.start({ modelId: 'flux-schnell', prompt: 'two' }, 1_000)).rejects.toMatchObject({ code: 'spend_limit_reached' });
  });

  it('offline: the estimate still works and running is refused', async () => {
    const { gens, sync, client, catalog, s } = await setup();
    await sync.useClient(client);
    await catalog.sync(client, Date.now());
    await s.credits.app.close();
    await sync.refresh();
    expect(sync.view.connection).toBe('offline');
    const r = gens.preflight({ modelId: 'flux-schnell', prompt: 'x' });
    expect(r.estimate?.maxMc).toBe(1_000);
    expect(r.refusal?.code).toBe('offline');
    await expect(gens.start({ modelId: 'flux-schnell', prompt: 'x' }, 1_000)).rejects.toMatchObject({ code: 'offline' });
  });

  it('marks an estimate from a catalog past its freshness window as stale', async () => {
    const { sync, client, store, s } = await setup();
    await sync.useClient(client);
    const catalog = new CatalogStore(store, s.url);
    catalog.pin(s.credits.catalogKey.publicKey);
    await catalog.sync(client, Date.now() - defaultCatalog.policies.freshnessMs - 60_000);
    expect(new CatalogStore(store, s.url).isStale(Date.now())).toBe(true);
    expect(catalog.isStale(Date.now() - defaultCatalog.policies.freshnessMs)).toBe(false);
  });

  it('discards a cached catalog that does not validate', async () => {
    const store = new MemoryStore();
    store.set('catalogCache', { version: 1, serverIdentity: 'x', etag: null, fetchedAtServerMs: 1, doc: { models: 'lots' } });
    expect(new CatalogStore(store, 'x').get()).toBeNull();
    expect(store.get('catalogCache')).toBeUndefined();
  });

  it('counts its own runs in flight against what is available', async () => {
    const { gens, sync, client, catalog, store } = await setup();
    await sync.useClient(client);
    await catalog.sync(client, Date.now());
    store.set('pendingRuns', [{ key: 'run-aaaaaaaa', request: { modelId: 'flux-schnell', prompt: '' }, approvedMc: 59_500, createdAtMs: 1, generationId: null }]);
    const again = new GenerationsCore({ store, sync, catalog, outputUrl: () => '' });
    expect(again.preflight({ modelId: 'flux-schnell', prompt: 'x' }).refusal?.message).toMatch(/after the runs in progress/);
    expect(gens.inFlightMc()).toBe(0);
  });
});

describe('runs', () => {
  it('asks again with the new amount when the server says the price changed', async () => {
    const pricier = structuredClone(defaultCatalog);
    const schnell = pricier.models.find((m) => m.id === 'flux-schnell')!;
    if (schnell.pricing.meter === 'image') schnell.pricing.mcPerImage = 2_000;
    const store = new MemoryStore();
    const { sync, client } = await setup({ catalog: pricier, store });
    // the app still has yesterday's catalog cached
    const key = servers[0]!.credits.catalogKey;
    store.set('catalogCache', { version: 1, serverIdentity: servers[0]!.url, etag: null, fetchedAtServerMs: Date.now(), doc: defaultCatalog, signature: signCatalog(key, defaultCatalog) });
    const cached = new CatalogStore(store, servers[0]!.url);
    const app = new GenerationsCore({ store, sync, catalog: cached, outputUrl: () => '' });
    await sync.useClient(client);
    const err = await app.start({ modelId: 'flux-schnell', prompt: 'x' }, 1_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserFacingError);
    expect(err).toMatchObject({ code: 'price_changed', details: { estimateMaxMc: 2_000 } });
    expect((err as Error).message).toMatch(/now costs up to 2 credits/);
    expect(app.inFlightMc()).toBe(0);
  });

  it('after a crash, runs left in flight are looked up by key, not resent', async () => {
    const { s, token, store, sync, client, catalog } = await setup();
    // The app wrote two keys and crashed: the server received the first request, never the second.
    const got = await fetch(`${s.url}/v1/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'run-received-1' },
      body: JSON.stringify({ request: { modelId: 'flux-schnell', prompt: 'one' }, approvedMc: 1_000 }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    store.set('pendingRuns', [
      { key: 'run-received-1', request: { modelId: 'flux-schnell', prompt: 'one' }, approvedMc: 1_000, createdAtMs: 1, generationId: null },
      { key: 'run-never-sent-2', request: { modelId: 'flux-schnell', prompt: 'two' }, approvedMc: 1_000, createdAtMs: 1, generationId: null },
    ]);
    const gens = new GenerationsCore({ store, sync, catalog, outputUrl: () => '' });
    const notices: string[] = [];
    gens.on('notice', (n: { message: string }) => notices.push(n.message));
    await sync.useClient(client);
    await gens.onConnected(client);
    expect(gens.recentViews().map((g) => g.id)).toContain(got.id);
    expect(notices.join(' ')).toMatch(/never reached the server. Nothing was charged/);
    await s.credits.runner.idle();
    const list = (await s.as(token, 'GET', '/v1/generations')).body.items as unknown[];
    expect(list).toHaveLength(1); // nothing was resent
  });

  it('runs through the gate and reports the final cost', async () => {
    const { gens, sync, client, catalog, s } = await setup();
    await sync.useClient(client);
    await catalog.sync(client, Date.now());
    const events: string[] = [];
    sync.on('generation', (g: { status: string }) => events.push(g.status));
    sync.on('generation', (g) => gens.track(g));
    const g = await gens.start({ modelId: 'flux-schnell', prompt: 'a fox' }, 1_000);
    expect(g.status).toBe('queued');
    expect(g.outputUrls).toEqual({});
    await s.credits.runner.idle();
    await expect.poll(() => gens.recentViews()[0]?.status, { timeout: 5_000 }).toBe('succeeded');
    expect(gens.recentViews()[0]!.outputUrls).toEqual({ 'image-1.png': `test://${g.id}/image-1.png` });
    await expect(gens.start({ modelId: 'flux-schnell', prompt: 'a fox' }, 500)).rejects.toMatchObject({ code: 'approval_too_low' });
  });
});

describe('one money core: the app and the server estimate alike', () => {
  it("for random requests, main's offline pre-flight and POST /v1/estimates give the same range and the same refusal", async () => {
    const { gens, sync, client, catalog, s, accountId } = await setup();
    await s.admin('PUT', `/admin/accounts/${accountId}/plan`, { planId: 'starter' });
    await sync.useClient(client);
    await catalog.sync(client, Date.now() + sync.view.clockOffsetMs);
    await sync.refresh();
    const models = ['flux-schnell', 'flux-dev', 'gpt-4o', 'claude-sonnet-4', 'veo-3', 'nope'];
    await fc.assert(
      fc.asyncProperty(
        fc.record({ modelId: fc.constantFrom(...models), prompt: fc.string({ maxLength: 300 }), count: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }), maxOutputTokens: fc.option(fc.integer({ min: 1, max: 5_000 }), { nil: undefined }) }),
        async (raw) => {
          const request = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as RunRequest;
          const local = gens.preflight(request);
          let server: Awaited<ReturnType<typeof client.estimate>> | { code: string };
          try {
            server = await client.estimate({ request });
          } catch (e) {
            server = { code: (e as { serverCode: string }).serverCode };
          }
          if ('code' in server) {
            // the server could not price it: neither can the app, for the same reason
            expect(local.estimate).toBeNull();
            expect(local.refusal?.code).toBe(server.code);
            return;
          }
          expect(local.estimate).toMatchObject({ maxMc: server.maxMc, typicalMc: server.typicalMc });
          if (local.availableMc !== null) expect(local.availableMc).toBe(server.availableMc); // a plan refusal comes before the balance in the app
          expect(local.refusal?.code ?? null).toBe(server.refusal?.code ?? null);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("at the plan's limit of runs at once, the refusal says which limit and about when to try again; nothing is left pending", async () => {
    const { gens, sync, client, catalog, store } = await setup({ runnerConcurrency: 0 });
    await sync.useClient(client);
    await catalog.sync(client, Date.now());
    // the Free plan's 8 runs at once, queued (no run starts on this server)
    for (let i = 0; i < 8; i++) await client.createGeneration({ request: { modelId: 'flux-schnell', prompt: `queued ${i}` }, approvedMc: 1_000 }, `run-queued-${i}`);
    const err = await gens.start({ modelId: 'flux-schnell', prompt: 'one more' }, 1_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserFacingError);
    expect(err).toMatchObject({ code: 'too_many_runs', details: { limit: 8, inFlight: 8 } });
    expect((err as Error).message).toMatch(/8 runs queued or running.*\(about \d+ (s|min)\)\.$/);
    expect(store.get('pendingRuns')).toEqual([]);
  });

  it('says a retry time in seconds or minutes, and leaves a message without one as it is', () => {
    expect(withRetryHint('try again when one finishes', { retryAfterMs: 4_200 })).toBe('try again when one finishes (about 5 s).');
    expect(withRetryHint('busy; try again.', { retryAfterMs: 60_000 })).toBe('busy; try again (about 60 s).');
    expect(withRetryHint('busy', { retryAfterMs: 600_000 })).toBe('busy (about 10 min).');
    for (const details of [undefined, null, {}, { retryAfterMs: -1 }, { retryAfterMs: Number.NaN }, { retryAfterMs: '5' }]) expect(withRetryHint('as is', details)).toBe('as is');
  });
});
