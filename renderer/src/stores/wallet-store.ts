// The wallet store (zustand): fed only by window.credits calls and events; views read it.
import { create } from 'zustand';
import type { WalletView } from '../../../shared/ipc/contract';
import { isNewerWallet } from '../../../shared/rules/wallet-order';
import { firstTheme } from '../lib/theme';

export const FOCUS_SYNC_MIN_INTERVAL_MS = 5_000;

/**
 * The view to show when `next` arrives (an event, or the answer to a call that may have crossed one): `next`, unless the live
 * wallet shown is newer by the one wallet-order rule. Main applies the same rule, so this only drops an answer that was overtaken.
 */
export function newerView(shown: WalletView | null, next: WalletView): WalletView {
  if (shown?.wallet && next.wallet && shown.source === 'live' && isNewerWallet(shown.wallet, next.wallet)) return shown;
  return next;
}

/**
 * The view while the app itself is gone (browser mode's bridge lost its socket): nothing is live any more, so every page that needs
 * main online sees it offline; what it last knew stays shown.
 */
export function appStoppedView(view: WalletView, message: string): WalletView {
  return { ...view, connection: 'offline', source: view.wallet ? 'cache' : 'none', lastError: message, notAnswering: false };
}

/**
 * The first wallet view, asked for as this module loads (before React's first render): main answers at once with what it has — the
 * live wallet when it is online, else its cached one, dated — and the page's first render waits for it (firstViewSettled), so the
 * balance is in the first paint rather than one render later.
 */
const firstView: ReturnType<NonNullable<typeof window.credits>['getWalletView']> | null = typeof window !== 'undefined' && window.credits ? window.credits.getWalletView() : null;

/** How long the first render waits for main's first wallet view: main answers in a few ms; a page never waits longer than this to paint. */
export const FIRST_VIEW_WAIT_MS = 150;

/** Resolves once main's first wallet view is in the store and its theme on the page, or after `maxWaitMs` (the page then paints without them, and they follow). */
export function firstViewSettled(maxWaitMs = FIRST_VIEW_WAIT_MS): Promise<void> {
  if (!firstView) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, maxWaitMs);
    void Promise.allSettled([firstView, firstTheme]).finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export interface WalletState {
  view: WalletView | null;
  /** a message when the bridge itself failed (not a server problem: those are in view.lastError) */
  bridgeError: string | null;
  /** what to tell the user when the app behind this page stopped (browser mode), null while it is there */
  appStopped: string | null;
  refreshing: boolean;
  init(): () => void;
  refresh(): Promise<void>;
}

export const useWalletStore = create<WalletState>((set, get) => ({
  view: null,
  bridgeError: null,
  appStopped: null,
  refreshing: false,
  init() {
    const credits = window.credits;
    if (!credits) {
      set({ bridgeError: 'Credits Desk is not connected to this window: it has no bridge to the app. Open Credits Desk itself (npm start), or browser mode at the address it printed.' });
      return () => {};
    }
    const off = credits.onWalletView((view) => set((s) => ({ view: newerView(s.view, view) })));
    // the app stopped: said at once, and the view is no longer live; back: main's own view again
    const offLink = credits.onAppLink((link) => {
      if (!link.connected) {
        const message = link.message ?? 'The app stopped';
        set((s) => ({ appStopped: message, view: s.view && appStoppedView(s.view, message) }));
        return;
      }
      set({ appStopped: null });
      void credits.getWalletView().then((r) => r.ok && set({ view: r.value }));
    });
    // Coming back to the window is when a user looks at the balance: sync then (throttled, so focus flicker costs nothing).
    let lastFocusSync = 0;
    const onFocus = () => {
      if (get().appStopped || Date.now() - lastFocusSync < FOCUS_SYNC_MIN_INTERVAL_MS) return;
      lastFocusSync = Date.now();
      void get().refresh();
    };
    window.addEventListener('focus', onFocus);
    if (!firstView) void credits.getWalletView().then((r) => takeView(r)); // the bridge came after this module loaded
    return () => {
      off();
      offLink();
      window.removeEventListener('focus', onFocus);
    };
  },
  async refresh() {
    const credits = window.credits;
    if (!credits || get().refreshing || get().appStopped) return;
    set({ refreshing: true });
    try {
      const r = await credits.refreshWallet();
      if (r.ok) set((s) => ({ view: newerView(s.view, r.value) }));
      else set({ bridgeError: r.error.message });
    } finally {
      set({ refreshing: false });
    }
  },
}));

/** An answer to getWalletView: shown unless a newer view (an event) came first; a failed call is the bridge's problem, said once. */
function takeView(r: Awaited<NonNullable<typeof firstView>>): void {
  if (r.ok) useWalletStore.setState((s) => ({ view: newerView(s.view, r.value) }));
  else useWalletStore.setState({ bridgeError: r.error.message });
}

void firstView?.then(takeView);
