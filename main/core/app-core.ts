// The composition of the main-process core, shared by Electron and browser mode: server (embedded or remote), token, cache, sync, IPC handlers.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Generation } from '../../shared/api/index';
import type { WalletView } from '../../shared/ipc/contract';
import { CatalogStore } from './catalog-store';
import { GenerationsCore } from './generations';
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
}

/** Emits the IPC events for the renderer: 'walletView', 'generation', 'notice'. */
export class AppCore extends EventEmitter {
  readonly sync: WalletSync;
  readonly catalog: CatalogStore;
  readonly generations: GenerationsCore;
  readonly supervisor: ServerSupervisor | null = null;
  readonly handlers: IpcHandlers;
  private readonly serverDataDir: string;

  constructor(private readonly opts: AppCoreOptions) {
    super();
    this.serverDataDir = path.join(opts.dataDir, 'server');
    const identity = opts.server.kind === 'embedded' ? 'embedded' : opts.server.url;
    this.sync = new WalletSync({ serverIdentity: identity, serverKind: opts.server.kind, cache: new WalletCache(opts.store), ...(opts.now ? { now: opts.now } : {}) });
    this.sync.on('view', (v: WalletView) => this.emit('walletView', v));
    this.sync.on('unauthorized', () => this.onUnauthorized());
    this.catalog = new CatalogStore(opts.store, identity);
    this.generations = new GenerationsCore({ store: opts.store, sync: this.sync, catalog: this.catalog, outputUrl: opts.outputUrl, ...(opts.now ? { now: opts.now } : {}) });
    this.generations.on('generation', (g) => this.emit('generation', g));
    this.generations.on('notice', (n) => this.emit('notice', n));
    this.sync.on('generation', (g: Generation) => this.generations.track(g));
    this.sync.on('connected', (client: CreditsApiClient) => {
      void this.generations.onConnected(client).then(() => this.emit('catalogView', this.handlers.getCatalogView(undefined)));
    });
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
        stale: this.catalog.isStale(Date.now() + this.sync.view.clockOffsetMs),
      }),
      preflight: (request) => this.generations.preflight(request),
      startGeneration: ({ request, approvedMc }) => this.generations.start(request, approvedMc),
      cancelGeneration: ({ id }) => this.generations.cancel(id),
      getRecentGenerations: () => this.generations.recentViews(),
      getSettings: () => this.generations.settings(),
      updateSettings: (patch) => this.generations.updateSettings(patch),
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

  private async onServerReady(info: ReadyInfo): Promise<void> {
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
    if (!client || !/^gen_[A-Za-z0-9_-]{1,40}$/.test(generationId) || !/^[a-z0-9][a-z0-9._-]{0,80}$/.test(name)) return Promise.resolve(null);
    return client.output(generationId, name);
  }

  async stop(): Promise<void> {
    this.sync.stop();
    await this.supervisor?.stop();
  }
}
