// The composition of the main-process core, shared by Electron and browser mode: server (embedded or remote), token, cache, sync, IPC handlers.
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { EMBEDDED_FLAG, LOCAL_ACCOUNT_ID, LOCAL_NAME_FLAG, type ReadyMessage } from '../../shared/api/embedded';
import { GENERATION_ID_PATTERN, OUTPUT_NAME_PATTERN, type Generation, type Training } from '../../shared/api/index';
import type { SetSpendLimitsBody } from '../../shared/api/spend-limits';
import type { ForecastView, WalletView } from '../../shared/ipc/contract';
import { CatalogSignatureError, CatalogStore } from './catalog-store';
import { GenerationsCore } from './generations';
import { forecastView } from './forecast-view';
import { HistoryStore, MAX_HISTORY } from './history';
import { planFromCache } from './planner';
import { TrainingsCore } from './trainings';
import { WarningsCore } from './warnings';
import { PurchasesCore } from './purchases';
import { ReceiptsCore, type SaveFile } from './receipts';
import { cacheSecret } from './stores';
import { CreditsApiClient } from './api-client';
import type { Timeouts } from './http';
import type { CoreHandlers } from './ipc-dispatch';
import type { KeyValueStore, TokenStore } from './stores';
import { ServerSupervisor, type Spawner } from './supervisor';
import { WalletCache } from './wallet-cache';
import { WalletSync } from './wallet-sync';
import { UserDraftsStore } from './user-drafts';
import { UserFacingError } from './ipc-dispatch';
import { CatalogFreshness } from './catalog-freshness';


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
  /** opens a checkout in the system browser (Electron); browser mode leaves it to the page */
  openExternal?: ((url: string) => boolean) | undefined;
  /** how long a request, and an open event stream without a byte, may take before the server counts as not answering */
  timeouts?: Timeouts | undefined;
  /** saves a file main wrote (a receipt): Electron asks where with a save dialog, browser mode offers it as a download */
  saveFile?: SaveFile | undefined;
  /** who shows an alert as a system notification: Electron's main from the 'notify' event (the default), or the page (browser mode) */
  notifications?: 'main' | 'page' | undefined;
  /** the user signed out of this account: its cache is shown, and nothing is asked of any server (no token is used) */
  signedOut?: boolean | undefined;
}

/** what the bar and the pages say while the account is signed out */
export const SIGNED_OUT_MESSAGE = 'Signed out of this account. Showing what this computer kept; sign in again in Settings → Accounts.';

/** Emits the IPC events for the renderer ('walletView', 'catalogView', 'generation', 'notice', 'warnings', 'alert', 'historyChanged', …) and 'notify'. */
export class AppCore extends EventEmitter {
  readonly sync: WalletSync;
  readonly catalog: CatalogStore;
  readonly generations: GenerationsCore;
  readonly history: HistoryStore;
  /** the live wallet's auto top-up count and pause when last seen (noticeTopUps) */
  private topUpMark: string | null = null;
  readonly warnings: WarningsCore;
  readonly purchases: PurchasesCore;
  readonly receipts: ReceiptsCore;
  readonly trainings: TrainingsCore;
  /** what the user typed (Generate drafts, Plan lines), kept beside the rest of main's state */
  readonly userDrafts: UserDraftsStore;
  readonly supervisor: ServerSupervisor | null = null;
  readonly handlers: CoreHandlers;
  /** one recovery from a refused token per run: a loop of failures must not ask for tokens forever */
  private unauthorizedOnce = false;
  private readonly freshness: CatalogFreshness;

