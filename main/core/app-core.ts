// The composition of the main-process core, shared by Electron and browser mode: server (embedded or remote), token, cache, sync, IPC handlers.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { GENERATION_ID_PATTERN, OUTPUT_NAME_PATTERN, type Generation } from '../../shared/api/index';
import type { WalletView } from '../../shared/ipc/contract';
import { CatalogSignatureError, CatalogStore } from './catalog-store';
import { GenerationsCore } from './generations';
import { HistoryStore } from './history';
import { WarningsCore } from './warnings';
import { cacheSecret } from './stores';
import { CreditsApiClient } from './api-client';
import type { IpcHandlers } from './ipc-dispatch';
import type { KeyValueStore, TokenStore } from './stores';
import { ServerSupervisor, type ReadyInfo, type Spawner } from './supervisor';
import { WalletCache } from './wallet-cache';
import { WalletSync } from './wallet-sync';

export const LOCAL_ACCOUNT_ID = 'local';

export type ServerChoice =
  | { kind: 'embedded'; entry: string; spawn: Spawner; extraArgs?: string[]; localName?: string }
  | { kind: 'remote'; url: string };

export interface AppCoreOptions {
  dataDir: string;
  store: KeyValueStore;
  tokenStore: TokenStore;
  server: ServerChoice;
  now?: () => number;
  log?: (line: string) => void;
  /** where the renderer loads a run's output from; the shell serves it with fetchOutput */
  outputUrl(generationId: string, name: string): string;
  /** a remote server's catalog key from configuration (base64 SPKI); without one the key is pinned at first contact */
  catalogKey?: string | undefined;
}

/** Emits the IPC events for the renderer: 'walletView', 'generation', 'notice'. */
export class AppCore extends EventEmitter {
  readonly sync: WalletSync;
  readonly catalog: CatalogStore;
  readonly generations: GenerationsCore;
  readonly history: HistoryStore;
  readonly warnings: WarningsCore;
  readonly supervisor: ServerSupervisor | null = null;
  readonly handlers: IpcHandlers;
  private readonly serverDataDir: string;

  constructor(private readonly opts: AppCoreOptions) {
    super();
    this.serverDataDir = path.join(opts.dataDir, 'server');
    const identity = opts.server.kind === 'embedded' ? 'embedded' : opts.server.url;
    this.sync = new WalletSync({ serverIdentity: identity, serverKind: opts.server.kind, cache: new WalletCache(opts.store, cacheSecret(opts.dataDir)), ...(opts.now ? { now: opts.now } : {}) });
    this.sync.on('view', (v: WalletView) => this.emit('walletView', v));
    this.sync.on('unauthorized', () => this.onUnauthorized());
    this.catalog = new CatalogStore(opts.store, identity);
    if (opts.catalogKey) this.catalog.pin(opts.catalogKey);
    this.history = new HistoryStore(path.join(opts.dataDir, 'history.json'), identity);
    this.warnings = new WarningsCore(opts.store);
    this.warnings.on('warnings', (w) => this.emit('warnings', w));
    // A system notification in Electron; in browser mode the banner is the only warning.
    this.warnings.on('notify', (n: { title: string; body: string }) => this.emit('notify', n));
    this.sync.on('view', (v: WalletView) => {
      if (v.wallet) this.warnings.evaluate(v.wallet, v.source === 'live', this.catalog.get(), this.sync.serverNow());
    });
    this.sync.on('ledger', (entry) => {
      if (this.history.add([entry])) this.emit('historyChanged', { size: this.history.size });
    });
    this.generations = new GenerationsCore({ store: opts.store, sync: this.sync, catalog: this.catalog, outputUrl: opts.outputUrl, ...(opts.now ? { now: opts.now } : {}) });
    this.generations.on('generation', (g) => this.emit('generation', g));
    this.generations.on('notice', (n) => this.emit('notice', n));
    this.sync.on('generation', (g: Generation) => this.generations.track(g));
    this.sync.on('connected', (client: CreditsApiClient) => void this.onConnected(client));
    if (opts.server.kind === 'embedded') {
      const name = opts.server.localName ?? os.userInfo().username;
      this.supervisor = new ServerSupervisor({
        spawn: opts.server.spawn,
        entry: opts.server.entry,
        args: ['--embedded', '--data-dir', this.serverDataDir, '--port', '0', '--local-name', name, ...(opts.server.extraArgs ?? [])],
      });
    }
    this.handlers = {
      getWalletView: () => this.sync.view,
      refreshWallet: async () => {
        const v = await this.sync.refresh();
        await this.generations.refreshCatalog();
        return v;
      },
      getCatalogView: () => ({
        catalog: this.catalog.get(),
        planId: this.sync.view.wallet?.planId ?? null,
        fetchedAtServerMs: this.catalog.fetchedAtServerMs,
        stale: this.catalog.isStale(this.sync.serverNow()),
      }),
      preflight: (request) => this.generations.preflight(request),
      startGeneration: ({ request, approvedMc }) => this.generations.start(request, approvedMc),
      cancelGeneration: ({ id }) => this.generations.cancel(id),
      getRecentGenerations: () => this.generations.recentViews(),
      getSettings: () => ({ ...this.generations.settings(), tokenStorage: opts.tokenStore.storage }),
      updateSettings: (patch) => {
        const next = this.generations.updateSettings(patch);
        const v = this.sync.view;
        if (v.wallet) this.warnings.evaluate(v.wallet, v.source === 'live', this.catalog.get(), this.sync.serverNow());
        return { ...next, tokenStorage: opts.tokenStore.storage };
      },
      queryHistory: ({ filter, offset, limit }) => ({ ...this.history.query(filter, offset, limit), models: this.history.models(), size: this.history.size }),
      exportHistoryCsv: ({ filter }) => {
        const csv = this.history.csv(filter);
        const day = new Date(this.sync.serverNow()).toISOString().slice(0, 10);
        return { csv, fileName: `credits-history-${day}.csv`, rows: csv.split('\r\n').length - 2 };
      },
      getSpendChart: () => this.history.spendByDay(this.sync.serverNow()),
      getWarnings: () => this.warnings.current,
    };
  }

