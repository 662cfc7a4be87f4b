// The supervisor against the real built server: start, ready with the local account's token, health, restart after a crash, backoff, stop.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeSpawner, ServerSupervisor, type ReadyInfo } from '../../main/core/supervisor';
import { requireBuilt, SERVER_ENTRY } from './built';

const sups: ServerSupervisor[] = [];
afterEach(async () => {
  for (const s of sups.splice(0)) await s.stop();
});

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'credits-sup-'));

describe('ServerSupervisor', () => {
  it('starts the embedded server, hands over the local account token once, and restarts it after a crash', async () => {
    const dataDir = tmp();
    const sup = new ServerSupervisor({ spawn: nodeSpawner(), entry: requireBuilt(SERVER_ENTRY), args: ['--embedded', '--data-dir', dataDir, '--port', '0', '--local-name', 'Tess'], restartInitialMs: 100 });
    sups.push(sup);
    const first = await sup.start();
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.localAccount?.accountId).toBe('local');
    const wallet = await fetch(`${first.url}/v1/wallet`, { headers: { authorization: `Bearer ${first.localAccount!.token}` } }).then((r) => r.json());
    expect(wallet).toMatchObject({ displayName: 'Tess', availableMc: 60_000 });

    const down = new Promise<string>((resolve) => sup.once('down', resolve));
    const again = new Promise<ReadyInfo>((resolve) => sup.once('ready', resolve));
    const { pid } = JSON.parse(require('node:fs').readFileSync(path.join(dataDir, 'server.json'), 'utf8')) as { pid: number };
    process.kill(pid, 'SIGKILL');
    expect(await down).toMatch(/stopped/);
    const second = await again;
    expect(second.localAccount).toBeUndefined(); // the account exists now: no new token handed out
    expect((await fetch(`${second.url}/health`)).ok).toBe(true);
  });

  it('rejects the first start when the server cannot start, with the reason, and backs off exponentially up to a cap', async () => {
    const dir = tmp();
    const crash = path.join(dir, 'crash.cjs');
    writeFileSync(crash, "process.stderr.write('boom: no database'); process.exit(3);");
    const sup = new ServerSupervisor({ spawn: nodeSpawner((l) => sup.log(l)), entry: crash, args: [], restartInitialMs: 50, restartMaxMs: 400 });
    sups.push(sup);
    await expect(sup.start()).rejects.toThrow(/exit code 3.*boom: no database/);
    const delays = Array.from({ length: 6 }, () => sup.nextDelayMs());
    expect(delays).toEqual([100, 200, 400, 400, 400, 400]); // the first restart (50) was already scheduled
  });

  it('refuses a second server on the same data directory', async () => {
    const dataDir = tmp();
    const a = new ServerSupervisor({ spawn: nodeSpawner(), entry: SERVER_ENTRY, args: ['--data-dir', dataDir, '--port', '0'] });
    sups.push(a);
    await a.start();
    const logs: string[] = [];
    const b = new ServerSupervisor({ spawn: nodeSpawner((l) => logs.push(l)), entry: SERVER_ENTRY, args: ['--data-dir', dataDir, '--port', '0'], restartInitialMs: 60_000 });
    sups.push(b);
    await expect(b.start()).rejects.toThrow(/exit code 1/);
    expect(logs.join('\n')).toMatch(/another credits server \(pid \d+\) is using/);
  });
});
