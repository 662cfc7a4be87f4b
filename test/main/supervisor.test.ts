// The supervisor against the real built server (start, ready with the local account's token, health, restart after a crash, backoff,
// stop), against a fake child (the IPC contract: invalid messages ignored, local tokens asked for and awaited, with a timeout), and nodeSpawner's V8 settings.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReadyMessage } from '../../shared/api/embedded';
import { nodeSpawner, ServerSupervisor } from '../../main/core/supervisor';
import { fakeHttpServer, fakeSpawner } from './fake-server';
import { requireBuilt, SERVER_ENTRY } from './built';

const sups: ServerSupervisor[] = [];
afterEach(async () => {
  for (const s of sups.splice(0)) await s.stop();
});

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'credits-sup-'));
/** A cold start (PGlite and migrations) takes seconds alone and can pass 30 s on a small machine busy with other test files. */
const SLOW_READY_MS = 90_000;
const SLOW_TEST_MS = 200_000;

describe('ServerSupervisor', () => {
  it('starts the embedded server, hands over the local account token once, and restarts it after a crash', async () => {
    const dataDir = tmp();
    const sup = new ServerSupervisor({ spawn: nodeSpawner(), entry: requireBuilt(SERVER_ENTRY), args: ['--embedded', '--data-dir', dataDir, '--port', '0', '--local-name', 'Tess'], restartInitialMs: 100, readyTimeoutMs: SLOW_READY_MS });
    sups.push(sup);
    const first = await sup.start();
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.localAccount?.accountId).toBe('local');
    const wallet = await fetch(`${first.url}/v1/wallet`, { headers: { authorization: `Bearer ${first.localAccount!.token}` } }).then((r) => r.json());
    expect(wallet).toMatchObject({ displayName: 'Tess', availableMc: 60_000 });
    // the app lost its token: the server issues a new one over the IPC channel
    const issued = await sup.requestLocalToken();
    expect(issued).toMatchObject({ type: 'local-token', accountId: 'local' });
    expect(issued.token).not.toBe(first.localAccount!.token);
    expect((await fetch(`${first.url}/v1/wallet`, { headers: { authorization: `Bearer ${issued.token}` } })).status).toBe(200);

    const down = new Promise<string>((resolve) => sup.once('down', resolve));
    const again = new Promise<ReadyMessage>((resolve) => sup.once('ready', resolve));
    const { pid } = JSON.parse(require('node:fs').readFileSync(path.join(dataDir, 'server.json'), 'utf8')) as { pid: number };
    process.kill(pid, 'SIGKILL');
    expect(await down).toMatch(/stopped/);
    const second = await again;
    expect(second.localAccount).toBeUndefined(); // the account exists now: no new token handed out
    expect((await fetch(`${second.url}/health`)).ok).toBe(true);
  }, SLOW_TEST_MS);

  it('rejects the first start when the server cannot start, with the reason, and backs off exponentially up to a cap', async () => {
    const dir = tmp();
    const crash = path.join(dir, 'crash.cjs');
    writeFileSync(crash, "process.stderr.write('boom: no database'); process.exit(3);");
    let jitter = 1;
    const sup = new ServerSupervisor({ spawn: nodeSpawner((l) => sup.log(l)), entry: crash, args: [], restartInitialMs: 50, restartMaxMs: 400, random: () => jitter });
    sups.push(sup);
    await expect(sup.start()).rejects.toThrow(/exit code 3.*boom: no database/);
    const delays = Array.from({ length: 6 }, () => sup.nextDelayMs());
    expect(delays).toEqual([100, 200, 400, 400, 400, 400]); // the ceilings; the first restart (50) was already scheduled
    jitter = 0.25;
    expect(sup.nextDelayMs()).toBe(100); // full jitter: anywhere from 0 to the ceiling
  });

  it('refuses a second server on the same data directory', async () => {
    const dataDir = tmp();
    const a = new ServerSupervisor({ spawn: nodeSpawner(), entry: SERVER_ENTRY, args: ['--data-dir', dataDir, '--port', '0'], readyTimeoutMs: SLOW_READY_MS });
    sups.push(a);
    await a.start();
    const logs: string[] = [];
    const b = new ServerSupervisor({ spawn: nodeSpawner((l) => logs.push(l)), entry: SERVER_ENTRY, args: ['--data-dir', dataDir, '--port', '0'], restartInitialMs: 60_000, readyTimeoutMs: SLOW_READY_MS });
    sups.push(b);
    await expect(b.start()).rejects.toThrow(/exit code 1/);
    expect(logs.join('\n')).toMatch(/another credits server \(pid \d+\) is using/);
  }, SLOW_TEST_MS);
});

