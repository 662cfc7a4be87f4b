// In-process wallet event bus: routes publish after a change, SSE streams subscribe per account. Bounded listeners per account.
import type { Wallet } from '../shared/api/index';

type Listener = (wallet: Wallet) => void;

export const MAX_STREAMS_PER_ACCOUNT = 20;

export class WalletEvents {
  private readonly listeners = new Map<string, Set<Listener>>();

  /** Returns an unsubscribe function, or null when the account already has the maximum number of open streams. */
  subscribe(accountId: string, listener: Listener): (() => void) | null {
    let set = this.listeners.get(accountId);
    if (!set) {
      set = new Set();
      this.listeners.set(accountId, set);
    }
    if (set.size >= MAX_STREAMS_PER_ACCOUNT) return null;
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(accountId);
    };
  }

  publish(accountId: string, wallet: Wallet): void {
    for (const l of this.listeners.get(accountId) ?? []) {
      try {
        l(wallet);
      } catch {
        // a broken stream must not stop the others
      }
    }
  }

  accountsWithStreams(): string[] {
    return [...this.listeners.keys()];
  }

  listenerCount(accountId: string): number {
    return this.listeners.get(accountId)?.size ?? 0;
  }
}