  constructor(private readonly opts: AppCoreOptions) {
    super();
    const identity = opts.server.kind === 'embedded' ? 'embedded' : opts.server.url;
    const now = opts.now ? { now: opts.now } : {};
    this.sync = new WalletSync({ serverIdentity: identity, serverKind: opts.server.kind, cache: new WalletCache(opts.store, cacheSecret(opts.dataDir)), ...now });
    this.catalog = new CatalogStore(opts.store, identity);
    if (opts.catalogKey) this.catalog.pin(opts.catalogKey);
    this.history = new HistoryStore(path.join(opts.dataDir, 'history.json'), identity);
    this.warnings = new WarningsCore(opts.store);
    this.purchases = new PurchasesCore({ store: opts.store, sync: this.sync, openExternal: opts.openExternal });
    this.trainings = new TrainingsCore({ store: opts.store, sync: this.sync, catalog: this.catalog });
    this.receipts = new ReceiptsCore({ history: this.history, purchase: (id) => this.purchases.lookup(id), saveFile: opts.saveFile });
    this.userDrafts = new UserDraftsStore(opts.store);
    this.generations = new GenerationsCore({ store: opts.store, sync: this.sync, catalog: this.catalog, outputUrl: opts.outputUrl, ...now });
    this.freshness = new CatalogFreshness({
      catalog: this.catalog,
      sync: this.sync,
      refetch: () => this.generations.refreshCatalog().finally(() => this.emit('catalogView', this.handlers.getCatalogView(undefined))),
      now: () => (opts.now ?? Date.now)(),
    });
    if (opts.server.kind === 'embedded') {
      const name = opts.server.localName ?? os.userInfo().username;
      const dataDir = path.join(opts.dataDir, 'server');
      this.supervisor = new ServerSupervisor({
        spawn: opts.server.spawn,
        entry: opts.server.entry,
        args: [EMBEDDED_FLAG, '--data-dir', dataDir, '--port', '0', LOCAL_NAME_FLAG, name, ...(opts.server.extraArgs ?? [])],
      });
    }
    this.wire();
    this.handlers = this.createHandlers();
  }

  /** Connects the parts: what the sync learns reaches warnings, history and runs; what they produce reaches the renderer. */
  private wire(): void {
    this.sync.on('view', (v: WalletView) => {
      this.emit('walletView', v);
      this.evaluateWarnings();
      this.noticeTopUps(v);
      this.freshness.check(v);
    });
    this.sync.on('unauthorized', () => void this.onUnauthorized());
    this.sync.on('ledger', (entry) => {
      if (this.history.add([entry])) {
        this.emit('historyChanged', { size: this.history.size });
        this.warnings.setForecast(this.forecast());
      }
    });
    // An auto top-up paid or failed, which no checkout of the app follows: its entry came (on the stream, or with a history sync when
    // the app was closed or the stream down), so its purchase is read, and judged for its alert.
    this.history.onAdded = (entries) => {
      for (const e of entries) {
        if ((e.kind === 'purchase' || e.kind === 'payment_failed') && e.details.reason === 'auto_top_up' && e.details.purchaseId) void this.purchases.get(e.details.purchaseId).catch(() => {});
      }
    };
    this.sync.on('generation', (g: Generation) => this.generations.track(g));
    this.sync.on('training', (t: Training) => this.trainings.track(t));
    this.trainings.on('training', (t: Training) => this.emit('training', t));
    this.sync.on('connected', (client: CreditsApiClient) => void this.onConnected(client));
    this.warnings.on('warnings', (w) => this.emit('warnings', w));
    // An alert: a system notification from main in Electron ('notify'), from the page in browser mode ('alert'); the banners show it in the app.
    this.warnings.on('notify', (n: { title: string; body: string }) => this.emit('notify', n));
    this.warnings.on('alert', (a) => this.emit('alert', a));
    // The one way runs reach the renderer: GenerationsCore publishes every update it accepts, and only those.
    this.generations.on('generation', (g) => this.emit('generation', g));
    this.generations.on('notice', (n) => this.emit('notice', n));
    this.purchases.on('purchase', (p) => this.emit('purchase', p));
    this.purchases.on('seen', (p) => this.warnings.onPurchase(p, this.sync.serverNow())); // an auto top-up that ended alerts once
    this.purchases.on('storeState', (st) => this.emit('storeState', st));
  }

  /**
   * The wallet's count of this month's auto top-ups (or its pause) moved: the purchases are read again, so that a top-up whose ledger
   * entry main has not seen still alerts. The first live wallet only sets the mark.
   */
  private noticeTopUps(v: WalletView): void {
    const a = v.wallet?.autoTopUp;
    if (v.source !== 'live' || !a) return;
    const mark = `${a.month.count}:${a.paused?.purchaseId ?? ''}`;
    if (this.topUpMark !== null && mark !== this.topUpMark) void this.purchases.refresh();
    this.topUpMark = mark;
  }

  private evaluateWarnings(): void {
    const v = this.sync.view;
    if (!v.wallet) return;
    this.warnings.evaluate(v.wallet, v.source === 'live', this.catalog.get(), this.sync.serverNow(), this.forecast());
  }

