// The cached price catalog: fetched conditionally (ETag), validated before use, kept per server, with its age in server time.
import { createPublicKey, verify } from 'node:crypto';
import { z } from 'zod';
import { stableJson } from '../../shared/api/canonical-json';
import { parseCatalog } from '../../shared/catalog/index';
import type { Catalog } from '../../shared/catalog/schema';
import { catalogIsStale } from '../../shared/rules/preflight';
import type { CreditsApiClient } from './api-client';
import type { KeyValueStore } from './stores';

const KEY = 'catalogCache';
const cachedSchema = z.object({
  version: z.literal(1),
  serverIdentity: z.string(),
  etag: z.string().nullable(),
  fetchedAtServerMs: z.int(),
  doc: z.unknown(),
  signature: z.string(),
});

export class CatalogSignatureError extends Error {
  readonly code = 'bad_signature';
}

/** True when `signature` is the pinned key's Ed25519 signature over the canonical JSON of `doc`. */
export function verifyCatalog(doc: unknown, signature: string, publicKeyB64: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' });
    return verify(null, Buffer.from(stableJson(doc), 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

export class CatalogStore {
  private catalog: Catalog | null = null;
  private etag: string | null = null;
  fetchedAtServerMs: number | null = null;

  /** the server's catalog key this app pinned: no catalog is used for estimates unless it verifies against it */
  private pinnedKey: string | null;

  constructor(
    private readonly store: KeyValueStore,
    private readonly serverIdentity: string,
  ) {
    const pin = store.get('catalogKeyPin') as { serverIdentity?: string; publicKey?: string } | undefined;
    this.pinnedKey = pin && pin.serverIdentity === serverIdentity && typeof pin.publicKey === 'string' ? pin.publicKey : null;
    const raw = cachedSchema.safeParse(store.get(KEY));
    if (raw.success && raw.data.serverIdentity === serverIdentity && this.pinnedKey && verifyCatalog(raw.data.doc, raw.data.signature, this.pinnedKey)) {
      try {
        this.catalog = parseCatalog(raw.data.doc);
        this.etag = raw.data.etag;
        this.fetchedAtServerMs = raw.data.fetchedAtServerMs;
        this.signature = raw.data.signature;
      } catch {
        store.delete(KEY); // never estimate from a catalog that does not validate
      }
    } else if (store.get(KEY) !== undefined) {
      store.delete(KEY); // malformed, for another server, or not signed by the pinned key
    }
  }

  private signature = '';

  hasPin(): boolean {
    return this.pinnedKey !== null;
  }

  /** Pins the server's key: from the embedded server over IPC, from configuration, or at first contact with a remote one. */
  pin(publicKey: string): void {
    if (this.pinnedKey === publicKey) return;
    this.pinnedKey = publicKey;
    this.store.set('catalogKeyPin', { serverIdentity: this.serverIdentity, publicKey });
    if (this.catalog && !verifyCatalog(this.catalog, this.signature, publicKey)) {
      this.catalog = null;
      this.etag = null;
      this.store.delete(KEY);
    }
  }

  get(): Catalog | null {
    return this.catalog;
  }

  /** Older than the catalog's own freshness window, measured in server time. */
  isStale(serverNowMs: number): boolean {
    return catalogIsStale(this.catalog, this.fetchedAtServerMs, serverNowMs);
  }

  /**
   * Fetches if changed; true when a new catalog was stored. A catalog that does not verify against the pinned key, or does
   * not validate, is refused: the verified one already cached is kept, and the next sync asks for the whole catalog again.
   */
  async sync(client: CreditsApiClient, serverNowMs: number): Promise<boolean> {
    if (!this.pinnedKey) throw new CatalogSignatureError('no catalog key is pinned for this server');
    const r = await client.catalog(this.catalog ? this.etag : null);
    if (r === null) {
      this.fetchedAtServerMs = serverNowMs;
      this.persist();
      return false;
    }
    if (!verifyCatalog(r.doc, r.signature, this.pinnedKey)) {
      this.etag = null;
      throw new CatalogSignatureError('the price catalog from the server is not signed by the key this app trusts; it was refused');
    }
    const catalog = parseCatalog(r.doc);
    this.catalog = catalog;
    this.signature = r.signature;
    this.etag = r.etag;
    this.fetchedAtServerMs = serverNowMs;
    this.persist();
    return true;
  }

  private persist(): void {
    if (!this.catalog) return;
    this.store.set(KEY, { version: 1, serverIdentity: this.serverIdentity, etag: this.etag, fetchedAtServerMs: this.fetchedAtServerMs, doc: this.catalog, signature: this.signature });
  }
}
