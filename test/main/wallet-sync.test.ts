// Wallet sync against a real server on port 0: cache first, live fetch and SSE, offline with the cached wallet, recovery, corrupt cache.
import { afterEach, describe, expect, it } from 'vitest';
import { CreditsApiClient } from '../../main/core/api-client';
import { MemoryStore } from '../../main/core/stores';
import { WalletCache } from '../../main/core/wallet-cache';
import { WalletSync } from '../../main/core/wallet-sync';
import type { WalletView } from '../../shared/ipc/contract';
import { startServer, type TestServer } from '../server/helpers';

const running: { close(): Promise<void> }[] = [];
const syncs: WalletSync[] = [];
afterEach(async () => {
  for (const s of syncs.splice(0)) s.stop();
  for (const r of running.splice(0)) await r.close().catch(() => {});
});

async function server(): Promise<TestServer> {
  const s = await startServer('pglite');
  running.push(s);
  return s;
}

function waitFor(sync: WalletSync, pred: (v: WalletView) => boolean, timeoutMs = 8_000): Promise<WalletView> {
  if (pred(sync.view)) return Promise.resolve(sync.view);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out; last view: ${JSON.stringify(sync.view).slice(0, 400)}`)), timeoutMs);
    const on = (v: WalletView) => {
      if (pred(v)) {
        clearTimeout(t);
        sync.off('view', on);
        resolve(v);
      }
    };
    sync.on('view', on);
  });
}

describe('WalletSync', () => {
  it('fetches, measures the clock offset, streams changes, and caches every wallet', async () => {
    const s = await server();
    const { accountId, token } = await s.newAccount('free', 'Lin');
    const store = new MemoryStore();
    const sync = new WalletSync({ serverIdentity: s.url, serverKind: 'remote', cache: new WalletCache(store) });
    syncs.push(sync);
    expect(sync.view.source).toBe('none');
    const v = await sync.useClient(new CreditsApiClient(s.url, token));
    expect(v).toMatchObject({ source: 'live', connection: 'online', wallet: { availableMc: 60_000, displayName: 'Lin' } });
    // the test server's clock is set to 2026-11-22T12:00Z, whatever this machine's clock says
    expect(Math.abs(Date.now() + v.clockOffsetMs - s.clock.now())).toBeLessThan(1_000);
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '12.345' });
    const after = await waitFor(sync, (x) => x.wallet?.availableMc === 72_345);
    expect(after.source).toBe('live');
    expect(new WalletCache(store).load()?.wallet.availableMc).toBe(72_345);
  });

  it('shows the cached wallet at once, marks it offline when the server is down, and recovers when it is back', async () => {
    const s = await server();
    const { token } = await s.newAccount();
    const store = new MemoryStore();
    const first = new WalletSync({ serverIdentity: s.url, serverKind: 'remote', cache: new WalletCache(store) });
    syncs.push(first);
    await first.useClient(new CreditsApiClient(s.url, token));
    first.stop();
    const port = Number(new URL(s.url).port);
    await s.credits.app.close();

    const sync = new WalletSync({ serverIdentity: s.url, serverKind: 'remote', cache: new WalletCache(store), retryInitialMs: 100, retryMaxMs: 300 });
    syncs.push(sync);
    expect(sync.view).toMatchObject({ source: 'cache', connection: 'connecting', wallet: { availableMc: 60_000 } });
    const offline = await sync.useClient(new CreditsApiClient(s.url, token));
    expect(offline).toMatchObject({ source: 'cache', connection: 'offline', wallet: { availableMc: 60_000 } });
    expect(offline.lastError).toMatch(/Can't reach the credits server/);

    // the server comes back on the same address
    const { buildApp } = await import('../../server/app');
    const { defaultCatalog } = await import('../../shared/catalog/index');
    const again = buildApp({ database: s.database, catalog: defaultCatalog, clock: s.clock, adminToken: s.adminToken, outputsDir: s.outputsDir });
    await again.app.listen({ host: '127.0.0.1', port });
    running.push({ close: () => again.app.close() });
    await waitFor(sync, (v) => v.connection === 'online' && v.source === 'live');
  });

  it('never shows a cache that fails validation or belongs to another server', async () => {
    const store = new MemoryStore();
    store.set('walletCache', { version: 1, serverUrl: 'x', wallet: { availableMc: 'lots' }, clockOffsetMs: 0, savedAtMs: 0 });
    const cache = new WalletCache(store);
    expect(cache.load()).toBeNull();
    expect(store.get('walletCache')).toBeUndefined(); // discarded
    const s = await server();
    const { token } = await s.newAccount();
    const a = new WalletSync({ serverIdentity: s.url, serverKind: 'remote', cache });
    syncs.push(a);
    await a.useClient(new CreditsApiClient(s.url, token));
    const other = new WalletSync({ serverIdentity: 'http://elsewhere', serverKind: 'remote', cache });
    syncs.push(other);
    expect(other.view.wallet).toBeNull();
  });

  it('reports a revoked token as an error the user can read, without crashing', async () => {
    const s = await server();
    const sync = new WalletSync({ serverIdentity: s.url, serverKind: 'remote', cache: new WalletCache(new MemoryStore()), retryInitialMs: 60_000 });
    syncs.push(sync);
    let unauthorized = false;
    sync.on('unauthorized', () => (unauthorized = true));
    const v = await sync.useClient(new CreditsApiClient(s.url, 'cdk_wrong'));
    expect(v.connection).toBe('reconnecting');
    expect(v.lastError).toMatch(/unknown or revoked token/);
    expect(unauthorized).toBe(true);
  });

  it('measures the offset again when the server clock moves against ours', async () => {
    const s = await server();
    const { accountId, token } = await s.newAccount();
    const sync = new WalletSync({ serverIdentity: s.url, serverKind: 'remote', cache: new WalletCache(new MemoryStore()) });
    syncs.push(sync);
    const before = (await sync.useClient(new CreditsApiClient(s.url, token))).clockOffsetMs;
    await waitFor(sync, () => true);
    await expect.poll(() => s.credits.events.listenerCount(accountId)).toBe(1); // the stream is open: the server will send it the clock's move
    expect((await s.admin('POST', '/admin/clock', { advanceMs: 86_400_000 })).status).toBe(200);
    const after = await waitFor(sync, (v) => Math.abs(v.clockOffsetMs - before - 86_400_000) < 1_000);
    expect(after.wallet!.nextDailyResetMs).toBe(Date.parse('2026-11-24T00:00:00Z'));
  });

  it('backs off with capped exponential delays and full jitter', () => {
    const sync = new WalletSync({ serverIdentity: 'x', serverKind: 'remote', cache: new WalletCache(new MemoryStore()), retryInitialMs: 1000, retryMaxMs: 8000, random: () => 1 });
    expect(Array.from({ length: 6 }, () => sync.retryDelayMs())).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    const jittered = new WalletSync({ serverIdentity: 'x', serverKind: 'remote', cache: new WalletCache(new MemoryStore()), retryInitialMs: 1000, retryMaxMs: 8000, random: () => 0.25 });
    expect([jittered.retryDelayMs(), jittered.retryDelayMs()]).toEqual([250, 500]);
  });

  it('a server that answers garbage is reported, not shown', async () => {
    const http = await import('node:http');
    const bad = http.createServer((_req, res) => res.end(JSON.stringify({ availableMc: 1.5 })));
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    running.push({ close: () => new Promise<void>((r) => bad.close(() => r())) });
    const url = `http://127.0.0.1:${(bad.address() as { port: number }).port}`;
    const sync = new WalletSync({ serverIdentity: url, serverKind: 'remote', cache: new WalletCache(new MemoryStore()), retryInitialMs: 60_000 });
    syncs.push(sync);
    const v = await sync.useClient(new CreditsApiClient(url, 'cdk_x'));
    expect(v.wallet).toBeNull();
    expect(v.lastError).toMatch(/unexpected answer/);
  });
});
