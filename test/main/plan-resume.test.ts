// The renderer's cancel and resume path in main, against a real server: cancel at the period's end, resume it, and the refusals named.
import { afterEach, describe, expect, it } from 'vitest';
import { CreditsApiClient } from '../../main/core/api-client';
import { PurchasesCore } from '../../main/core/purchases';
import { MemoryStore } from '../../main/core/stores';
import { WalletCache } from '../../main/core/wallet-cache';
import { WalletSync } from '../../main/core/wallet-sync';
import { ipcMethods } from '../../shared/ipc/contract';
import { startServer, type TestServer } from '../server/helpers';

const servers: TestServer[] = [];
const syncs: WalletSync[] = [];
afterEach(async () => {
  for (const s of syncs.splice(0)) s.stop();
  for (const s of servers.splice(0)) await s.close().catch(() => {});
});

describe('cancel and resume from the app', () => {
  it('resumes a cancelled plan through the same path as the cancel, and says why it cannot when nothing is cancelled', async () => {
    const s = await startServer('pglite');
    servers.push(s);
    const { accountId, token } = await s.newAccount('free');
    expect((await s.admin('PUT', `/admin/accounts/${accountId}/plan`, { planId: 'starter', period: 'weekly' })).status).toBe(200);
    const store = new MemoryStore();
    const sync = new WalletSync({ serverIdentity: s.url, serverKind: 'remote', cache: new WalletCache(store), retryInitialMs: 60_000 });
    syncs.push(sync);
    await sync.useClient(new CreditsApiClient(s.url, token));
    const purchases = new PurchasesCore({ store, sync, locale: 'en-US' });

    const cancelled = ipcMethods.cancelSubscription.output.parse(await purchases.change(null));
    expect(cancelled.subscription).toMatchObject({ planId: 'starter', cancelAtPeriodEnd: true });
    expect(purchases.state().subscription).toMatchObject({ cancelAtPeriodEnd: true });
    const resumed = ipcMethods.resumeSubscription.output.parse(await purchases.change('resume'));
    expect(resumed.subscription).toMatchObject({ planId: 'starter', cancelAtPeriodEnd: false, status: 'active' });
    expect(resumed.effect).toMatch(/^Starter \(weekly\) stays, and renews on \d{4}-\d{2}-\d{2}\. Price: \$4\.99 a week/);
    expect(purchases.state().subscription).toMatchObject({ cancelAtPeriodEnd: false });
    await expect(purchases.change('resume')).rejects.toMatchObject({ code: 'nothing_to_resume', message: 'the plan is not cancelled: there is nothing to resume' });
  });
});
