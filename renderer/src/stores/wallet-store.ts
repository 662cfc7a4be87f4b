// The wallet store (zustand): fed only by window.credits calls and events; views read it.
import { create } from 'zustand';
import type { WalletView } from '../../../shared/ipc/contract';

export const FOCUS_SYNC_MIN_INTERVAL_MS = 5_000;

export interface WalletState {
  view: WalletView | null;
  /** a message when the bridge itself failed (not a server problem: those are in view.lastError) */
  bridgeError: string | null;
  refreshing: boolean;
  init(): () => void;
  refresh(): Promise<void>;
}

export const useWalletStore = create<WalletState>((set, get) => ({
  view: null,
  bridgeError: null,
  refreshing: false,
  init() {
    const credits = window.credits;
    if (!credits) {
      set({ bridgeError: 'Credits Desk is not connected to this window. Open it from the app.' });
      return () => {};
    }
    const off = credits.onWalletView((view) => set({ view }));
    // Coming back to the window is when a user looks at the balance: sync then (throttled, so focus flicker costs nothing).
    let lastFocusSync = 0;
    const onFocus = () => {
      if (Date.now() - lastFocusSync < FOCUS_SYNC_MIN_INTERVAL_MS) return;
      lastFocusSync = Date.now();
      void get().refresh();
    };
    window.addEventListener('focus', onFocus);
    void credits.getWalletView().then((r) => {
      if (r.ok) {
        // an event may have arrived first; keep whichever is newer
        const cur = get().view;
        if (!cur || (r.value.asOfServerMs ?? 0) >= (cur.asOfServerMs ?? 0)) set({ view: r.value });
      } else set({ bridgeError: r.error.message });
    });
    return () => {
      off();
      window.removeEventListener('focus', onFocus);
    };
  },
  async refresh() {
    const credits = window.credits;
    if (!credits || get().refreshing) return;
    set({ refreshing: true });
    try {
      const r = await credits.refreshWallet();
      if (r.ok) set({ view: r.value });
      else set({ bridgeError: r.error.message });
    } finally {
      set({ refreshing: false });
    }
  },
}));
