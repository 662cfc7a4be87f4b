// The app core signs in to its embedded server without reading any file of the server's: with the token handed over at first start,
// or, when it has none or the server refuses it, with a new one the server issues over their IPC channel.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppCore } from '../../main/core/app-core';
import { MemoryStore } from '../../main/core/stores';
import type { WalletView } from '../../shared/ipc/contract';
import { fakeHttpServer, fakeSpawner, type FakeChild } from './fake-server';
import { MemoryTokenStore } from './memory-tokens';


const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function embeddedApp(tokens: MemoryTokenStore, answer: (child: FakeChild, requestId: string) => void) {
  const http = await fakeHttpServer();
  closers.push(http.close);
  const fake = fakeSpawner((child) => {
    child.onSent = (m) => answer(child, m.requestId);
    child.say({ type: 'credits-server-ready', url: http.url, storage: 'pglite', catalogPublicKey: 'key-1' });
  });
  const core = new AppCore({
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'credits-token-')),
    store: new MemoryStore(),
    tokenStore: tokens,
    server: { kind: 'embedded', entry: 'fake', spawn: fake.spawn, localName: 'Tess' },
    outputUrl: () => '',
  });
  closers.push(() => core.stop());
  return { core, http, children: fake.children };
}

function online(core: AppCore, timeoutMs = 8_000): Promise<WalletView> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`not online; last view: ${JSON.stringify(core.sync.view)}`)), timeoutMs);
    const check = (v: WalletView) => {
      if (v.connection !== 'online') return;
      clearTimeout(t);
      resolve(v);
    };
    core.sync.on('view', check);
  });
}

describe('the local account token', () => {
  it('with no token stored, asks the child for one and signs in with it', async () => {
    const tokens = new MemoryTokenStore();
    const { core, http, children } = await embeddedApp(tokens, (child, requestId) => {
      http.acceptToken('cdk_issued_over_ipc_0001');
      child.say({ type: 'local-token', requestId, accountId: 'local', token: 'cdk_issued_over_ipc_0001' });
    });
    core.start();
    const v = await online(core);
    expect(v.wallet?.accountId).toBe('local');
    expect(tokens.token).toBe('cdk_issued_over_ipc_0001');
    expect(children[0]!.sent).toHaveLength(1);
    expect(children[0]!.sent[0]!.type).toBe('issue-local-token');
  });

  it('when the server refuses the stored token (401), asks for a new one once', async () => {
    const tokens = new MemoryTokenStore('cdk_revoked_token_00001');
    const { core, http, children } = await embeddedApp(tokens, (child, requestId) => {
      http.acceptToken('cdk_renewed_token_00001');
      child.say({ type: 'local-token', requestId, accountId: 'local', token: 'cdk_renewed_token_00001' });
    });
    core.start();
    await online(core);
    expect(tokens.token).toBe('cdk_renewed_token_00001');
    expect(children[0]!.sent).toHaveLength(1);
    expect(http.requests.some((r) => r.endsWith('Bearer cdk_revoked_token_00001'))).toBe(true);
  });

  it('refuses a token for another account than the local one', async () => {
    const tokens = new MemoryTokenStore();
    const { core } = await embeddedApp(tokens, (child, requestId) => child.say({ type: 'local-token', requestId, accountId: 'someone', token: 'cdk_not_for_us_000000001' }));
    const down = new Promise<WalletView>((resolve) => core.sync.on('view', (v: WalletView) => v.lastError && resolve(v)));
    core.start();
    expect((await down).lastError).toMatch(/token for account someone, not local/);
    expect(tokens.token).toBeNull();
  });
});
