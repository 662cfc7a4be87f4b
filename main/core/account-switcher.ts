// Above the app core: holds the accounts, runs the active account's core (only its events reach the renderer), and answers the accounts and theme calls.
import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import os from 'node:os';
import { IPC_EVENT_NAMES, themeSchema, type AccountsView, type Theme } from '../../shared/ipc/contract';
import type { Wallet } from '../../shared/api/index';
import { AccountError, AccountRegistry, accountStore, FIRST_ACCOUNT_ID, type AccountRecord } from './accounts';
import { ApiClientError, CreditsApiClient } from './api-client';
import { AppCore, type AppCoreOptions, type ServerChoice } from './app-core';
import { UserFacingError, type AccountMethodName, type IpcHandlers } from './ipc-dispatch';
import { ensurePrivateDir } from './private-files';
import { PrefixedStore, type KeyValueStore, type TokenStore } from './stores';

/** the app-wide theme's key in the top-level store (not per account) */
export const THEME_KEY = 'appTheme';

export interface AccountSwitcherOptions {
  dataDir: string;
  /** the app's one store: the registry, the theme, the first account's plain keys and the other accounts' prefixed parts */
  store: KeyValueStore;
  /** an account's token store in its folder: Electron's safeStorage file, browser mode's user-only file */
  tokenStoreFor(accountDir: string): TokenStore;
  /** the first account's server as configured: the embedded one, or --server-url / CREDITS_SERVER_URL */
  firstServer: ServerChoice;
  firstCatalogKey?: string | undefined;
  /** a token given at start (--token / CREDITS_TOKEN): the first account's; it is then signed in and active */
  firstToken?: string | undefined;
  /** the first account's name when it is created; the OS user's name by default */
  firstName?: string | undefined;
  /** what every account's core shares */
  core: Omit<AppCoreOptions, 'dataDir' | 'store' | 'tokenStore' | 'server' | 'catalogKey' | 'signedOut'>;
}

/**
 * Emits every IPC event of the active core (and 'notify'), 'accounts' (AccountsView) when the list changes, and 'accountChanged'
 * when another core took over (the page reloads its state then).
 */
export class AccountSwitcher extends EventEmitter {
  readonly registry: AccountRegistry;
  private readonly accountHandlers: Pick<IpcHandlers, AccountMethodName>;
  private current: AppCore;
  /** the core whose events reach the renderer: none while one is being replaced */
  private forwarding: AppCore | null = null;
  private readonly tokenStores = new Map<string, TokenStore>();
  /** account changes one at a time: a switch waits for the one before it */
  private queue: Promise<unknown> = Promise.resolve();
  private started = false;

  constructor(private readonly opts: AccountSwitcherOptions) {
    super();
    const firstServer = opts.firstServer.kind === 'embedded' ? { kind: 'embedded' as const } : { kind: 'remote' as const, url: opts.firstServer.url };
    this.registry = new AccountRegistry(opts.store, opts.dataDir, { name: opts.firstName ?? os.userInfo().username, server: firstServer }, opts.core.now);
    if (opts.firstToken) {
      this.tokenStoreOf(FIRST_ACCOUNT_ID).set(opts.firstToken);
      this.registry.update(FIRST_ACCOUNT_ID, { signedIn: true });
      this.registry.setActive(FIRST_ACCOUNT_ID);
    }
    this.current = this.makeCore(this.registry.active);
    this.accountHandlers = this.createHandlers();
  }

  /** Every IPC method: the accounts and theme ones answered here, the rest by the active account's core (as it is at the call). */
  get handlers(): IpcHandlers {
    return { ...this.current.handlers, ...this.accountHandlers };
  }

  /** the active account's core */
  get core(): AppCore {
    return this.current;
  }

  /** the active account's credits server (the embedded one once it runs): the links main may open in the system browser */
  get serverUrl(): string | undefined {
    const { server } = this.registry.active;
    return server.kind === 'remote' ? server.url : this.current.supervisor?.current?.url;
  }

