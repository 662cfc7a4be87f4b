// The local wallet cache: the last wallet read from the server, with its server time and clock offset, validated when read.
import { z } from 'zod';
import { walletSchema, type Wallet } from '../../shared/api/index';
import type { KeyValueStore } from './stores';

const CACHE_KEY = 'walletCache';
const CACHE_VERSION = 1;

const cachedWalletSchema = z.object({
  version: z.literal(CACHE_VERSION),
  /** which server and account the wallet belongs to: a cache for another is never shown */
  serverUrl: z.string(),
  wallet: walletSchema,
  clockOffsetMs: z.int(),
  savedAtMs: z.int(),
});
export type CachedWallet = z.infer<typeof cachedWalletSchema>;

export class WalletCache {
  constructor(private readonly store: KeyValueStore) {}

  /** The cached wallet, or null when there is none or it fails validation (then it is discarded). */
  load(): CachedWallet | null {
    let raw: unknown;
    try {
      raw = this.store.get(CACHE_KEY);
    } catch {
      return null;
    }
    if (raw === undefined || raw === null) return null;
    const parsed = cachedWalletSchema.safeParse(raw);
    if (!parsed.success) {
      this.store.delete(CACHE_KEY);
      return null;
    }
    return parsed.data;
  }

  save(serverUrl: string, wallet: Wallet, clockOffsetMs: number, nowMs: number): void {
    const prev = this.load();
    // never overwrite a newer snapshot of the same account with an older one
    if (prev && prev.wallet.accountId === wallet.accountId && prev.wallet.revision > wallet.revision && prev.wallet.serverTimeMs > wallet.serverTimeMs) return;
    const entry: CachedWallet = { version: CACHE_VERSION, serverUrl, wallet, clockOffsetMs, savedAtMs: nowMs };
    this.store.set(CACHE_KEY, entry);
  }

  clear(): void {
    this.store.delete(CACHE_KEY);
  }
}
