// The planner in main, against a real server, then with it stopped: the same figures from the cache, saying they are cached and from when; renewals only while the plan renews.
import { afterEach, describe, expect, it } from 'vitest';
import { CreditsApiClient } from '../../main/core/api-client';
import { CatalogStore } from '../../main/core/catalog-store';
import { planFromCache } from '../../main/core/planner';
import { MemoryStore } from '../../main/core/stores';
import { WalletCache } from '../../main/core/wallet-cache';
import { WalletSync } from '../../main/core/wallet-sync';
import { planViewSchema } from '../../shared/ipc/contract';
import { startServer, type TestServer } from '../server/helpers';

const servers: TestServer[] = [];
const syncs: WalletSync[] = [];
afterEach(async () => {
  for (const s of syncs.splice(0)) s.stop();
  for (const s of servers.splice(0)) await s.close().catch(() => {});
});

describe('planner in main', () => {
  it('computes from the cached catalog and wallet, online and with the server stopped', async () => {
    const s = await startServer('pglite');
    servers.push(s);
    const { accountId, token } = await s.newAccount('free');
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '30', kind: 'bonus', expiresAtMs: s.clock.now() + 3 * 86_400_000 });
    const store = new MemoryStore();
    const sync = new WalletSync({ serverIdentity: s.url, serverKind: 'remote', cache: new WalletCache(store), retryInitialMs: 60_000 });
    syncs.push(sync);
    const catalog = new CatalogStore(store, s.url);
    catalog.pin(s.credits.catalogKey.publicKey);
    const input = { lines: [{ id: 'a', request: { modelId: 'flux-schnell', prompt: 'x' }, count: 40, perDay: 4 }], horizonDays: 14 };
    expect(planFromCache(catalog, sync, input).refusal?.code).toBe('no_catalog');
    await sync.useClient(new CreditsApiClient(s.url, token));
    await catalog.sync(new CreditsApiClient(s.url, token), Date.now() + sync.view.clockOffsetMs);
    const online = planViewSchema.parse(planFromCache(catalog, sync, input));
    expect(online).toMatchObject({ source: 'live', connection: 'online', catalogStale: false, refusal: null });
    expect(online.result!.lines[0]).toMatchObject({ runsPlanned: 40, unitMaxMc: 1_000 });
    expect(online.result!.days).toHaveLength(14);
    expect(online.sentences.length).toBeGreaterThan(0);

    await s.credits.app.close();
    await sync.refresh();
    const offline = planViewSchema.parse(planFromCache(catalog, sync, input));
    expect(offline.connection).toBe('offline');
    expect(offline.walletAsOfServerMs).toBe(online.walletAsOfServerMs);
    expect(offline.result!.lines[0]!.runsFunded).toBe(online.result!.lines[0]!.runsFunded);
  });

  it('forecasts a renewal while the plan renews, and none once it is cancelled: Free\'s daily credits from its end, from the cache too', async () => {
    const s = await startServer('pglite');
    servers.push(s);
    const { accountId, token } = await s.newAccount('free');
    expect((await s.admin('PUT', `/admin/accounts/${accountId}/plan`, { planId: 'starter', period: 'weekly' })).status).toBe(200);
    const store = new MemoryStore();
    const sync = new WalletSync({ serverIdentity: s.url, serverKind: 'remote', cache: new WalletCache(store), retryInitialMs: 60_000 });
    syncs.push(sync);
    const catalog = new CatalogStore(store, s.url);
    catalog.pin(s.credits.catalogKey.publicKey);
    const client = new CreditsApiClient(s.url, token);
    await sync.useClient(client);
    await catalog.sync(client, Date.now() + sync.view.clockOffsetMs);
    const input = { lines: [], horizonDays: 14 };
    const granted = () => planViewSchema.parse(planFromCache(catalog, sync, input)).result!.days.map((d) => d.grantedMc);
    // Starter's 200 credits again when the week ends (day 7), and no daily credits
    expect(granted()).toEqual([0, 0, 0, 0, 0, 0, 0, 200_000, 0, 0, 0, 0, 0, 0]);

    expect((await s.as(token, 'POST', '/v1/subscription/cancel', {})).status).toBe(200);
    await sync.refresh();
    expect(sync.view.wallet!.subscription).toMatchObject({ planId: 'starter', cancelAtPeriodEnd: true });
    const cancelled = [0, 0, 0, 0, 0, 0, 0, ...Array(7).fill(10_000)];
    expect(granted()).toEqual(cancelled);
    await s.credits.app.close();
    await sync.refresh();
    expect(sync.view.connection).toBe('offline');
    expect(granted()).toEqual(cancelled);
  });
});
