// Warnings from the live wallet: low balance (once per crossing, persisted) and credits expiring soon, for the banner and notifications.
import { EventEmitter } from 'node:events';
import type { Wallet } from '../../shared/api/index';
import { findPlan, type Catalog } from '../../shared/catalog/schema';
import { defaultLowBalanceThresholdMc, DEFAULT_EXPIRY_WARNING_MS, evaluateLowBalance, expiringSoon, INITIAL_LOW_BALANCE_STATE, type LowBalanceState } from '../../shared/rules/warnings';
import { formatCredits } from '../../shared/rules/money';
import type { Warnings } from '../../shared/ipc/contract';
import type { KeyValueStore } from './stores';

const FALLBACK_THRESHOLD_MC = 10_000;

/** Emits 'warnings' (Warnings) when they change and 'notify' ({title, body}) when a system notification is due. */
export class WarningsCore extends EventEmitter {
  current: Warnings = { lowBalance: null, expiring: null };

  constructor(private readonly store: KeyValueStore) {
    super();
  }

  thresholdMc(wallet: Wallet | null, catalog: Catalog | null): number {
    const set = (this.store.get('settings') as { lowBalanceThresholdMc?: unknown } | undefined)?.lowBalanceThresholdMc;
    if (typeof set === 'number' && Number.isSafeInteger(set) && set >= 0) return set;
    const plan = wallet && catalog ? findPlan(catalog, wallet.planId) : undefined;
    return plan && catalog ? defaultLowBalanceThresholdMc(plan, catalog.policies) : FALLBACK_THRESHOLD_MC;
  }

  /** Re-evaluates from a wallet read live from the server (a cached wallet never fires a notification). */
  evaluate(wallet: Wallet, live: boolean, catalog: Catalog | null, serverNowMs: number): void {
    const thresholdMc = this.thresholdMc(wallet, catalog);
    const raw = this.store.get('lowBalanceState') as LowBalanceState | undefined;
    const state = raw && typeof raw.armed === 'boolean' ? raw : INITIAL_LOW_BALANCE_STATE;
    const r = evaluateLowBalance(state, wallet.availableMc, thresholdMc);
    if (live) {
      this.store.set('lowBalanceState', r.state);
      if (r.fire) {
        this.emit('notify', {
          title: 'Low credit balance',
          body: `${formatCredits(wallet.availableMc)} credits left, below your ${formatCredits(thresholdMc)} credit warning level.`,
        });
      }
    }
    const exp = expiringSoon(wallet.grants, serverNowMs, catalog?.policies.expiryWarningMs ?? DEFAULT_EXPIRY_WARNING_MS);
    const next: Warnings = {
      lowBalance: r.low ? { availableMc: wallet.availableMc, thresholdMc } : null,
      expiring: exp.items.length ? { totalMc: exp.totalMc, firstExpiresAtMs: exp.items[0]!.expiresAtMs, items: exp.items } : null,
    };
    if (JSON.stringify(next) !== JSON.stringify(this.current)) {
      this.current = next;
      this.emit('warnings', next);
    }
  }
}
