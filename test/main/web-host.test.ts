// Browser mode's host: serves the renderer with the bridge, answers calls over the WebSocket only with the launch token and same origin.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHost } from '../../main/web/host';
import { BRIDGE_PATH } from '../../shared/ipc/bridge-protocol';
import { ROOT, requireBuilt, SERVER_ENTRY } from './built';
import { startServer, type TestServer } from '../server/helpers';

let host: Awaited<ReturnType<typeof startHost>>;
let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startServer('pglite');
  ({ token } = await server.newAccount('free', 'Web'));
  host = await startHost({
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'credits-host-')),
    port: 0,
    rendererDir: path.dirname(requireBuilt(path.join(ROOT, 'out/renderer/index.html'))),
    bridgeScript: requireBuilt(path.join(ROOT, 'out/web/bridge.js')),
    serverEntry: SERVER_ENTRY,
    remoteUrl: server.url,
    token,
  });
});
afterAll(async () => {
  await host.close();
  await server.close();
});

function connect(query: string, origin: string | undefined): Promise<{ ws: WebSocket; closeCode: Promise<number> }> {
  const ws = new WebSocket(`${host.url.replace('http', 'ws')}${BRIDGE_PATH}${query}`, origin ? { origin } : {});
  const closeCode = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve({ ws, closeCode }));
    ws.on('error', reject);
  });
}

const launchToken = () => new URL(host.launchUrl).hash.replace('#token=', '');

describe('browser mode host', () => {
  it('serves the renderer with the bridge script injected, without the token in the page', async () => {
    const html = await fetch(host.url).then((r) => r.text());
    expect(html).toContain('/__credits/bridge.js');
    expect(html).not.toContain(launchToken());
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('closes sockets with a wrong token or from another origin', async () => {
    const wrong = await connect('?token=nope', host.url);
    expect(await wrong.closeCode).toBe(4401);
    const foreign = await connect(`?token=${launchToken()}`, 'http://evil.example');
    expect(await foreign.closeCode).toBe(4401);
    const none = await connect(`?token=${launchToken()}`, undefined);
    expect(await none.closeCode).toBe(4401);
  });

  it('answers calls from the page, and refuses bad ones with a clear error', async () => {
    const { ws } = await connect(`?token=${launchToken()}`, host.url);
    const answers: unknown[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { type: string };
      if (m.type === 'result') answers.push(m);
    });
    ws.send(JSON.stringify({ type: 'call', id: 1, method: 'refreshWallet' }));
    ws.send(JSON.stringify({ type: 'call', id: 2, method: 'deleteEverything' }));
    ws.send(JSON.stringify({ type: 'call', id: 3, method: 'getWalletView', input: { x: 1 } }));
    ws.send('not json at all');
    await expect.poll(() => answers.length, { timeout: 10_000 }).toBe(3);
    const byId = Object.fromEntries((answers as { id: number; result: { ok: boolean; value?: { wallet: { availableMc: number } }; error?: { code: string } } }[]).map((a) => [a.id, a.result]));
    expect(byId[1]).toMatchObject({ ok: true, value: { wallet: { availableMc: 60_000 } } });
    expect(byId[2]).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(byId[3]).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    ws.close();
  });
});