describe('ServerSupervisor and a child speaking the embedded contract', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  async function started(opts: { localTokenTimeoutMs?: number } = {}) {
    const http = await fakeHttpServer();
    closers.push(http.close);
    const fake = fakeSpawner((child) => {
      child.say({ type: 'credits-server-ready', url: 'http://evil.example:80', storage: 'pglite', catalogPublicKey: 'k' }); // not loopback
      child.say({ type: 'credits-server-ready', url: http.url }); // no storage, no key
      child.say('hello');
      child.say({ type: 'credits-server-ready', url: http.url, storage: 'pglite', catalogPublicKey: 'key-1' });
    });
    const sup = new ServerSupervisor({ spawn: fake.spawn, entry: 'fake', args: [], restartInitialMs: 60_000, ...opts });
    sups.push(sup);
    const ready = await sup.start();
    return { sup, ready, child: fake.children[0]!, http };
  }

  it('accepts only a ready message that validates, after the health check', async () => {
    const { sup, ready, http, child } = await started();
    expect(ready).toEqual({ type: 'credits-server-ready', url: http.url, storage: 'pglite', catalogPublicKey: 'key-1' });
    expect(sup.current).toEqual(ready);
    expect(http.requests).toEqual(['GET /health -']);
    expect(sup.logTail.filter((l) => /not in the contract/.test(l))).toHaveLength(3);
    expect(child.sent).toEqual([]);
  });

  it('asks the child for a local token over IPC and resolves with the matching answer', async () => {
    const { sup, child } = await started();
    child.onSent = (m) => {
      child.say({ type: 'local-token', requestId: 'someone-else', accountId: 'local', token: 'cdk_wrong_request_0000' }); // not ours: ignored
      child.say({ type: 'local-token', requestId: m.requestId, accountId: 'local', token: 'cdk_fresh_token_000000' });
    };
    const answer = await sup.requestLocalToken();
    expect(child.sent).toEqual([{ type: 'issue-local-token', requestId: answer.requestId }]);
    expect(answer).toMatchObject({ type: 'local-token', accountId: 'local', token: 'cdk_fresh_token_000000' });
    expect(sup.logTail.some((l) => /nobody asked for/.test(l))).toBe(true);
  });

  it('gives up on a token when the child does not answer in time, or stops first', async () => {
    const { sup, child } = await started({ localTokenTimeoutMs: 100 });
    await expect(sup.requestLocalToken()).rejects.toThrow(/did not issue a token within 100 ms/);
    const waiting = sup.requestLocalToken();
    child.exit(1);
    await expect(waiting).rejects.toThrow(/stopped before it answered/);
    await expect(sup.requestLocalToken()).rejects.toThrow(/not running/);
  });
});

describe('nodeSpawner', () => {
  it("starts the server with the background service's V8 settings (a small young generation)", async () => {
    const entry = path.join(tmp(), 'say-argv.cjs');
    writeFileSync(entry, 'process.send(process.execArgv, () => process.exit(0));\n');
    const child = nodeSpawner()(entry, []);
    const execArgv = await new Promise<unknown>((resolve) => child.onMessage(resolve));
    expect(execArgv).toEqual(['--max-semi-space-size=1']);
  });
});
