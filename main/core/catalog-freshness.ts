// Keeps the synced catalog fresh while the wallet is live: a catalog that turns stale in server time (which passes, and can jump) is fetched again by itself.
import type { WalletView } from '../../shared/ipc/contract';
import type { CatalogStore } from './catalog-store';
import type { WalletSync } from './wallet-sync';

/** a catalog found stale while the wallet is live is fetched again at once; after a fetch that left it stale, not again for this long */
export const CATALOG_STALE_RETRY_MS = 30_000;
/** the catalog is fetched this long after it turns stale in server time, so that it certainly has */
const CATALOG_STALE_MARGIN_MS = 1_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface CatalogFreshnessOptions {
  catalog: CatalogStore;
  sync: WalletSync;
  /** fetches the catalog again (and tells the page its view once done) */
  refetch: () => Promise<void>;
  now: () => number;
}

/**
 * While the wallet is live, a catalog that is stale is fetched again without waiting for ↻: at once, or by a timer when it turns
 * stale. The view that brings the app online is left to the connection, which fetches the catalog anyway.
 */
export class CatalogFreshness {
  private timer: NodeJS.Timeout | null = null;
  private fetching = false;
  /** when it last fetched (local ms) */
  private triedAtMs = Number.NEGATIVE_INFINITY;
  /** whether the wallet was live when last seen */
  private wasLive = false;

  constructor(private readonly opts: CatalogFreshnessOptions) {}

  /** Each wallet view (and after a connection fetched the catalog): fetch now, or arm the timer for when it turns stale. */
  check(v: WalletView): void {
    const live = v.connection === 'online' && v.source === 'live';
    const cameOnline = live && !this.wasLive;
    this.wasLive = live;
    this.stop();
    const { catalog: store, sync } = this.opts;
    const catalog = store.get();
    const fetchedAt = store.fetchedAtServerMs;
    if (!live || cameOnline || !catalog || fetchedAt === null || this.fetching) return;
    const staleInMs = fetchedAt + catalog.policies.freshnessMs - sync.serverNow();
    const dueInMs = staleInMs >= 0 ? staleInMs + CATALOG_STALE_MARGIN_MS : Math.max(0, this.triedAtMs + CATALOG_STALE_RETRY_MS - this.opts.now());
    if (dueInMs > 0) {
      this.timer = setTimeout(() => this.check(sync.view), Math.min(MAX_TIMER_MS, dueInMs));
      this.timer.unref?.();
      return;
    }
    this.fetching = true;
    this.triedAtMs = this.opts.now();
    void this.opts.refetch().finally(() => {
      this.fetching = false;
      this.check(sync.view); // the timer for when it turns stale again (or the retry)
    });
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
