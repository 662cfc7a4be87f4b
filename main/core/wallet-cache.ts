// The local wallet cache: the last wallet read from the server, with its server time and clock offset, validated when read.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { stableJson } from '../../shared/api/canonical-json';
import { walletSchema, type Wallet } from '../../shared/api/index';
import { isNewerWallet } from '../../shared/rules/wallet-order';
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
  /** HMAC-SHA256 of the rest with this install's cache key: an edited file is detected and discarded */
  mac: z.string(),
});
export type CachedWallet = z.infer<typeof cachedWalletSchema>;

export class WalletCache {
  /** `secret` is this install's cache key; without one (tests) a fixed key still catches corruption but not deliberate edits */
  constructor(
    private readonly store: KeyValueStore,
    private readonly secret: Buffer = Buffer.from('credits-desk-cache'),
  ) {}

  private mac(entry: Omit<CachedWallet, 'mac'>): string {
    return createHmac('sha256', this.secret).update(stableJson(entry)).digest('base64');
  }

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
    const ok =
      parsed.success &&
      (() => {
        const { mac, ...rest } = parsed.data;
        const want = Buffer.from(this.mac(rest));
        const got = Buffer.from(mac);
        return want.length === got.length && timingSafeEqual(want, got);
      })();
    if (!ok) {
      this.store.delete(CACHE_KEY); // corrupt or edited: never shown; the server rebuilds it
      return null;
    }
    return parsed.data as CachedWallet;
  }

  /** Saves a wallet unless the cache holds a newer snapshot of the same account from the same server; says whether it saved. */
  save(serverUrl: string, wallet: Wallet, clockOffsetMs: number, nowMs: number): boolean {
    const prev = this.load();
    if (prev && prev.serverUrl === serverUrl && isNewerWallet(prev.wallet, wallet)) return false;
    const entry = { version: CACHE_VERSION, serverUrl, wallet, clockOffsetMs, savedAtMs: nowMs } as const;
    this.store.set(CACHE_KEY, { ...entry, mac: this.mac(entry) });
    return true;
  }

  clear(): void {
    this.store.delete(CACHE_KEY);
  }
}
