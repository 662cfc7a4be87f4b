// Test doubles for the embedded server: a child process that speaks the IPC contract on cue, and a small HTTP server with a health
// route and a token-checked wallet, so the supervisor and the app core can be tested without the real server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppToServerMessage, ServerToAppMessage } from '../../shared/api/embedded';
import type { Wallet } from '../../shared/api/index';
import type { ChildHandle, Spawner } from '../../main/core/supervisor';

/** A child process that records what the app sends it and says what the test tells it to. */
export class FakeChild implements ChildHandle {
  readonly pid = 4242;
  readonly sent: AppToServerMessage[] = [];
  killed = false;
  private readonly messageListeners: ((m: unknown) => void)[] = [];
  private readonly exitListeners: ((code: number | null) => void)[] = [];
  /** called for every message the app sends, to answer it */
  onSent: (m: AppToServerMessage) => void = () => {};

  onMessage(listener: (message: unknown) => void): void {
    this.messageListeners.push(listener);
  }
  onExit(listener: (code: number | null) => void): void {
    this.exitListeners.push(listener);
  }
  send(message: AppToServerMessage): void {
    this.sent.push(message);
    this.onSent(message);
  }
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    setImmediate(() => this.exit(null));
  }
  /** The child says something: anything, valid or not, as over a real IPC channel. */
  say(message: ServerToAppMessage | unknown): void {
    for (const l of this.messageListeners) l(message);
  }
  exit(code: number | null): void {
    for (const l of this.exitListeners) l(code);
  }
}

/** A spawner handing out fake children; `children` holds each one started, in order. */
export function fakeSpawner(onSpawn: (child: FakeChild) => void = () => {}): { spawn: Spawner; children: FakeChild[] } {
  const children: FakeChild[] = [];
  return {
    children,
    spawn: () => {
      const child = new FakeChild();
      children.push(child);
      setImmediate(() => onSpawn(child));
      return child;
    },
  };
}

export function walletFor(accountId: string, revision = 1): Wallet {
  return { accountId, displayName: 'Local you', planId: 'free', serverTimeMs: Date.now(), availableMc: 60_000, heldMc: 0, grants: [], nextDailyResetMs: Date.now() + 3_600_000, revision };
}

/** An HTTP server that answers /health, and /v1/wallet for the one token it accepts (401 otherwise); everything else is 404. */
export async function fakeHttpServer(): Promise<{ url: string; acceptToken(token: string): void; setWallet(w: Wallet): void; requests: string[]; close(): Promise<void> }> {
  let accepted: string | null = null;
  let wallet: Wallet | null = null;
  const requests: string[] = [];
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
    if (req.url === '/health') return json(res, 200, { ok: true, serverTimeMs: Date.now(), version: 'fake', storage: 'pglite' });
    if (accepted === null || req.headers.authorization !== `Bearer ${accepted}`) return json(res, 401, { error: { code: 'unauthorized', message: 'unknown or revoked token' } });
    if (req.url === '/v1/wallet') return json(res, 200, wallet ?? walletFor('local'));
    return json(res, 404, { error: { code: 'not_found', message: 'not here' } });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    acceptToken: (t) => (accepted = t),
    setWallet: (w) => (wallet = w),
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