  start(): void {
    this.started = true;
    this.forwarding = this.current;
    this.current.start();
  }

  async stop(): Promise<void> {
    this.forwarding = null;
    await this.queue.catch(() => {});
    await this.current.stop();
  }

  fetchOutput(generationId: string, name: string) {
    return this.current.fetchOutput(generationId, name);
  }

  handleDeepLink(url: string): boolean {
    return this.current.handleDeepLink(url);
  }

  private tokenStoreOf(id: string): TokenStore {
    let t = this.tokenStores.get(id);
    if (!t) {
      const dir = this.registry.dirOf(id);
      ensurePrivateDir(dir);
      t = this.opts.tokenStoreFor(dir);
      this.tokenStores.set(id, t);
    }
    return t;
  }

  private makeCore(account: AccountRecord): AppCore {
    const dir = this.registry.dirOf(account.id);
    ensurePrivateDir(dir);
    const first = account.id === FIRST_ACCOUNT_ID;
    const server: ServerChoice = first ? this.opts.firstServer : { kind: 'remote', url: account.server.kind === 'remote' ? account.server.url : '' };
    const catalogKey = first ? this.opts.firstCatalogKey : account.server.kind === 'remote' ? account.server.catalogKey : undefined;
    const tokenStore = this.tokenStoreOf(account.id);
    // an added account whose token is gone (Electron without a keychain keeps it for one run only) is signed out until signed in again
    if (!first && account.signedIn && tokenStore.get() === null) this.registry.update(account.id, { signedIn: false });
    const signedOut = !this.registry.get(account.id).signedIn;
    const core = new AppCore({ ...this.opts.core, dataDir: dir, store: accountStore(this.opts.store, account.id), tokenStore, server, catalogKey, signedOut });
    for (const name of [...IPC_EVENT_NAMES, 'notify']) core.on(name, (payload: unknown) => core === this.forwarding && this.emit(name, payload));
    return core;
  }

  /** Stops the active core and starts `id`'s (the same account again after a sign-in or out); then tells the page. */
  private async replaceCore(id: string, beforeStart?: () => void): Promise<void> {
    const old = this.current;
    this.forwarding = null;
    await old.stop();
    beforeStart?.();
    this.registry.setActive(id);
    this.current = this.makeCore(this.registry.get(id));
    if (this.started) {
      this.forwarding = this.current;
      this.current.start();
    }
    this.emit('accountChanged', { activeId: id });
  }

  /** Runs account changes one after another; the answer is the list as it then is, also sent as the 'accounts' event. */
  private serial(change: () => Promise<void> | void): Promise<AccountsView> {
    const run = this.queue.catch(() => {}).then(async () => {
      try {
        await change();
      } catch (e) {
        if (e instanceof AccountError) throw new UserFacingError(e.code, e.message);
        throw e;
      }
      const view = this.registry.view();
      this.emit('accounts', view);
      return view;
    });
    this.queue = run;
    return run;
  }

  /** Reads the wallet at `url` with `token`, under the usual request timeout: the server and the token, checked before anything is kept. */
  private async checkToken(url: string, token: string): Promise<Wallet> {
    const t = this.opts.core.timeouts;
    const client = new CreditsApiClient(url, token, this.opts.core.now, t?.requestMs, t?.streamIdleMs);
    try {
      return (await client.wallet()).wallet;
    } catch (e) {
      if (!(e instanceof ApiClientError)) throw e;
      if (e.code === 'unauthorized') throw new UserFacingError('token_refused', `The server at ${url} refused this token. Check that it was copied whole, or ask the server's operator for a new one.`);
      if (e.code === 'offline' || e.code === 'timeout') {
        const why = e.code === 'timeout' ? 'it did not answer in time' : (/\(([A-Z_]+)\)/.exec(e.message)?.[1] ?? 'no answer');
        throw new UserFacingError('server_unreachable', `Can't reach a credits server at ${url} (${why}). Check the address and that the server is running.`);
      }
      throw new UserFacingError('not_a_credits_server', `The server at ${url} did not answer as a credits server does (${e.message.slice(0, 120)}). Check the address.`);
    }
  }

