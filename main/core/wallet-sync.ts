// Keeps the app's picture of the wallet current: cached view first, then a fetch, then the server's SSE stream; offline-aware with backoff.
import { EventEmitter } from 'node:events';
import { EventSource } from 'eventsource';
import { generationEventSchema, ledgerEventSchema, trainingEventSchema, walletEventSchema, type Wallet } from '../../shared/api/index';
import type { ConnectionState, WalletView } from '../../shared/ipc/contract';
import { backoffDelayMs } from '../../shared/rules/backoff';
import { isNewerWallet } from '../../shared/rules/wallet-order';
import { ApiClientError, type CreditsApiClient } from './api-client';
import { WALLET_RETRY_BACKOFF } from './http';
import type { WalletCache } from './wallet-cache';

/** a little after midnight, so the server has certainly passed it */
const RESET_MARGIN_MS = 1_000;
const MAX_TIMER_MS = 2 ** 31 - 1;
/** a streamed wallet whose server time disagrees with our offset by more than this triggers a fresh round-trip measurement */
export const CLOCK_RESYNC_THRESHOLD_MS = 2_000;

export interface WalletSyncOptions {
  /** the identity of the server the cache belongs to: "embedded" or the remote URL */
  serverIdentity: string;
  serverKind: WalletView['serverKind'];
  cache: WalletCache;
  now?: () => number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  random?: () => number;
}

/** Emits 'view' (WalletView) on every change, 'ledger' and 'generation' for streamed entries and run updates, 'connected' (client) after each successful connect. */
export class WalletSync extends EventEmitter {
  client: CreditsApiClient | null = null;
  private stream: EventSource | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private resetTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private stopped = false;
  private connecting: Promise<WalletView> | null = null;
  /** the newest ledger entry seen on the stream: sent as Last-Event-ID so a new stream resumes after it */
  lastLedgerId: number | null = null;
  view: WalletView;

