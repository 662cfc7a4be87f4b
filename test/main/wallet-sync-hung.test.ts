// A hung server (the built server process, SIGSTOP: its socket open, nothing written) leaves 'online' within the stream's silence bound, and comes back after SIGCONT.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CreditsApiClient } from '../../main/core/api-client';
import { STREAM_SILENCE_MS } from '../../main/core/http';
import { MemoryStore } from '../../main/core/stores';
import { nodeSpawner, ServerSupervisor } from '../../main/core/supervisor';
import { WalletCache } from '../../main/core/wallet-cache';
import { WalletSync } from '../../main/core/wallet-sync';
import type { WalletView } from '../../shared/ipc/contract';
import { requireBuilt, SERVER_ENTRY } from './built';

/** a cold start of the built server (PGlite) takes seconds alone, more on a busy machine */
const SLOW_READY_MS = 90_000;
/** how late a timer may fire on a busy 2-core machine, beyond the bound under test */
const BUSY_MACHINE_SLACK_MS = 2_000;

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function waitFor(sync: WalletSync, pred: (v: WalletView) => boolean, what: string, timeoutMs: number): Promise<WalletView> {
  if (pred(sync.view)) return Promise.resolve(sync.view);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      sync.off('view', on);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last view: ${JSON.stringify({ ...sync.view, wallet: undefined })}`));
    }, timeoutMs);
    const on = (v: WalletView) => {
      if (!pred(v)) return;
      clearTimeout(t);
      sync.off('view', on);
      resolve(v);
    };
    sync.on('view', on);
  });
}

describe('a hung server', () => {
  it('is off "online" within the stream silence bound (default heartbeat and limits), and online again after SIGCONT', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'credits-hung-'));
    const sup = new ServerSupervisor({ spawn: nodeSpawner(), entry: requireBuilt(SERVER_ENTRY), args: ['--embedded', '--data-dir', dataDir, '--port', '0', '--local-name', 'Hana'], readyTimeoutMs: SLOW_READY_MS });
    cleanup.push(() => sup.stop());
    const ready = await sup.start();
    const { pid } = JSON.parse(readFileSync(path.join(dataDir, 'server.json'), 'utf8')) as { pid: number };
    // the default client: the server's default heartbeat and main's default limits are what is under test
    const sync = new WalletSync({ serverIdentity: 'embedded', serverKind: 'embedded', cache: new WalletCache(new MemoryStore()), retryInitialMs: 200, retryMaxMs: 1_000 });
    cleanup.push(() => sync.stop());
    expect(await sync.useClient(new CreditsApiClient(ready.url, ready.localAccount!.token))).toMatchObject({ connection: 'online', source: 'live' });
    // the stream is being opened (the fetch above resolved after it began): the next view is its first wallet, so it is open
    await new Promise((resolve) => sync.once('view', resolve));

    process.kill(pid, 'SIGSTOP');
    cleanup.push(() => process.kill(pid, 'SIGCONT'));
    const stoppedAt = Date.now();
    const left = await waitFor(sync, (v) => v.connection !== 'online', 'the view to leave online', STREAM_SILENCE_MS + BUSY_MACHINE_SLACK_MS);
    const noticedMs = Date.now() - stoppedAt;
    expect(left).toMatchObject({ connection: 'reconnecting', notAnswering: true, source: 'cache', wallet: { availableMc: 60_000 } });
    expect(left.lastError).toMatch(/not answering/);
    process.stdout.write(`hung server noticed after ${noticedMs} ms (bound ${STREAM_SILENCE_MS} ms)\n`);

    process.kill(pid, 'SIGCONT');
    const contAt = Date.now();
    await waitFor(sync, (v) => v.connection === 'online' && v.source === 'live', 'online again after SIGCONT', 20_000);
    process.stdout.write(`online again ${Date.now() - contAt} ms after SIGCONT\n`);
  }, SLOW_READY_MS + 60_000);
});