  /** The cached wallet is available at once; the server connection follows in the background. */
  start(): void {
    const { server } = this.opts;
    if (server.kind === 'remote') {
      const token = this.opts.tokenStore.get();
      if (!token) {
        this.sync.markDown('no account token is configured for the remote credits server; start the app with --token once');
        return;
      }
      void this.sync.useClient(new CreditsApiClient(server.url, token, this.opts.now));
      return;
    }
    const sup = this.supervisor!;
    sup.on('ready', (info: ReadyInfo) => void this.onServerReady(info));
    sup.on('down', (reason: string) => {
      this.opts.log?.(reason);
      this.sync.markDown('the embedded credits server stopped; restarting it');
    });
    sup.start().catch((e: unknown) => this.opts.log?.(`embedded server failed to start: ${(e as Error).message}`));
  }

  /** Every time the server is reachable again: pin its key if needed, refresh prices, settle runs in flight, catch up history. */
  private async onConnected(client: CreditsApiClient): Promise<void> {
    if (!this.catalog.hasPin()) {
      try {
        const { publicKey } = await client.catalogKey();
        this.catalog.pin(publicKey); // first contact with a remote server whose key was not configured
        this.emit('notice', { level: 'info', message: 'Trusted this credits server’s price-signing key on first contact.' });
      } catch {
        // try again on the next connection
      }
    }
    try {
      await this.generations.onConnected(client);
    } catch (e) {
      if (e instanceof CatalogSignatureError) this.emit('notice', { level: 'error', message: e.message });
    }
    this.emit('catalogView', this.handlers.getCatalogView(undefined));
    const accountId = this.sync.view.wallet?.accountId;
    if (accountId) {
      try {
        // resume the stream after what the history already holds, so nothing is missed or repeated
        if (this.sync.lastLedgerId === null || this.sync.lastLedgerId < this.history.maxId) this.sync.lastLedgerId = this.history.maxId || null;
        await this.history.sync(client, accountId);
        this.emit('historyChanged', { size: this.history.size });
      } catch {
        // offline again: the next connection resumes from the newest entry held
      }
    }
  }

  private async onServerReady(info: ReadyInfo): Promise<void> {
    if (info.catalogPublicKey) this.catalog.pin(info.catalogPublicKey);
    try {
      if (info.localAccount) this.opts.tokenStore.set(info.localAccount.token);
      let token = this.opts.tokenStore.get();
      if (!token) token = await this.mintLocalToken(info.url);
      await this.sync.useClient(new CreditsApiClient(info.url, token, this.opts.now));
    } catch (e) {
      this.sync.markDown(`cannot sign in to the embedded credits server: ${(e as Error).message}`);
    }
  }

  /** The local account exists but this app lost its token: the embedded server's admin token (same user, same machine) mints a new one. */
  private async mintLocalToken(url: string): Promise<string> {
    const adminToken = readFileSync(path.join(this.serverDataDir, 'admin-token'), 'utf8').trim();
    const token = await new CreditsApiClient(url, null, this.opts.now).mintToken(adminToken, LOCAL_ACCOUNT_ID, `app-${randomUUID()}`);
    this.opts.tokenStore.set(token);
    return token;
  }

  private unauthorizedOnce = false;
  private onUnauthorized(): void {
    if (this.opts.server.kind !== 'embedded' || this.unauthorizedOnce || !this.supervisor?.current) return;
    this.unauthorizedOnce = true; // one recovery attempt per run: a loop of failures must not mint tokens forever
    this.opts.tokenStore.clear();
    void this.onServerReady(this.supervisor.current);
  }

  /** An output file of one of this account's runs, for the shell to serve to the renderer; null if unavailable. */
  fetchOutput(generationId: string, name: string) {
    const client = this.sync.client;
    if (!client || !GENERATION_ID_PATTERN.test(generationId) || !OUTPUT_NAME_PATTERN.test(name)) return Promise.resolve(null);
    return client.output(generationId, name);
  }

  async stop(): Promise<void> {
    this.sync.stop();
    this.history.save();
    await this.supervisor?.stop();
  }
}