  constructor(private readonly opts: WalletSyncOptions) {
    super();
    this.view = { wallet: null, source: 'none', connection: 'connecting', asOfServerMs: null, clockOffsetMs: 0, lastError: null, serverKind: opts.serverKind };
    const cached = opts.cache.load();
    if (cached && cached.serverUrl === opts.serverIdentity) {
      this.view = { ...this.view, wallet: cached.wallet, source: 'cache', asOfServerMs: cached.wallet.serverTimeMs, clockOffsetMs: cached.clockOffsetMs };
    }
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** The server's clock now, from ours and the offset measured at the last sync. */
  serverNow(): number {
    return this.now() + this.view.clockOffsetMs;
  }

  private update(patch: Partial<WalletView>): void {
    this.view = { ...this.view, ...patch };
    this.emit('view', this.view);
  }

  /** Points the sync at a (new) server address, e.g. after the embedded server restarted on another port, and connects. */
  useClient(client: CreditsApiClient): Promise<WalletView> {
    this.closeStream();
    this.client = client;
    this.failures = 0;
    return this.connect();
  }

  /** The server is known to be down (its process exited): say so now rather than at the next failed request. */
  markDown(reason: string): void {
    this.closeStream();
    this.client = null;
    this.update({ connection: 'offline', source: this.view.wallet ? 'cache' : 'none', lastError: reason, notAnswering: false });
  }

  /** Fetches the wallet now; resolves with the view after the attempt, whether it worked or not. */
  refresh(): Promise<WalletView> {
    if (!this.client) return Promise.resolve(this.view);
    return this.connect();
  }

  private connect(): Promise<WalletView> {
    if (this.connecting) return this.connecting;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    const client = this.client;
    if (!client || this.stopped) return Promise.resolve(this.view);
    if (this.view.connection !== 'online') this.update({ connection: this.view.wallet && this.failures > 0 ? 'reconnecting' : this.view.connection });
    this.connecting = (async () => {
      try {
        const { wallet, clockOffsetMs } = await client.wallet();
        if (client !== this.client || this.stopped) return this.view;
        this.failures = 0;
        this.apply(wallet, clockOffsetMs);
        this.openStream(client);
        this.emit('connected', client);
      } catch (e) {
        if (client === this.client && !this.stopped) this.fail(e);
      } finally {
        this.connecting = null;
      }
      return this.view;
    })();
    return this.connecting;
  }

  private apply(wallet: Wallet, clockOffsetMs: number): void {
    const cur = this.view.wallet;
    if (cur && isNewerWallet(cur, wallet)) {
      if (this.view.source === 'live') return; // a late, older snapshot of this session
      // The server's own answer is older than what the cache holds: its history was reset (a new database). The cache is no
      // evidence against the server, so it goes, and the cache's own never-go-back rule does not keep the old wallet.
      this.opts.cache.clear();
    }
    this.opts.cache.save(this.opts.serverIdentity, wallet, clockOffsetMs, this.now());
    this.update({ wallet, source: 'live', connection: 'online', asOfServerMs: wallet.serverTimeMs, clockOffsetMs, lastError: null, notAnswering: false });
    this.scheduleResetRefresh(wallet, clockOffsetMs);
  }

  /** Refetches just after the next daily reset (server time), so the new day's credits appear without a reload. */
  private scheduleResetRefresh(wallet: Wallet, clockOffsetMs: number): void {
    if (this.resetTimer) clearTimeout(this.resetTimer);
    const localResetMs = wallet.nextDailyResetMs - clockOffsetMs + RESET_MARGIN_MS;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, localResetMs - this.now()));
    this.resetTimer = setTimeout(() => void this.refresh(), delay);
    this.resetTimer.unref?.();
  }

  private fail(e: unknown): void {
    this.closeStream();
    const err = e instanceof ApiClientError ? e : new ApiClientError('offline', e instanceof Error ? e.message : String(e));
    const state: ConnectionState = err.code === 'offline' || err.code === 'timeout' ? 'offline' : 'reconnecting';
    this.update({ connection: state, source: this.view.wallet ? 'cache' : 'none', lastError: err.message, notAnswering: err.code === 'timeout' });
    if (err.code === 'unauthorized') this.emit('unauthorized', err);
    this.scheduleRetry();
  }

  /** The delay before the next reconnect (the one backoff). */
  retryDelayMs(): number {
    const policy = { initialMs: this.opts.retryInitialMs ?? WALLET_RETRY_BACKOFF.initialMs, maxMs: this.opts.retryMaxMs ?? WALLET_RETRY_BACKOFF.maxMs };
    return backoffDelayMs(this.failures++, policy, this.opts.random);
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, this.retryDelayMs());
    this.retryTimer.unref?.();
  }

  private openStream(client: CreditsApiClient): void {
    this.closeStream();
    // resumes after the newest ledger entry seen here or in history (app-core moves lastLedgerId on after a history sync); a stream
    // silent past its heartbeats is a server not answering (hung, or the network between), said at once
    const quiet = { stream: null as EventSource | null };
    const { url, fetch } = client.walletEvents(
      () => this.lastLedgerId,
      (silentMs) => {
        if (this.stream === quiet.stream) this.quiet(silentMs);
      },
    );
    const es = new EventSource(url, { fetch });
    this.stream = quiet.stream = es;
    es.addEventListener('wallet', (ev) => {
      if (this.stream !== es) return;
      const parsed = walletEventSchema.safeParse(safeJson(ev.data));
      if (!parsed.success) return; // never show a wallet that does not validate
      const offset = this.view.clockOffsetMs;
      const skewMs = parsed.data.wallet.serverTimeMs - (this.now() + offset);
      this.apply(parsed.data.wallet, offset);
      // The server's clock moved against ours (a test clock, a corrected system clock): measure it again.
      if (Math.abs(skewMs) > CLOCK_RESYNC_THRESHOLD_MS) void this.remeasure(client);
    });
    es.addEventListener('ledger', (ev) => {
      if (this.stream !== es) return;
      const parsed = ledgerEventSchema.safeParse(safeJson(ev.data));
      if (!parsed.success) return;
      const entry = parsed.data.entry;
      if (this.lastLedgerId !== null && entry.id <= this.lastLedgerId) return; // already seen
      this.lastLedgerId = entry.id;
      this.emit('ledger', entry);
    });
    es.addEventListener('generation', (ev) => {
      if (this.stream !== es) return;
      const parsed = generationEventSchema.safeParse(safeJson(ev.data));
      if (parsed.success) this.emit('generation', parsed.data.generation);
    });
    es.addEventListener('training', (ev) => {
      if (this.stream !== es) return;
      const parsed = trainingEventSchema.safeParse(safeJson(ev.data));
      if (parsed.success) this.emit('training', parsed.data.training);
    });
    es.onerror = () => {
      if (this.stream !== es) return;
      this.closeStream();
      this.update({ connection: 'reconnecting' });
      this.scheduleRetry();
    };
  }

  /** The open stream heard nothing, not even the heartbeat, for `silentMs`: the server stopped answering; reconnect with backoff. */
  private quiet(silentMs: number): void {
    this.closeStream();
    const lastError = `The credits server is not answering (its event stream has been silent for ${Math.round(silentMs / 100) / 10} s). Showing your last known balance; retrying automatically.`;
    this.update({ connection: 'reconnecting', source: this.view.wallet ? 'cache' : 'none', lastError, notAnswering: true });
    this.scheduleRetry();
  }

  private async remeasure(client: CreditsApiClient): Promise<void> {
    try {
      const { wallet, clockOffsetMs } = await client.wallet();
      if (client === this.client && !this.stopped) this.apply(wallet, clockOffsetMs);
    } catch {
      // the stream's error handler deals with a server that went away
    }
  }

  private closeStream(): void {
    if (this.stream) {
      this.stream.close();
      this.stream = null;
    }
  }

  stop(): void {
    this.stopped = true;
    this.closeStream();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.resetTimer) clearTimeout(this.resetTimer);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
