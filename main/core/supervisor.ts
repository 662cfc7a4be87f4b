// Starts the embedded credits server as a child process, waits for it to be ready and healthy, and restarts it with backoff if it dies.
import { EventEmitter } from 'node:events';
import { fork } from 'node:child_process';

/** A started child process, whatever started it (child_process.fork here, Electron's utilityProcess in the app). */
export interface ChildHandle {
  readonly pid: number | undefined;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export type Spawner = (entry: string, args: string[]) => ChildHandle;

export interface ReadyInfo {
  url: string;
  /** the embedded server's catalog signing key, pinned by the app (it arrives over IPC, not the network) */
  catalogPublicKey?: string;
  localAccount?: { accountId: string; token: string };
}

export const READY_TIMEOUT_MS = 30_000;
export const HEALTH_TIMEOUT_MS = 5_000;
export const RESTART_INITIAL_MS = 500;
export const RESTART_MAX_MS = 30_000;
/** after this long up, a crash counts as the first again */
export const STABLE_AFTER_MS = 60_000;
const MAX_LOG_LINES = 200;

/** child_process.fork with a bounded tail of the child's output kept for error messages. */
export function nodeSpawner(log: (line: string) => void = () => {}): Spawner {
  return (entry, args) => {
    const child = fork(entry, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] });
    child.stdout?.on('data', (d: Buffer) => log(d.toString('utf8').trimEnd()));
    child.stderr?.on('data', (d: Buffer) => log(d.toString('utf8').trimEnd()));
    return {
      pid: child.pid,
      onMessage: (l) => child.on('message', l),
      onExit: (l) => child.on('exit', (code) => l(code)),
      kill: () => child.kill('SIGTERM'),
    };
  };
}

export interface SupervisorOptions {
  spawn: Spawner;
  entry: string;
  args: string[];
  readyTimeoutMs?: number;
  restartInitialMs?: number;
  restartMaxMs?: number;
  now?: () => number;
}

function isReady(m: unknown): m is ReadyInfo & { type: 'credits-server-ready' } {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'credits-server-ready' && typeof (m as { url?: unknown }).url === 'string';
}

/**
 * Events: 'ready' (ReadyInfo) after every (re)start that answered its health check; 'down' (reason) when it exits or fails
 * to start. It keeps restarting, with exponential backoff capped at restartMaxMs, until stop().
 */
export class ServerSupervisor extends EventEmitter {
  private child: ChildHandle | null = null;
  private stopped = false;
  private failures = 0;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  readonly logTail: string[] = [];
  current: ReadyInfo | null = null;

  constructor(private readonly opts: SupervisorOptions) {
    super();
  }

  log(line: string): void {
    this.logTail.push(line);
    if (this.logTail.length > MAX_LOG_LINES) this.logTail.shift();
  }

  /** Starts the server; resolves with the first ready answer, rejects if the first start fails. Later failures restart it. */
  start(): Promise<ReadyInfo> {
    return new Promise((resolve, reject) => {
      const onReady = (info: ReadyInfo) => {
        this.off('down', onDown);
        resolve(info);
      };
      const onDown = (reason: string) => {
        this.off('ready', onReady);
        reject(new Error(reason));
      };
      this.once('ready', onReady);
      this.once('down', onDown);
      this.launch();
    });
  }

  private launch(): void {
    if (this.stopped) return;
    const now = this.opts.now ?? Date.now;
    this.startedAt = now();
    const child = this.opts.spawn(this.opts.entry, this.opts.args);
    this.child = child;
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      this.log(`server did not become ready within ${this.opts.readyTimeoutMs ?? READY_TIMEOUT_MS} ms`);
      child.kill();
    }, this.opts.readyTimeoutMs ?? READY_TIMEOUT_MS);
    child.onMessage((m) => {
      if (settled || !isReady(m)) {
        if (typeof m === 'object' && m && (m as { type?: unknown }).type === 'credits-server-failed') this.log(String((m as { message?: unknown }).message));
        return;
      }
      settled = true;
      clearTimeout(timer);
      void this.checkHealth(m.url).then((ok) => {
        if (!ok) {
          this.log(`server at ${m.url} did not answer its health check`);
          child.kill();
          return;
        }
        this.current = { url: m.url, ...(m.catalogPublicKey ? { catalogPublicKey: m.catalogPublicKey } : {}), ...(m.localAccount ? { localAccount: m.localAccount } : {}) };
        this.emit('ready', this.current);
      });
    });
    child.onExit((code) => {
      clearTimeout(timer);
      settled = true;
      if (this.child === child) this.child = null;
      this.current = null;
      if (this.stopped) return;
      const reason = `the credits server stopped (exit code ${code ?? 'signal'})${this.logTail.length ? `: ${this.logTail.slice(-3).join(' | ')}` : ''}`;
      this.emit('down', reason);
      this.scheduleRestart();
    });
  }

  private async checkHealth(url: string): Promise<boolean> {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
      return res.ok;
    } catch {
      return false;
    }
  }

  /** Exponential backoff: initial × 2^failures, capped; a server that stayed up a while starts again from the initial delay. */
  nextDelayMs(): number {
    const now = this.opts.now ?? Date.now;
    if (now() - this.startedAt > STABLE_AFTER_MS) this.failures = 0;
    const initial = this.opts.restartInitialMs ?? RESTART_INITIAL_MS;
    const max = this.opts.restartMaxMs ?? RESTART_MAX_MS;
    const delay = Math.min(max, initial * 2 ** Math.min(this.failures, 20));
    this.failures++;
    return delay;
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer) return;
    const delay = this.nextDelayMs();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.launch();
    }, delay);
  }

  /** Stops the server and any pending restart; resolves when the child has exited (or after a grace period). */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, graceMs);
      child.onExit(() => {
        clearTimeout(t);
        resolve();
      });
      child.kill();
    });
  }
}
