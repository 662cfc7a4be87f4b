// Starts the embedded credits server as a child process, waits for it to be ready and healthy, restarts it with backoff if it dies,
// and asks it over the IPC channel for a new token for the local account.
import { EventEmitter } from 'node:events';
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { serverToAppMessageSchema, type AppToServerMessage, type LocalTokenMessage, type ReadyMessage } from '../../shared/api/embedded';
import { backoffDelayMs } from '../../shared/rules/backoff';
import { issuesText } from '../../shared/rules/issues';
import { CreditsApiClient } from './api-client';
import { HEALTH_TIMEOUT_MS, SERVER_RESTART_BACKOFF } from './http';

/** A started child process, whatever started it (child_process.fork here, Electron's utilityProcess in the app). */
export interface ChildHandle {
  readonly pid: number | undefined;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  /** Sends a message over the IPC channel; a child that is gone drops it (the sender times out). */
  send(message: AppToServerMessage): void;
  kill(): void;
}

export type Spawner = (entry: string, args: string[]) => ChildHandle;

/** a first start creates the database: on a slow or busy machine that alone can take half a minute */
export const READY_TIMEOUT_MS = 60_000;
export const LOCAL_TOKEN_TIMEOUT_MS = 10_000;
/** token requests waiting for an answer at once: more means something loops */
export const MAX_TOKEN_REQUESTS = 4;
/** after this long up, a crash counts as the first again */
export const STABLE_AFTER_MS = 60_000;
const MAX_LOG_LINES = 200;

/** child_process.fork with a bounded tail of the child's output kept for error messages. */
/**
 * V8 settings for the embedded server, a background service: a 1 MB young generation instead of up to 16 MB per semi-space
 * (idle RSS 254 -> 223 MB here, no slower start). Both shells pass them (browser mode's fork, Electron's utilityProcess).
 */
export const EMBEDDED_SERVER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=1'];

