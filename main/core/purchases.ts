// Buying from the app: the country (remembered, defaulted from the locale), checkouts opened in the system browser, and each pending purchase followed to its end (deep link, polling).
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { purchaseSchema, type Purchase } from '../../shared/api/index';
import type { StoreState } from '../../shared/ipc/contract';
import { ApiClientError } from './api-client';
import { UserFacingError } from './ipc-dispatch';
import type { KeyValueStore } from './stores';
import type { WalletSync } from './wallet-sync';

const COUNTRY_KEY = 'store.country';
const PURCHASES_KEY = 'store.purchases';
export const POLL_INTERVAL_MS = 2_000;
/** how long a checkout is followed before the app stops asking (the purchase list still shows it) */
export const POLL_FOR_MS = 30 * 60_000;
export const MAX_FOLLOWED = 20;
const MAX_CACHED_PURCHASES = 50;
export const DEEP_LINK_SCHEME = 'creditsdesk:';

/** The country of a locale such as "en-GB" or "de_DE.UTF-8", or null. */
export function countryOfLocale(locale: string | undefined): string | null {
  const m = /^[a-z]{2,3}[-_]([A-Za-z]{2})\b/.exec(locale ?? '');
  return m ? m[1]!.toUpperCase() : null;
}

/** The purchase a creditsdesk://purchase/<id> link names, or null for anything else. */
export function purchaseIdOfLink(url: string): string | null {
  const m = /^creditsdesk:\/\/purchase\/(pur_[A-Za-z0-9_-]{1,40})(?:[/?#].*)?$/.exec(url);
  return m ? m[1]! : null;
}

export interface PurchasesOptions {
  store: KeyValueStore;
  sync: WalletSync;
  /** opens a checkout in the system browser (Electron, through the allow-list); absent in browser mode, where the page opens a tab */
  openExternal?: ((url: string) => boolean) | undefined;
  locale?: string | undefined;
}

/**
 * Emits 'purchase' (Purchase) when a purchase it reads has changed since last read, 'seen' (Purchase) for every purchase it reads
 * from the server (one at a time or in the list), and 'storeState' when the store's picture changes.
 */
export class PurchasesCore extends EventEmitter {
  private readonly followed = new Map<string, { untilMs: number; status: string }>();
  private timer: NodeJS.Timeout | null = null;
  private subscription: StoreState['subscription'] = null;

  constructor(private readonly opts: PurchasesOptions) {
    super();
  }

  private get client() {
    const c = this.opts.sync.client;
    if (!c || this.opts.sync.view.connection !== 'online') throw new UserFacingError('offline', "You're offline. Buying needs a connection to the credits server; nothing was charged.");
    return c;
  }

  private cached(): Purchase[] {
    const raw = this.opts.store.get(PURCHASES_KEY);
    const parsed = purchaseSchema.array().max(MAX_CACHED_PURCHASES).safeParse(raw);
    return parsed.success ? parsed.data : [];
  }

  private remember(p: Purchase): void {
    this.emit('seen', p);
    const rest = this.cached().filter((x) => x.id !== p.id);
    this.opts.store.set(PURCHASES_KEY, [p, ...rest].sort((a, b) => b.createdAtMs - a.createdAtMs).slice(0, MAX_CACHED_PURCHASES));
  }

  state(): StoreState {
    const country = this.opts.store.get(COUNTRY_KEY);
    return {
      country: typeof country === 'string' && /^[A-Z]{2}$/.test(country) ? country : null,
      defaultCountry: countryOfLocale(this.opts.locale ?? Intl.DateTimeFormat().resolvedOptions().locale),
      subscription: this.subscription,
      purchases: this.cached(),
      online: this.opts.sync.view.connection === 'online',
    };
  }

  /** Reads the subscription and recent purchases from the server (when online) and answers the store's state. */
  async refresh(): Promise<StoreState> {
    const c = this.opts.sync.client;
    if (c && this.opts.sync.view.connection === 'online') {
      try {
        this.subscription = await c.subscription();
        const page = await c.purchases(MAX_CACHED_PURCHASES);
        this.opts.store.set(PURCHASES_KEY, page.items);
        for (const p of page.items) this.emit('seen', p);
      } catch {
        // offline again: the cached picture stands
      }
    }
    const s = this.state();
    this.emit('storeState', s);
    return s;
  }

  setCountry(country: string): StoreState {
    this.opts.store.set(COUNTRY_KEY, country);
    return this.state();
  }

  private rethrow(e: unknown): never {
    if (e instanceof ApiClientError) throw new UserFacingError(e.serverCode ?? e.code, e.message, (e.details ?? undefined) as Record<string, unknown> | undefined);
    throw e;
  }

  /** The checkout opened where it can be (the system browser in Electron), and followed until it ends. */
  private started(purchase: Purchase): { purchase: Purchase; opened: boolean } {
    this.remember(purchase);
    this.follow(purchase);
    const opened = this.opts.openExternal ? this.opts.openExternal(purchase.checkoutUrl) : false;
    return { purchase, opened };
  }

  async buyPack(packId: string, country: string, saveCard = false) {
    this.opts.store.set(COUNTRY_KEY, country);
    try {
      return this.started(await this.client.createPurchase({ packId, country, ...(saveCard ? { saveCard } : {}) }, `buy-${randomUUID()}`));
    } catch (e) {
      return this.rethrow(e);
    }
  }

  async subscribe(planId: string, period: string, country: string) {
    this.opts.store.set(COUNTRY_KEY, country);
    try {
      return this.started(await this.client.startSubscription({ planId, period, country }, `sub-${randomUUID()}`));
    } catch (e) {
      return this.rethrow(e);
    }
  }

  /** A change of plan (null: cancel at the period's end; 'resume': that cancel taken back); an upgrade answers a checkout, which is opened and followed. */
  async change(body: { planId: string; period: string } | null | 'resume') {
    try {
      const key = `plan-${randomUUID()}`;
      const answer = body === 'resume' ? await this.client.resumeSubscription(key) : await this.client.changeSubscription(body, key);
      this.subscription = answer.subscription;
      const opened = answer.purchase ? this.started(answer.purchase).opened : false;
      this.emit('storeState', this.state());
      return { ...answer, opened };
    } catch (e) {
      return this.rethrow(e);
    }
  }

  async get(id: string): Promise<Purchase> {
    try {
      const p = await this.client.purchase(id);
      this.observe(p);
      return p;
    } catch (e) {
      return this.rethrow(e);
    }
  }

  /** A purchase for its receipt: the server's record when online (remembered), else as last seen; null when neither has it. */
  async lookup(id: string): Promise<Purchase | null> {
    const c = this.opts.sync.client;
    if (c && this.opts.sync.view.connection === 'online') {
      try {
        const p = await c.purchase(id);
        this.remember(p);
        return p;
      } catch {
        // offline again, or not found: what the cache has
      }
    }
    return this.cached().find((p) => p.id === id) ?? null;
  }

  /** A creditsdesk:// link from the browser: the purchase it names is checked now. */
  handleDeepLink(url: string): boolean {
    const id = purchaseIdOfLink(url);
    if (!id) return false;
    if (!this.followed.has(id)) this.followed.set(id, { untilMs: Date.now() + POLL_FOR_MS, status: 'pending' });
    void this.poll();
    return true;
  }

  private follow(p: Purchase): void {
    if (p.status !== 'pending') return;
    if (this.followed.size >= MAX_FOLLOWED) this.followed.delete(this.followed.keys().next().value!);
    this.followed.set(p.id, { untilMs: Date.now() + POLL_FOR_MS, status: p.status });
    this.timer ??= setInterval(() => void this.poll(), POLL_INTERVAL_MS);
    this.timer.unref?.();
  }

  private observe(p: Purchase): void {
    const f = this.followed.get(p.id);
    const before = f?.status ?? this.cached().find((x) => x.id === p.id)?.status;
    this.remember(p);
    if (p.status !== 'pending') this.followed.delete(p.id);
    if (before !== p.status) {
      this.emit('purchase', p);
      if (p.status === 'paid') void this.opts.sync.refresh().then(() => this.refresh());
    }
  }

  /** The fallback to the deep link: each followed purchase is read again until it ends or is given up. */
  private async poll(): Promise<void> {
    const c = this.opts.sync.client;
    if (!c) return;
    for (const [id, f] of [...this.followed]) {
      if (Date.now() > f.untilMs) {
        this.followed.delete(id);
        continue;
      }
      try {
        this.observe(await c.purchase(id));
      } catch {
        // offline for now: the next poll tries again
      }
    }
    if (this.followed.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
