// Accounts in main: the registry and each account's part of the store (real conf files), and the switcher against a real credits server — adding (the server and token checked first), switching, signing out and in, validation.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Conf from 'conf';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AccountRegistry, accountStore, FIRST_ACCOUNT_ID } from '../../main/core/accounts';
import { AccountSwitcher } from '../../main/core/account-switcher';
import { SIGNED_OUT_MESSAGE } from '../../main/core/app-core';
import { dispatch } from '../../main/core/ipc-dispatch';
import { FileTokenStore, MemoryStore, PrefixedStore, type KeyValueStore } from '../../main/core/stores';
import { MAX_ACCOUNTS, type AccountsView, type IpcResult, type WalletView } from '../../shared/ipc/contract';
import { startServer, type TestServer } from '../server/helpers';
import { until } from './until';

let server: TestServer;
let alice: { accountId: string; token: string };
let bruno: { accountId: string; token: string };
const switchers: AccountSwitcher[] = [];

beforeAll(async () => {
  server = await startServer('pglite');
  alice = await server.newAccount('free', 'Alice');
  bruno = await server.newAccount('free', 'Bruno');
  // different balances, so that one account's never passes for the other's
  await server.admin('POST', `/admin/accounts/${bruno.accountId}/grants`, { credits: '40', kind: 'pack' });
}, 60_000);
afterEach(async () => {
  for (const s of switchers.splice(0)) await s.stop();
});
afterAll(async () => {
  await server.close();
});

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'credits-accounts-'));
function confStore(dataDir: string): Conf<Record<string, unknown>> {
  return new Conf<Record<string, unknown>>({ cwd: dataDir, configName: 'wallet-cache', projectName: 'credits-desk' });
}
const onDisk = (conf: Conf<Record<string, unknown>>) => JSON.parse(readFileSync(conf.path, 'utf8')) as Record<string, any>;

function newSwitcher(dataDir: string, store: KeyValueStore, firstToken?: string): AccountSwitcher {
  const s = new AccountSwitcher({
    dataDir,
    store,
    tokenStoreFor: (dir) => new FileTokenStore(path.join(dir, 'account-token')),
    firstServer: { kind: 'remote', url: server.url },
    firstToken,
    firstName: 'Tess',
    core: { outputUrl: () => '', timeouts: { requestMs: 3_000, streamIdleMs: 45_000 } },
  });
  switchers.push(s);
  return s;
}

/** Resolves once the active core is online with `accountId`'s wallet. */
function onlineAs(s: AccountSwitcher, accountId: string): Promise<void> {
  const ok = () => s.core.sync.view.connection === 'online' && s.core.sync.view.wallet?.accountId === accountId;
  return until(s, 'walletView', ok, `online as ${accountId}`, 15_000);
}

async function call<T = AccountsView>(s: AccountSwitcher, method: string, input?: unknown): Promise<IpcResult<T>> {
  return (await dispatch(s.handlers, method, input)) as IpcResult<T>;
}

