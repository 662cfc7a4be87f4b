// The cached price catalog: fetched conditionally (ETag), validated before use, kept per server, with its age in server time.
import { z } from 'zod';
import { parseCatalog } from '../../shared/catalog/index';
import type { Catalog } from '../../shared/catalog/schema';
import type { CreditsApiClient } from './api-client';
import type { KeyValueStore } from './stores';

const KEY = 'catalogCache';
const cachedSchema = z.object({
  version: z.literal(1),
  serverIdentity: z.string(),
  etag: z.string().nullable(),
  fetchedAtServerMs: z.int(),
  doc: z.unknown(),
});

export class CatalogStore {
  private catalog: Catalog | null = null;
  private etag: string | null = null;
  fetchedAtServerMs: number | null = null;

  constructor(
    private readonly store: KeyValueStore,
    private readonly serverIdentity: string,
  ) {
    const raw = cachedSchema.safeParse(store.get(KEY));
    if (raw.success && raw.data.serverIdentity === serverIdentity) {
      try {
        this.catalog = parseCatalog(raw.data.doc);
        this.etag = raw.data.etag;
        this.fetchedAtServerMs = raw.data.fetchedAtServerMs;
      } catch {
        store.delete(KEY); // never estimate from a catalog that does not validate
      }
    } else if (store.get(KEY) !== undefined && !raw.success) {
      store.delete(KEY);
    }
  }

  get(): Catalog | null {
    return this.catalog;
  }

  /** Older than the catalog's own freshness window, measured in server time. */
  isStale(serverNowMs: number): boolean {
    if (!this.catalog || this.fetchedAtServerMs === null) return true;
    return serverNowMs - this.fetchedAtServerMs > this.catalog.policies.freshnessMs;
  }

  /** Fetches if changed; true when a new catalog was stored. A malformed catalog is refused and the cached one kept. */
  async sync(client: CreditsApiClient, serverNowMs: number): Promise<boolean> {
    const r = await client.catalog(this.catalog ? this.etag : null);
    if (r === null) {
      this.fetchedAtServerMs = serverNowMs;
      this.persist();
      return false;
    }
    this.catalog = parseCatalog(r.doc);
    this.etag = r.etag;
    this.fetchedAtServerMs = serverNowMs;
    this.persist();
    return true;
  }

  private persist(): void {
    if (!this.catalog) return;
    this.store.set(KEY, { version: 1, serverIdentity: this.serverIdentity, etag: this.etag, fetchedAtServerMs: this.fetchedAtServerMs, doc: this.catalog });
  }
}
