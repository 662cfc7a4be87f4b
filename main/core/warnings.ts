// Warnings and alerts from the live wallet and purchases: low balance, spend limits near their end, credits expiring, auto top-ups; each alert once, its memory persisted.
import { EventEmitter } from 'node:events';
import type { Wallet } from '../../shared/api/index';
import { findPlan, type Catalog } from '../../shared/catalog/schema';
import { alertText } from '../../shared/rules/alert-text';
import { evaluatePurchaseAlert, evaluateWalletAlerts, limitsAtAlert, readAlertSettings, readAlertState, type AlertState, type FiredAlert } from '../../shared/rules/alerts';
import { limitName } from '../../shared/rules/spend-limits';
import { defaultLowBalanceThresholdMc, expiringSoon } from '../../shared/rules/warnings';
import { MS_PER_DAY } from '../../shared/rules/schedule';
import type { AlertEvent, ForecastView, Warnings } from '../../shared/ipc/contract';
import type { KeyValueStore } from './stores';

const FALLBACK_THRESHOLD_MC = 10_000;
/** where the alerts' memory is kept; 'lowBalanceState' is where the low-balance warning kept its own before alerts */
const ALERT_STATE_KEY = 'alertState';
const LEGACY_LOW_BALANCE_KEY = 'lowBalanceState';

export const NO_WARNINGS: Warnings = { lowBalance: null, expiring: null, spendLimits: [], autoTopUp: null };

/**
 * Emits 'warnings' (Warnings) when they change, and for each alert that fires 'alert' (AlertEvent, for the renderer) and
 * 'notify' ({title, body}: the system notification, which Electron's main shows).
 */
export class WarningsCore extends EventEmitter {
  current: Warnings = NO_WARNINGS;
  /** the last auto top-up alerted in this session, shown until the next */
  private autoTopUp: Warnings['autoTopUp'] = null;
  private forecast: ForecastView | null = null;

  constructor(private readonly store: KeyValueStore) {
    super();
  }

  thresholdMc(wallet: Wallet | null, catalog: Catalog | null): number {
    const set = (this.store.get('settings') as { lowBalanceThresholdMc?: unknown } | undefined)?.lowBalanceThresholdMc;
    if (typeof set === 'number' && Number.isSafeInteger(set) && set >= 0) return set;
    const plan = wallet && catalog ? findPlan(catalog, wallet.planId) : undefined;
    return plan && catalog ? defaultLowBalanceThresholdMc(plan, catalog.policies) : FALLBACK_THRESHOLD_MC;
  }

  private state(): AlertState {
    return readAlertState(this.store.get(ALERT_STATE_KEY), this.store.get(LEGACY_LOW_BALANCE_KEY));
  }

  /** The balance forecast, computed by the app core from the cached wallet and history: published with the warnings. */
  setForecast(forecast: ForecastView | null): void {
    this.forecast = forecast;
    if (this.current !== NO_WARNINGS) this.publish({ ...this.current, forecast });
  }

  /** Re-evaluates from a wallet; only one read live from the server fires alerts or moves their memory (a cached one never does). */
  evaluate(wallet: Wallet, live: boolean, catalog: Catalog | null, serverNowMs: number, forecast?: ForecastView | null): void {
    if (forecast !== undefined) this.forecast = forecast;
    const settings = readAlertSettings(this.store.get('settings'));
    const thresholdMc = this.thresholdMc(wallet, catalog);
    const limits = wallet.spendLimits ?? [];
    if (live) {
      const r = evaluateWalletAlerts(this.state(), { availableMc: wallet.availableMc, grants: wallet.grants, spendLimits: limits, thresholdMc, nowMs: serverNowMs }, settings);
      this.store.set(ALERT_STATE_KEY, r.state);
      for (const a of r.fired) this.fire(a, catalog);
    }
    const modelName = modelNames(catalog);
    const exp = expiringSoon(wallet.grants, serverNowMs, settings.expiryAlertDays * MS_PER_DAY);
    const low = wallet.availableMc < thresholdMc;
    this.publish({
      lowBalance: settings.lowBalanceAlert && low ? { availableMc: wallet.availableMc, thresholdMc } : null,
      expiring: settings.expiryAlert && exp.items.length ? { totalMc: exp.totalMc, firstExpiresAtMs: exp.items[0]!.expiresAtMs, items: exp.items } : null,
      spendLimits: settings.spendLimitAlert
        ? limitsAtAlert(limits, settings.spendLimitAlertPercent, serverNowMs).map(({ key, limit, usedMc, percent }) => ({
            key: `${key}:${limit.resetsAtMs}`,
            name: limitName(limit, modelName),
            window: limit.window,
            limitMc: limit.limitMc,
            usedMc,
            percent,
            resetsAtMs: limit.resetsAtMs,
          }))
        : [],
      autoTopUp: this.autoTopUp,
      forecast: this.forecast,
    });
  }

  /** A purchase main read (by any path, any number of times): an auto top-up that ended (bought, or failed) alerts once per purchase. */
  onPurchase(purchase: unknown, serverNowMs: number): void {
    const r = evaluatePurchaseAlert(this.state(), purchase, readAlertSettings(this.store.get('settings')), serverNowMs);
    if (!r.fired) return;
    this.store.set(ALERT_STATE_KEY, r.state);
    const text = this.fire(r.fired, null);
    if (r.fired.kind === 'auto_top_up') this.autoTopUp = { key: r.fired.key, ok: r.fired.outcome.ok, text: text.body };
    this.publish({ ...this.current, autoTopUp: this.autoTopUp });
  }

  private fire(a: FiredAlert, catalog: Catalog | null): { title: string; body: string } {
    const text = alertText(a, modelNames(catalog));
    const event: AlertEvent = { key: a.key.slice(0, 300), kind: a.kind, ...text };
    this.emit('alert', event);
    this.emit('notify', text);
    return text;
  }

  private publish(next: Warnings): void {
    if (JSON.stringify(next) === JSON.stringify(this.current)) return;
    this.current = next;
    this.emit('warnings', next);
  }
}

function modelNames(catalog: Catalog | null): (id: string) => string | undefined {
  return (id) => catalog?.models.find((m) => m.id === id)?.name;
}