async function closedPortUrl(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

describe('the account registry', () => {
  it('starts with the first account, named after the user, active, kept in the store; a damaged registry starts again from it', () => {
    const store = new MemoryStore();
    const reg = new AccountRegistry(store, '/data', { name: 'Tess', server: { kind: 'embedded' } });
    expect(reg.view()).toMatchObject({ activeId: FIRST_ACCOUNT_ID, accounts: [{ id: FIRST_ACCOUNT_ID, name: 'Tess', server: { kind: 'embedded' }, signedIn: true, active: true, first: true }] });
    expect(reg.dirOf(FIRST_ACCOUNT_ID)).toBe('/data');
    const added = reg.add('Studio', { kind: 'remote', url: 'https://credits.example' }, 'acc_1');
    expect(added.id).toMatch(/^a-[0-9a-f]{8}$/);
    expect(reg.dirOf(added.id)).toBe(path.join('/data', 'accounts', added.id));
    expect(new AccountRegistry(store, '/data', { name: 'Other', server: { kind: 'embedded' } }).list().map((a) => a.name)).toEqual(['Tess', 'Studio']);
    store.set('accounts', { version: 1, activeId: 'x', accounts: 'broken' });
    expect(new AccountRegistry(store, '/data', { name: 'Tess', server: { kind: 'embedded' } }).list().map((a) => a.id)).toEqual([FIRST_ACCOUNT_ID]);
  });

  it(`holds at most ${MAX_ACCOUNTS} accounts, never removes the first, and falls back to the first when the active one goes`, () => {
    const reg = new AccountRegistry(new MemoryStore(), '/data', { name: 'Tess', server: { kind: 'embedded' } });
    const ids = Array.from({ length: MAX_ACCOUNTS - 1 }, (_, i) => reg.add(`S${i}`, { kind: 'remote', url: `https://s${i}.example` }, `acc_${i}`).id);
    expect(() => reg.add('one too many', { kind: 'remote', url: 'https://x.example' }, 'acc_x')).toThrow(`at most ${MAX_ACCOUNTS} accounts`);
    expect(() => reg.remove(FIRST_ACCOUNT_ID)).toThrow('cannot be removed');
    reg.setActive(ids[3]!);
    reg.remove(ids[3]!);
    expect(reg.activeId).toBe(FIRST_ACCOUNT_ID);
    expect(() => reg.get(ids[3]!)).toThrow('no such account');
    expect(() => reg.dirOf('../etc')).toThrow();
  });
});

describe("an account's part of the store", () => {
  it('keeps the first account on the plain keys and every other under its prefix; wipe removes it from the file and drops later writes', () => {
    const conf = confStore(tempDir());
    conf.set('walletCache', { first: true });
    const first = accountStore(conf, FIRST_ACCOUNT_ID);
    expect(first).toBe(conf);
    const other = accountStore(conf, 'a-12345678') as PrefixedStore;
    other.set('walletCache', { other: true });
    other.set('store.country', 'FR');
    expect(other.get('walletCache')).toEqual({ other: true });
    expect(onDisk(conf).accountData['a-12345678']).toEqual({ walletCache: { other: true }, store: { country: 'FR' } });
    other.wipe();
    other.set('generateDrafts', { drafts: [] });
    expect(onDisk(conf).accountData?.['a-12345678']).toBeUndefined();
    expect(other.get('walletCache')).toBeUndefined();
    expect(onDisk(conf).walletCache).toEqual({ first: true });
  });

  it('the memory store deletes dotted keys below the one deleted, as conf does', () => {
    const m = new MemoryStore();
    m.set('accountData.a-1.walletCache', 1);
    m.set('accountData.a-10.walletCache', 2);
    m.delete('accountData.a-1');
    expect(m.get('accountData.a-1.walletCache')).toBeUndefined();
    expect(m.get('accountData.a-10.walletCache')).toBe(2);
  });
});

describe('the account switcher, on a real credits server', () => {
  it('adds an account only when its server answers and accepts the token, then switches to it; nothing is kept otherwise', async () => {
    const dataDir = tempDir();
    const conf = confStore(dataDir);
    const s = newSwitcher(dataDir, conf, alice.token);
    s.start();
    await onlineAs(s, alice.accountId);
    const refused = await call(s, 'addAccount', { name: 'Bruno', url: server.url, token: 'cdk_nobody_has_this_token_000' });
    expect(refused).toEqual({ ok: false, error: { code: 'token_refused', message: expect.stringContaining('refused this token') } });
    const down = await closedPortUrl();
    const unreachable = await call(s, 'addAccount', { name: 'Bruno', url: down, token: bruno.token });
    expect(unreachable).toEqual({ ok: false, error: { code: 'server_unreachable', message: `Can't reach a credits server at ${down} (ECONNREFUSED). Check the address and that the server is running.` } });
    expect((await call(s, 'listAccounts')).ok && s.registry.list()).toHaveLength(1);
    expect(existsSync(path.join(dataDir, 'accounts'))).toBe(false);
    expect(onDisk(conf).accountData).toBeUndefined();

    const changed = new Promise((r) => s.once('accountChanged', r));
    const added = await call(s, 'addAccount', { name: ' Bruno ', url: `${server.url}/`, token: bruno.token });
    if (!added.ok) throw new Error(added.error.message);
    const bruno1 = added.value.accounts[1]!;
    expect(bruno1).toMatchObject({ name: 'Bruno', server: { kind: 'remote', url: server.url }, signedIn: true, active: true });
    expect(await changed).toEqual({ activeId: bruno1.id });
    await onlineAs(s, bruno.accountId);
    expect(readFileSync(path.join(dataDir, 'accounts', bruno1.id, 'account-token'), 'utf8')).toBe(bruno.token);
    const again = await call(s, 'addAccount', { name: 'Bruno again', url: server.url, token: bruno.token });
    expect(again).toEqual({ ok: false, error: { code: 'duplicate_account', message: 'This account is already on this computer, as “Bruno”.' } });
  }, 60_000);

  it("switching stops the old core and only the active core's events reach the page; drafts and balances stay apart", async () => {
    const dataDir = tempDir();
    const s = newSwitcher(dataDir, confStore(dataDir), alice.token);
    s.start();
    await onlineAs(s, alice.accountId);
    const aliceCore = s.core;
    const aliceAvailable = aliceCore.sync.view.wallet!.availableMc;
    await call(s, 'saveDrafts', { drafts: [{ target: 'model:flux-schnell', prompt: 'only for Alice', count: 1, resolutionId: '', modeId: '', seconds: 5, maxOutputTokens: 1000, trainingImages: 10 }] });
    const stopped = vi.spyOn(aliceCore, 'stop');
    const added = await call(s, 'addAccount', { name: 'Bruno', url: server.url, token: bruno.token });
    if (!added.ok) throw new Error(added.error.message);
    expect(stopped).toHaveBeenCalledOnce();
    // its sync stopped: the event stream closed, no retry or reset timer left
    expect(aliceCore.sync as unknown as { stopped: boolean; stream: unknown; retryTimer: unknown }).toMatchObject({ stopped: true, stream: null });
    await onlineAs(s, bruno.accountId);
    const seen: WalletView[] = [];
    s.on('walletView', (v: WalletView) => seen.push(v));
    aliceCore.emit('walletView', aliceCore.sync.view); // anything the old core still says is not passed on
    expect(seen).toEqual([]);
    const brunoView = (await call<WalletView>(s, 'getWalletView')) as { ok: true; value: WalletView };
    expect(brunoView.value.wallet?.accountId).toBe(bruno.accountId);
    expect(s.serverUrl).toBe(server.url); // the links main may open follow the active account's server
    expect(brunoView.value.wallet?.availableMc).toBe(aliceAvailable + 40_000);
    expect(await call(s, 'getDrafts')).toEqual({ ok: true, value: null });

    const firstId = FIRST_ACCOUNT_ID;
    await call(s, 'switchAccount', { id: firstId });
    expect((await call<WalletView>(s, 'getWalletView')) as unknown).toMatchObject({ ok: true, value: { wallet: { accountId: alice.accountId, availableMc: aliceAvailable } } });
    expect(await call(s, 'getDrafts')).toMatchObject({ ok: true, value: { drafts: [{ prompt: 'only for Alice' }] } });
  }, 60_000);

  it('signs out keeping the cache (token gone, no server asked), signs in again only with a token for the same account, and removes everything', async () => {
    const dataDir = tempDir();
    const conf = confStore(dataDir);
    const s = newSwitcher(dataDir, conf, alice.token);
    s.start();
    const added = await call(s, 'addAccount', { name: 'Bruno', url: server.url, token: bruno.token });
    if (!added.ok) throw new Error(added.error.message);
    const id = added.value.accounts[1]!.id;
    const dir = path.join(dataDir, 'accounts', id);
    await onlineAs(s, bruno.accountId);

    const out = await call(s, 'signOut', { id, keep: true });
    expect(out).toMatchObject({ ok: true, value: { activeId: id, accounts: [{}, { id, signedIn: false, active: true }] } });
    expect(existsSync(path.join(dir, 'account-token'))).toBe(false);
    expect(s.core.sync.client).toBeNull();
    expect(s.core.sync.view).toMatchObject({ connection: 'offline', source: 'cache', lastError: SIGNED_OUT_MESSAGE, wallet: { accountId: bruno.accountId } });
    expect(onDisk(conf).accountData[id].walletCache).toBeDefined();

    expect(await call(s, 'signIn', { id })).toMatchObject({ ok: false, error: { code: 'token_needed' } });
    expect(await call(s, 'signIn', { id, token: alice.token })).toMatchObject({ ok: false, error: { code: 'other_account' } });
    expect(s.registry.get(id).signedIn).toBe(false);
    expect(await call(s, 'signIn', { id, token: bruno.token })).toMatchObject({ ok: true, value: { accounts: [{}, { id, signedIn: true }] } });
    await onlineAs(s, bruno.accountId);

    expect(await call(s, 'signOut', { id: FIRST_ACCOUNT_ID, keep: false })).toMatchObject({ ok: false, error: { code: 'first_account' } });
    const removed = await call(s, 'signOut', { id, keep: false });
    expect(removed).toMatchObject({ ok: true, value: { activeId: FIRST_ACCOUNT_ID } });
    if (removed.ok) expect(removed.value.accounts).toHaveLength(1);
    expect(existsSync(dir)).toBe(false);
    expect(onDisk(conf).accountData?.[id]).toBeUndefined();
    await onlineAs(s, alice.accountId);
  }, 60_000);

  it('refuses bad input with a clear error and loses nothing', async () => {
    const dataDir = tempDir();
    const s = newSwitcher(dataDir, confStore(dataDir), alice.token);
    const before = await call(s, 'listAccounts');
    const cases: [string, unknown, RegExp][] = [
      ['addAccount', { name: '', url: server.url, token: bruno.token }, /An account needs a name/],
      ['addAccount', { name: 'x'.repeat(61), url: server.url, token: bruno.token }, /at most 60 characters/],
      ['addAccount', { name: 'bell\u0007', url: server.url, token: bruno.token }, /control characters/],
      ['addAccount', { name: 'S', url: 'ftp://credits.example', token: bruno.token }, /http:\/\/ or https:\/\//],
      ['addAccount', { name: 'S', url: 'javascript:alert(1)', token: bruno.token }, /http:\/\/ or https:\/\//],
      ['addAccount', { name: 'S', url: `https://${'a'.repeat(300)}.example`, token: bruno.token }, /at most 300 characters/],
      ['addAccount', { name: 'S', url: server.url, token: 't'.repeat(201) }, /at most 200 characters/],
      ['addAccount', { name: 'S', url: server.url, token: 'two words' }, /without spaces/],
      ['renameAccount', { id: 'a-00000000', name: 'Ghost' }, /no such account/],
      ['renameAccount', { id: '../../etc', name: 'Ghost' }, /not an account of this app/],
      ['switchAccount', { id: 'a-00000000' }, /no such account/],
      ['signOut', { id: 'a-00000000', keep: false }, /no such account/],
      ['setTheme', { theme: 'purple' }, /./],
    ];
    for (const [method, input, message] of cases) {
      const r = await call(s, method, input);
      expect(r.ok, `${method} ${JSON.stringify(input).slice(0, 80)}`).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(message);
    }
    expect(await call(s, 'listAccounts')).toEqual(before);
    expect(existsSync(path.join(dataDir, 'accounts'))).toBe(false);
  });

  it('keeps the theme app-wide across starts, and the first account on the files and keys of an install from before accounts', async () => {
    const dataDir = tempDir();
    new FileTokenStore(path.join(dataDir, 'account-token')).set(alice.token); // what an older version left
    const conf = confStore(dataDir);
    const s = newSwitcher(dataDir, conf);
    expect(await call(s, 'getTheme')).toEqual({ ok: true, value: 'system' });
    expect(await call(s, 'setTheme', { theme: 'dark' })).toEqual({ ok: true, value: 'dark' });
    s.start();
    await onlineAs(s, alice.accountId);
    await s.stop();
    expect(onDisk(conf).walletCache).toBeDefined(); // the plain key, as before
    const again = newSwitcher(dataDir, confStore(dataDir));
    expect(await call(again, 'getTheme')).toEqual({ ok: true, value: 'dark' });
    expect(again.registry.list()).toHaveLength(1);
  }, 60_000);
});
