// Browser mode's host: serves the renderer with the bridge, answers calls over the WebSocket only with the launch token and same origin, and serves a saved receipt as a one-time download.
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

  it("saves a purchase's receipt as a download the page fetches once", async () => {
    const bought = await server.as(token, 'POST', '/v1/purchases', { packId: 'pack-200', country: 'US' });
    await fetch(`${server.url}/checkout/test/${bought.body.id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"action":"pay"}' });
    const { ws } = await connect(`?token=${launchToken()}`, host.url);
    const call = callOver(ws);
    await call('refreshWallet');
    let entryId = 0;
    await expect
      .poll(async () => {
        const page = (await call('queryHistory', { filter: { kinds: ['purchase'] }, offset: 0, limit: 10 })) as { value: { items: { type: string; entry: { id: number } }[] } };
        entryId = page.value.items[0]?.entry.id ?? 0;
        return entryId;
      }, { timeout: 15_000 })
      .toBeGreaterThan(0);
    const saved = (await call('saveReceipt', { entryId })) as { ok: boolean; value: { downloadUrl: string; fileName: string; path: null } };
    expect(saved).toMatchObject({ ok: true, value: { saved: true, path: null, fileName: `credits-desk-receipt-${bought.body.id}.txt` } });
    const file = await fetch(`${host.url}${saved.value.downloadUrl}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="${saved.value.fileName}"; filename*=UTF-8''${saved.value.fileName}`);
    const text = await file.text();
    expect(text).toContain('Paid with:        Visa •••• 4242');
    expect(text).toContain(`Purchase:         ${bought.body.id}`);
    // once: a second fetch, or a guessed address, finds nothing
    expect((await fetch(`${host.url}${saved.value.downloadUrl}`)).status).toBe(404);
    expect((await fetch(`${host.url}/__credits/downloads/nope`)).status).toBe(404);
    ws.close();
  });
});

/** Calls window.credits' methods over the bridge socket, as the page does. */
function callOver(ws: WebSocket): (method: string, input?: unknown) => Promise<unknown> {
  let next = 100;
  const waiting = new Map<number, (r: unknown) => void>();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as { type: string; id: number; result: unknown };
    if (m.type === 'result') waiting.get(m.id)?.(m.result);
  });
  return (method, input) =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ type: 'call', id, method, input }));
    });
}
