// check:faults: the built credits server as a real process on 127.0.0.1, started, killed with SIGKILL, restarted and stopped.
/* global fetch, AbortSignal -- Node 20 globals */
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import net from 'node:net';
import { sleep } from './util.mjs';

export const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

/** A free port on the loopback, kept for every restart so that clients keep one address. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export class ServerProcess {
  /** @param {{ entry: string, dataDir: string, databaseUrl: string, port: number, adminToken: string, logFile: string, extraArgs: string[] }} opts */
  constructor(opts) {
    this.opts = opts;
    this.url = `http://127.0.0.1:${opts.port}`;
    this.child = null;
    this.starts = 0;
    this.kills = 0;
    this.log = createWriteStream(opts.logFile, { flags: 'a' });
    this.#resetUp();
  }

  #resetUp() {
    this.upPromise = new Promise((resolve) => (this.markUp = resolve));
  }

  /** Resolves when the server answers its health check (at once if it does now). */
  whenUp() {
    return this.upPromise;
  }

  async start(latencyMs) {
    const { entry, dataDir, databaseUrl, port, adminToken, extraArgs } = this.opts;
    const args = [entry, '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--database-url', databaseUrl, '--engine-latency-ms', String(latencyMs), ...extraArgs];
    const child = spawn(process.execPath, args, { env: { ...process.env, CREDITS_ADMIN_TOKEN: adminToken, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.starts++;
    this.log.write(`\n--- start #${this.starts} (pid ${child.pid}, latency ${latencyMs} ms) at ${new Date().toISOString()}\n`);
    child.stdout.pipe(this.log, { end: false });
    child.stderr.pipe(this.log, { end: false });
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.exited = exited;
    const end = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < end) {
      const gone = await Promise.race([exited, sleep(100).then(() => null)]);
      if (gone) throw new Error(`the server exited while starting (${gone.code ?? gone.signal}); see ${this.opts.logFile}`);
      try {
        const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) {
          this.markUp();
          return;
        }
      } catch {
        // not listening yet
      }
    }
    child.kill('SIGKILL');
    throw new Error(`the server did not answer /health within ${READY_TIMEOUT_MS} ms; see ${this.opts.logFile}`);
  }

  /** kill -9: no shutdown hooks, transactions cut wherever they are. */
  async kill9() {
    const child = this.child;
    if (!child) return;
    this.#resetUp();
    this.kills++;
    this.log.write(`\n--- SIGKILL pid ${child.pid} at ${new Date().toISOString()}\n`);
    child.kill('SIGKILL');
    await child.exited;
    this.child = null;
  }

  /** A clean stop (SIGTERM), SIGKILL if it does not exit within the grace period. */
  async stop() {
    const child = this.child;
    if (!child) return;
    this.#resetUp();
    child.kill('SIGTERM');
    const done = await Promise.race([child.exited, sleep(STOP_GRACE_MS).then(() => null)]);
    if (!done) {
      child.kill('SIGKILL');
      await child.exited;
    }
    this.child = null;
  }

  logTail(lines = 20) {
    try {
      return readFileSync(this.opts.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}
