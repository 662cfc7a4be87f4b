// The embedded account among accounts: signing out stops its server and forgets its token; signing in starts it again and asks it for a new token.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountSwitcher } from '../../main/core/account-switcher';
import { FIRST_ACCOUNT_ID } from '../../main/core/accounts';
import { SIGNED_OUT_MESSAGE } from '../../main/core/app-core';
import { dispatch } from '../../main/core/ipc-dispatch';
import { MemoryStore } from '../../main/core/stores';
import { fakeHttpServer, fakeSpawner } from './fake-server';
import { MemoryTokenStore } from './memory-tokens';
import { until } from './until';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

describe('the embedded account', () => {
  it('signs out (server stopped, token forgotten, cache kept) and back in (server started, a new token issued over IPC)', async () => {
    const http = await fakeHttpServer();
    closers.push(http.close);
    let issued = 0;
    const fake = fakeSpawner((child) => {
      child.onSent = (m) => {
        const token = `cdk_issued_over_ipc_000${++issued}`;
        http.acceptToken(token);
        child.say({ type: 'local-token', requestId: m.requestId, accountId: 'local', token });
      };
      child.say({ type: 'credits-server-ready', url: http.url, storage: 'pglite', catalogPublicKey: 'key-1' });
    });
    const tokens = new MemoryTokenStore();
    const s = new AccountSwitcher({
      dataDir: mkdtempSync(path.join(os.tmpdir(), 'credits-accounts-embedded-')),
      store: new MemoryStore(),
      tokenStoreFor: () => tokens,
      firstServer: { kind: 'embedded', entry: 'fake', spawn: fake.spawn, localName: 'Tess' },
      firstName: 'Tess',
      core: { outputUrl: () => '' },
    });
    closers.push(() => s.stop());
    s.start();
    const online = () => s.core.sync.view.connection === 'online';
    await until(s, 'walletView', online, 'online');
    expect(tokens.token).toBe('cdk_issued_over_ipc_0001');
    expect(s.serverUrl).toBe(s.core.supervisor?.current?.url); // the embedded server's address, once it runs
    expect(s.serverUrl).toMatch(/^http:\/\//);

    const out = await dispatch(s.handlers, 'signOut', { id: FIRST_ACCOUNT_ID, keep: true });
    expect(out).toMatchObject({ ok: true, value: { accounts: [{ id: FIRST_ACCOUNT_ID, signedIn: false, active: true }] } });
    expect(fake.children[0]!.killed).toBe(true);
    expect(fake.children).toHaveLength(1); // no server started for a signed-out account
    expect(tokens.token).toBeNull();
    expect(s.core.sync.view).toMatchObject({ connection: 'offline', source: 'cache', lastError: SIGNED_OUT_MESSAGE, wallet: { accountId: 'local' } });

    const back = await dispatch(s.handlers, 'signIn', { id: FIRST_ACCOUNT_ID });
    expect(back).toMatchObject({ ok: true, value: { accounts: [{ id: FIRST_ACCOUNT_ID, signedIn: true }] } });
    await until(s, 'walletView', online, 'online again');
    expect(fake.children).toHaveLength(2);
    expect(fake.children[1]!.sent.map((m) => m.type)).toEqual(['issue-local-token']);
    expect(tokens.token).toBe('cdk_issued_over_ipc_0002');
  });
});