export function nodeSpawner(log: (line: string) => void = () => {}): Spawner {
  return (entry, args) => {
    const child = fork(entry, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [...EMBEDDED_SERVER_EXEC_ARGV] });
    child.stdout?.on('data', (d: Buffer) => log(d.toString('utf8').trimEnd()));
    child.stderr?.on('data', (d: Buffer) => log(d.toString('utf8').trimEnd()));
    return {
      pid: child.pid,
      onMessage: (l) => child.on('message', l),
      onExit: (l) => child.on('exit', (code) => l(code)),
      send: (m) => {
        if (!child.connected) return;
        child.send(m, (err) => {
          if (err) log(`could not send ${m.type} to the credits server: ${err.message}`);
        });
      },
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
  localTokenTimeoutMs?: number;
  now?: () => number;
  /** the backoff's jitter, for tests */
  random?: () => number;
}

interface TokenRequest {
  resolve(answer: LocalTokenMessage): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Events: 'ready' (ReadyMessage) after every (re)start that answered its health check; 'down' (reason) when it exits or fails
 * to start. It keeps restarting, with capped exponential backoff, until stop().
 */
export class ServerSupervisor extends EventEmitter {
  private child: ChildHandle | null = null;
  private stopped = false;
  private failures = 0;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly tokenRequests = new Map<string, TokenRequest>();
  readonly logTail: string[] = [];
  current: ReadyMessage | null = null;

  constructor(private readonly opts: SupervisorOptions) {
    super();
  }

  log(line: string): void {
    this.logTail.push(line);
    if (this.logTail.length > MAX_LOG_LINES) this.logTail.shift();
  }

  /** Starts the server; resolves with the first ready answer, rejects if the first start fails. Later failures restart it. */
  start(): Promise<ReadyMessage> {
    return new Promise((resolve, reject) => {
      const onReady = (info: ReadyMessage) => {
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
    this.startedAt = this.now();
    const child = this.opts.spawn(this.opts.entry, this.opts.args);
    this.child = child;
    let readyTimer: NodeJS.Timeout | null = setTimeout(() => {
      readyTimer = null;
      this.log(`server did not become ready within ${this.opts.readyTimeoutMs ?? READY_TIMEOUT_MS} ms`);
      child.kill();
    }, this.opts.readyTimeoutMs ?? READY_TIMEOUT_MS);
    child.onMessage((raw) => {
      const parsed = serverToAppMessageSchema.safeParse(raw);
      if (!parsed.success) return this.log(`ignored a message from the credits server that is not in the contract: ${issuesText(parsed.error.issues, { max: 1 })}`);
      const m = parsed.data;
      if (m.type === 'credits-server-failed') return this.log(m.message);
      if (m.type === 'local-token') return this.answerTokenRequest(m);
      if (!readyTimer) return; // a second ready, or one after the deadline: the first decided
      clearTimeout(readyTimer);
      readyTimer = null;
      void this.checkHealth(m.url).then((ok) => {
        if (this.child !== child) return;
        if (!ok) {
          this.log(`server at ${m.url} did not answer its health check`);
          child.kill();
          return;
        }
        this.current = m;
        this.emit('ready', m);
      });
    });
    child.onExit((code) => this.onChildExit(child, code, readyTimer));
  }

  private onChildExit(child: ChildHandle, code: number | null, readyTimer: NodeJS.Timeout | null): void {
    if (readyTimer) clearTimeout(readyTimer);
    if (this.child !== child) return;
    this.child = null;
    this.current = null;
    this.failTokenRequests('the credits server stopped before it answered');
    if (this.stopped) return;
    const reason = `the credits server stopped (exit code ${code ?? 'signal'})${this.logTail.length ? `: ${this.logTail.slice(-3).join(' | ')}` : ''}`;
    this.emit('down', reason);
    this.scheduleRestart();
  }

  private async checkHealth(url: string): Promise<boolean> {
    try {
      await new CreditsApiClient(url, null, this.now.bind(this), HEALTH_TIMEOUT_MS).health();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Asks the running server for a new token for the local account, over the IPC channel (only the process that started the
   * server can), and resolves with its answer; rejects when there is no server, it stops first, or it does not answer in time.
   */
  requestLocalToken(): Promise<LocalTokenMessage> {
    const child = this.child;
    if (!child || !this.current) return Promise.reject(new Error('the credits server is not running'));
    if (this.tokenRequests.size >= MAX_TOKEN_REQUESTS) return Promise.reject(new Error('too many token requests are waiting for the credits server'));
    const timeoutMs = this.opts.localTokenTimeoutMs ?? LOCAL_TOKEN_TIMEOUT_MS;
    const requestId = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.tokenRequests.delete(requestId);
        reject(new Error(`the credits server did not issue a token within ${timeoutMs} ms`));
      }, timeoutMs);
      this.tokenRequests.set(requestId, { resolve, reject, timer });
      child.send({ type: 'issue-local-token', requestId });
    });
  }

  private answerTokenRequest(m: LocalTokenMessage): void {
    const req = this.tokenRequests.get(m.requestId);
    if (!req) return this.log('ignored a local token nobody asked for (or asked too long ago)');
    this.tokenRequests.delete(m.requestId);
    clearTimeout(req.timer);
    req.resolve(m);
  }

  private failTokenRequests(reason: string): void {
    for (const req of this.tokenRequests.values()) {
      clearTimeout(req.timer);
      req.reject(new Error(reason));
    }
    this.tokenRequests.clear();
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** The delay before the next restart (the one backoff); a server that stayed up a while starts again from the first delay. */
  nextDelayMs(): number {
    if (this.now() - this.startedAt > STABLE_AFTER_MS) this.failures = 0;
    const policy = { initialMs: this.opts.restartInitialMs ?? SERVER_RESTART_BACKOFF.initialMs, maxMs: this.opts.restartMaxMs ?? SERVER_RESTART_BACKOFF.maxMs };
    return backoffDelayMs(this.failures++, policy, this.opts.random);
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.launch();
    }, this.nextDelayMs());
  }

  /** Stops the server and any pending restart; resolves when the child has exited (or after a grace period). */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.failTokenRequests('the app is stopping');
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
