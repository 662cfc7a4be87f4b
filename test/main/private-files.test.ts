// Every file main writes is readable by this user alone: the shared stores' options, and browser mode's whole data folder after a session.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Conf from 'conf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePrivateDir, looseEntries, makePrivate, privateStoreOptions } from '../../main/core/private-files';
import { startHost } from '../../main/web/host';
import { startServer, type TestServer } from '../server/helpers';
import { ROOT, requireBuilt, SERVER_ENTRY } from './built';

const posix = process.platform !== 'win32';
const modeOf = (p: string) => statSync(p).mode & 0o777;
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'credits-private-'));

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.runIf(posix)('private files', () => {
  it('the stores (conf here, electron-store in Electron, same options) write 0600', () => {
    const dir = path.join(tmp(), 'data');
    ensurePrivateDir(dir);
    const store = new Conf<Record<string, unknown>>({ cwd: dir, configName: 'wallet-cache', projectName: 'credits-desk', ...privateStoreOptions });
    store.set('walletCache', { a: 1 });
    store.set('settings', { autoApproveMc: 1 });
    expect(modeOf(store.path)).toBe(0o600);
    expect(modeOf(dir)).toBe(0o700);
    expect(looseEntries(dir)).toEqual([]);
  });

  it('tightens a folder and a store file left readable by an older version', () => {
    const dir = path.join(tmp(), 'old');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const file = path.join(dir, 'wallet-cache.json');
    writeFileSync(file, '{}', { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(looseEntries(dir).map((e) => e.mode).sort()).toEqual([0o644, 0o755]);
    ensurePrivateDir(dir);
    makePrivate(file);
    expect(looseEntries(dir)).toEqual([]);
  });
});

describe.runIf(posix)('browser mode writes nothing others can read', () => {
  let server: TestServer;
  let host: Awaited<ReturnType<typeof startHost>>;
  const dataDir = path.join(tmp(), 'app');

  beforeAll(async () => {
    server = await startServer('pglite');
    const { token } = await server.newAccount('free', 'Private');
    // a store file from an older version, readable by all
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(path.join(dataDir, 'wallet-cache.json'), '{}', { mode: 0o644 });
    chmodSync(path.join(dataDir, 'wallet-cache.json'), 0o644);
    host = await startHost({
      dataDir,
      port: 0,
      rendererDir: path.dirname(requireBuilt(path.join(ROOT, 'out/renderer/index.html'))),
      bridgeScript: requireBuilt(path.join(ROOT, 'out/web/bridge.js')),
      serverEntry: SERVER_ENTRY,
      remoteUrl: server.url,
      token,
    });
  });
  afterAll(async () => {
    await host?.close();
    await server?.close();
  });

  it('token, wallet cache, catalog, settings, cache key and history are 0600 in a 0700 folder', async () => {
    const files = ['account-token', 'wallet-cache.json', 'cache-key', 'history.json'].map((f) => path.join(dataDir, f));
    await until(() => files.every((f) => existsSync(f)));
    await host.close(); // flushes the history and stops writing
    for (const f of files) expect([path.basename(f), modeOf(f)]).toEqual([path.basename(f), 0o600]);
    expect(modeOf(dataDir)).toBe(0o700);
    expect(looseEntries(dataDir)).toEqual([]);
  });
});
