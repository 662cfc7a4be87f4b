// The store's state (zustand): country, subscription, purchases followed live; fed only by window.credits calls and events.
import { create } from 'zustand';
import type { Purchase, SubscriptionView } from '../../../shared/api/index';
import type { IpcError, IpcOutput, IpcResult, StoreState } from '../../../shared/ipc/contract';
import type { BillingPeriod } from '../../../shared/rules/schedule';

export interface StoreUiState {
  state: StoreState | null;
  /** the checkout the user started last, followed live */
  current: Purchase | null;
  /** a refusal or failure to show, in words */
  error: IpcError | null;
  busy: boolean;
  init(): () => void;
  setCountry(country: string): Promise<void>;
  /** `saveCard`: keep the card for auto top-up (it does not turn auto top-up on) */
  buyPack(packId: string, country: string, saveCard?: boolean): Promise<void>;
  subscribe(planId: string, period: BillingPeriod, country: string): Promise<void>;
  changePlan(planId: string | null, period: BillingPeriod | null): Promise<string | null>;
  /** takes back a cancel at the period's end; answers what it does, in words (null: refused, see `error`) */
  resumePlan(): Promise<string | null>;
  clearError(): void;
}

/** Browser mode has no system browser to hand the checkout to: a new tab is opened by the page itself. */
function openCheckout(url: string, opened: boolean): void {
  if (!opened) window.open(url, '_blank', 'noopener');
}

export const useStoreStore = create<StoreUiState>((set, get) => {
  const started = async (call: () => Promise<{ ok: true; value: { purchase: Purchase; opened: boolean } } | { ok: false; error: IpcError }>) => {
    set({ busy: true, error: null });
    const r = await call();
    set({ busy: false });
    if (!r.ok) return set({ error: r.error });
    set({ current: r.value.purchase });
    openCheckout(r.value.purchase.checkoutUrl, r.value.opened);
  };
  /** A change, cancel or resume of the plan: the subscription as it now is, an upgrade's checkout opened, and what it does in words. */
  const planCall = async (call: () => Promise<IpcResult<IpcOutput<'cancelSubscription'>>>): Promise<string | null> => {
    set({ busy: true, error: null });
    const r = await call();
    set({ busy: false });
    if (!r.ok) {
      set({ error: r.error });
      return null;
    }
    const state = get().state;
    if (state) set({ state: { ...state, subscription: r.value.subscription as SubscriptionView } });
    if (r.value.purchase) {
      set({ current: r.value.purchase });
      openCheckout(r.value.purchase.checkoutUrl, r.value.opened);
    }
    return r.value.effect;
  };
  return {
    state: null,
    current: null,
    error: null,
    busy: false,
    init() {
      const credits = window.credits;
      if (!credits) return () => {};
      const offs = [
        credits.onStoreState((state) => set({ state })),
        credits.onPurchase((p) => {
          if (get().current?.id === p.id) set({ current: p });
          void credits.getStoreState().then((r) => r.ok && set({ state: r.value }));
        }),
      ];
      void credits.getStoreState().then((r) => r.ok && set({ state: r.value }));
      return () => offs.forEach((off) => off());
    },
    async setCountry(country) {
      const r = await window.credits?.setCountry({ country });
      if (r?.ok) set({ state: r.value });
    },
    buyPack: (packId, country, saveCard) => started(() => window.credits!.buyPack({ packId, country, ...(saveCard ? { saveCard } : {}) })),
    subscribe: (planId, period, country) => started(() => window.credits!.subscribe({ planId, period, country })),
    changePlan: (planId, period) => planCall(() => (planId && period ? window.credits!.changeSubscription({ planId, period }) : window.credits!.cancelSubscription())),
    resumePlan: () => planCall(() => window.credits!.resumeSubscription()),
    clearError: () => set({ error: null }),
  };
});