  /** The balance forecast from the cached wallet, catalog and history (offline too); null when one of them is missing. */
  private forecast(): ForecastView | null {
    try {
      return forecastView(this.sync.view.wallet, this.catalog.get(), this.history.all(), this.history.size >= MAX_HISTORY, this.sync.serverNow());
    } catch (e) {
      // a forecast that cannot be made must not hold up the wallet view and its warnings
      this.opts.log?.(`forecast failed: ${(e as Error).message}`);
      return null;
    }
  }

  private createHandlers(): CoreHandlers {
    return {
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
      // the run itself reaches the renderer as a 'generation' event (sent before this answer); the answer only acknowledges
      startGeneration: async ({ request, approvedMc }) => ({ id: (await this.generations.start(request, approvedMc)).id }),
      cancelGeneration: async ({ id }) => ({ id: (await this.generations.cancel(id)).id }),
      replayGenerations: () => ({ count: this.generations.replay() }),
      getSettings: () => ({ ...this.generations.settings(), tokenStorage: this.opts.tokenStore.storage, notifications: this.opts.notifications ?? 'main' }),
      updateSettings: (patch) => {
        const next = this.generations.updateSettings(patch);
        this.evaluateWarnings();
        return { ...next, tokenStorage: this.opts.tokenStore.storage, notifications: this.opts.notifications ?? 'main' };
      },
      queryHistory: ({ filter, offset, limit }) => ({ ...this.history.query(filter, offset, limit), models: this.history.models(), size: this.history.size }),
      historyEntries: ({ ids }) => this.history.entriesByIds(ids),
      exportHistoryCsv: ({ filter }) => {
        const csv = this.history.csv(filter);
        const day = new Date(this.sync.serverNow()).toISOString().slice(0, 10);
        return { csv, fileName: `credits-history-${day}.csv`, rows: csv.split('\r\n').length - 2 };
      },
      getReceipt: ({ entryId }) => this.receipts.receipt(entryId),
      saveReceipt: ({ entryId }) => this.receipts.save(entryId),
      getSpendChart: () => this.history.spendByDay(this.sync.serverNow()),
      getWarnings: () => this.warnings.current,
      getStoreState: () => this.purchases.refresh(),
      setCountry: ({ country }) => this.purchases.setCountry(country),
      buyPack: ({ packId, country, saveCard }) => this.purchases.buyPack(packId, country, saveCard === true),
      subscribe: ({ planId, period, country }) => this.purchases.subscribe(planId, period, country),
      changeSubscription: (body) => this.purchases.change(body),
      cancelSubscription: () => this.purchases.change(null),
      resumeSubscription: () => this.purchases.change('resume'),
      getPurchase: ({ id }) => this.purchases.get(id),
      setSpendLimits: (body) => this.setSpendLimits(body),
      setAutoTopUp: (body) => this.onServer('to change auto top-up', (c) => c.setAutoTopUp(body)),
      resumeAutoTopUp: () => this.onServer('to resume auto top-up', (c) => c.resumeAutoTopUp()),
      planCosts: (input) => planFromCache(this.catalog, this.sync, input),
      listTrainings: () => this.trainings.refresh(),
      startTraining: (body) => this.trainings.start(body),
      cancelTraining: ({ id }) => this.trainings.cancel(id),
      getDrafts: () => this.userDrafts.drafts(),
      saveDrafts: (drafts) => this.userDrafts.saveDrafts(drafts),
      getPlanLines: () => this.userDrafts.planLines(),
      savePlanLines: (plan) => this.userDrafts.savePlanLines(plan),
    };
  }

  /** Sets the user's spend limits on the server (they live there, for every device) and answers the wallet that now carries them. */
  private async setSpendLimits(body: SetSpendLimitsBody): Promise<WalletView> {
    const client = this.sync.client;
    if (!client || this.sync.view.connection !== 'online') throw new UserFacingError('offline', "You're offline. Spend limits are kept by the credits server: set them when it answers.");
    await client.setSpendLimits(body);
    return this.sync.refresh();
  }

  /** A change the server keeps (auto top-up), then the wallet that carries it; offline it is refused, nothing queued. */
  private async onServer(what: string, change: (client: CreditsApiClient) => Promise<unknown>): Promise<WalletView> {
    const client = this.sync.client;
    if (!client || this.sync.view.connection !== 'online') throw new UserFacingError('offline', `You're offline. The credits server is needed ${what}.`);
    await change(client);
    return this.sync.refresh();
  }