  private async addAccount(name: string, url: string, token: string): Promise<void> {
    this.registry.checkRoom();
    const wallet = await this.checkToken(url, token);
    const dup = this.registry.findRemote(url, wallet.accountId);
    if (dup) throw new UserFacingError('duplicate_account', `This account is already on this computer, as “${dup.name}”.`);
    const record = this.registry.add(name, { kind: 'remote', url }, wallet.accountId);
    try {
      this.tokenStoreOf(record.id).set(token);
    } catch (e) {
      this.forget(record.id);
      throw e;
    }
    await this.replaceCore(record.id);
  }

  private async signIn(id: string, token: string | undefined): Promise<void> {
    const account = this.registry.get(id);
    if (account.server.kind === 'remote') {
      if (!token) throw new UserFacingError('token_needed', 'Signing in to this account needs its token.');
      const wallet = await this.checkToken(account.server.url, token);
      if (account.remoteAccountId && wallet.accountId !== account.remoteAccountId) {
        throw new UserFacingError('other_account', 'This token is for another account on that server. Add it as a new account instead.');
      }
      this.tokenStoreOf(id).set(token);
      this.registry.update(id, { signedIn: true, remoteAccountId: wallet.accountId });
    } else {
      // the embedded server issues a new token for its local account when the core starts without one
      this.registry.update(id, { signedIn: true });
    }
    if (id === this.registry.activeId) await this.replaceCore(id);
  }

  private async signOut(id: string, keep: boolean): Promise<void> {
    const account = this.registry.get(id);
    if (!keep && account.id === FIRST_ACCOUNT_ID) throw new AccountError('first_account', "This computer's first account cannot be removed; sign out and keep it instead.");
    const active = id === this.registry.activeId;
    if (keep) {
      this.tokenStoreOf(id).clear();
      this.registry.update(id, { signedIn: false });
      if (active) await this.replaceCore(id);
      return;
    }
    // removed: the app leaves it first (for the first account), so that its stopped core writes nothing more, then everything goes
    if (active) await this.replaceCore(FIRST_ACCOUNT_ID, () => this.forget(id));
    else this.forget(id);
  }

  /** Everything of an account on this computer: its token, its part of the store, its folder, its place in the list. */
  private forget(id: string): void {
    this.tokenStoreOf(id).clear();
    this.tokenStores.delete(id);
    const store = accountStore(this.opts.store, id);
    if (store instanceof PrefixedStore) store.wipe();
    rmSync(this.registry.dirOf(id), { recursive: true, force: true });
    this.registry.remove(id);
  }

  private theme(): Theme {
    const t = themeSchema.safeParse(this.opts.store.get(THEME_KEY));
    return t.success ? t.data : 'system';
  }

  private createHandlers(): Pick<IpcHandlers, AccountMethodName> {
    return {
      listAccounts: () => this.registry.view(),
      addAccount: ({ name, url, token }) => this.serial(() => this.addAccount(name, url, token)),
      renameAccount: ({ id, name }) => this.serial(() => void this.registry.update(id, { name })),
      switchAccount: ({ id }) =>
        this.serial(async () => {
          this.registry.get(id);
          if (id !== this.registry.activeId) await this.replaceCore(id);
        }),
      signOut: ({ id, keep }) => this.serial(() => this.signOut(id, keep)),
      signIn: ({ id, token }) => this.serial(() => this.signIn(id, token)),
      getTheme: () => this.theme(),
      setTheme: ({ theme }) => {
        this.opts.store.set(THEME_KEY, theme);
        return theme;
      },
    };
  }
}
