// The wallet cache and the sync order snapshots by the one wallet-order rule; a server whose history was reset still wins over the cache.
import { afterEach, describe, expect, it } from 'vitest';
import { CreditsApiClient } from '../../main/core/api-client';
import { MemoryStore } from '../../main/core/stores';
import { WalletCache } from '../../main/core/wallet-cache';
import { WalletSync } from '../../main/core/wallet-sync';
import { fakeHttpServer, walletFor } from './fake-server';

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

describe('WalletCache ordering', () => {
  it('never replaces a newer snapshot of the same account from the same server with an older one', () => {
    const cache = new WalletCache(new MemoryStore());
    const at = (revision: number, serverTimeMs: number, accountId = 'local') => ({ ...walletFor(accountId, revision), serverTimeMs });
    expect(cache.save('s', at(5, 1_000), 0, 0)).toBe(true);
    expect(cache.save('s', at(4, 9_000), 0, 0)).toBe(false); // older revision, however late it was read
    expect(cache.save('s', at(5, 500), 0, 0)).toBe(false); // same revision, read earlier
    expect(cache.save('s', at(5, 1_000), 0, 0)).toBe(true); // the same snapshot again
    expect(cache.save('s', at(5, 2_000), 0, 0)).toBe(true);
    expect(cache.load()?.wallet.serverTimeMs).toBe(2_000);
    expect(cache.save('s', at(1, 0, 'other'), 0, 0)).toBe(true); // another account: not ordered, replaced
    expect(cache.save('t', at(0, 0, 'other'), 0, 0)).toBe(true); // another server: not ordered, replaced
  });

  it('a live wallet older than the cache (the server started over) is shown and cached', async () => {
    const http = await fakeHttpServer();
    closers.push(http.close);
    http.acceptToken('cdk_token_000000000001');
    http.setWallet({ ...walletFor('local', 2), availableMc: 1_000 });
    const store = new MemoryStore();
    new WalletCache(store).save(http.url, { ...walletFor('local', 9), availableMc: 99_000 }, 0, 0);
    const sync = new WalletSync({ serverIdentity: http.url, serverKind: 'remote', cache: new WalletCache(store), retryInitialMs: 60_000 });
    closers.push(() => sync.stop());
    expect(sync.view).toMatchObject({ source: 'cache', wallet: { revision: 9 } });
    const v = await sync.useClient(new CreditsApiClient(http.url, 'cdk_token_000000000001'));
    expect(v).toMatchObject({ source: 'live', connection: 'online', wallet: { revision: 2, availableMc: 1_000 } });
    expect(new WalletCache(store).load()?.wallet.revision).toBe(2);
  });
});