  /** A client for the server at `url`, with the configured time limits. */
  private newClient(url: string, token: string | null): CreditsApiClient {
    const t = this.opts.timeouts;
    return new CreditsApiClient(url, token, this.opts.now, t?.requestMs, t?.streamIdleMs);
  }

  /** The cached wallet is available at once; the server connection follows in the background. */
  start(): void {
    const { server } = this.opts;
    if (this.opts.signedOut) {
      this.sync.markDown(SIGNED_OUT_MESSAGE);
      return;
    }
    if (server.kind === 'remote') {
      const token = this.opts.tokenStore.get();
      if (!token) {
        this.sync.markDown(`No account token for the credits server at ${server.url}. Start the app once with CREDITS_TOKEN=<token> (browser mode: --token <token>); the server's operator creates one with npm run admin -- create-account.`);
        return;
      }
      void this.sync.useClient(this.newClient(server.url, token));
      return;
    }
    const sup = this.supervisor!;
    sup.on('ready', (info: ReadyMessage) => void this.onServerReady(info));
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
    this.freshness.check(this.sync.view); // the timer for when it turns stale
    this.warnings.setForecast(this.forecast()); // the forecast needs the catalog, which may only have come now
    const accountId = this.sync.view.wallet?.accountId;
    if (accountId) {
      try {
        // resume the stream after what the history already holds, so nothing is missed or repeated
        if (this.sync.lastLedgerId === null || this.sync.lastLedgerId < this.history.maxId) this.sync.lastLedgerId = this.history.maxId || null;
        await this.history.sync(client, accountId);
        this.emit('historyChanged', { size: this.history.size });
        this.warnings.setForecast(this.forecast());
      } catch {
        // offline again: the next connection resumes from the newest entry held
      }
    }
  }

  /** Each (re)start of the embedded server: pin its catalog key, keep the local account's token it handed over, and connect. */
  private async onServerReady(info: ReadyMessage): Promise<void> {
    this.catalog.pin(info.catalogPublicKey);
    try {
      if (info.localAccount) this.opts.tokenStore.set(checkLocalAccount(info.localAccount.accountId, info.localAccount.token));
      const token = this.opts.tokenStore.get() ?? (await this.issueLocalToken());
      await this.sync.useClient(this.newClient(info.url, token));
    } catch (e) {
      this.sync.markDown(`cannot sign in to the embedded credits server: ${(e as Error).message}`);
    }
  }

  /** The local account exists but this app has no token for it: the server it started issues one over their IPC channel. */
  private async issueLocalToken(): Promise<string> {
    const answer = await this.supervisor!.requestLocalToken();
    const token = checkLocalAccount(answer.accountId, answer.token);
    this.opts.tokenStore.set(token);
    return token;
  }

  /** The embedded server refused our token (a new database, a revoked token): ask it for a new one, once per run. */
  private async onUnauthorized(): Promise<void> {
    const current = this.supervisor?.current;
    if (this.opts.server.kind !== 'embedded' || this.unauthorizedOnce || !current) return;
    this.unauthorizedOnce = true;
    this.opts.tokenStore.clear();
    try {
      const token = await this.issueLocalToken();
      await this.sync.useClient(this.newClient(current.url, token));
    } catch (e) {
      this.sync.markDown(`cannot sign in to the embedded credits server: ${(e as Error).message}`);
    }
  }

  /** An output file of one of this account's runs, for the shell to serve to the renderer; null if unavailable. */
  fetchOutput(generationId: string, name: string) {
    const client = this.sync.client;
    if (!client || !GENERATION_ID_PATTERN.test(generationId) || !OUTPUT_NAME_PATTERN.test(name)) return Promise.resolve(null);
    return client.output(generationId, name);
  }

  /** A creditsdesk:// link handed over by the OS (Electron's open-url or a second instance): true if it named a purchase. */
  handleDeepLink(url: string): boolean {
    return this.purchases.handleDeepLink(url);
  }

  async stop(): Promise<void> {
    this.freshness.stop();
    this.purchases.stop();
    this.sync.stop();
    this.history.save();
    await this.supervisor?.stop();
  }
}

/** An embedded server only ever hands over the local account's token: anything else is a bug, and is not used. */
function checkLocalAccount(accountId: string, token: string): string {
  if (accountId !== LOCAL_ACCOUNT_ID) throw new Error(`the embedded server handed over a token for account ${accountId}, not ${LOCAL_ACCOUNT_ID}`);
  return token;
}
