// In-process event bus for the account streams (wallet and generation events): changes publish, SSE streams subscribe. Bounded per account.
import type { GenerationEvent, TrainingEvent, WalletEvent } from '../../shared/api/index';

export type StreamEvent = WalletEvent | GenerationEvent | TrainingEvent;
type Listener = (event: StreamEvent) => void;

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

  publish(accountId: string, event: StreamEvent): void {
    for (const l of this.listeners.get(accountId) ?? []) {
      try {
        l(event);
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
