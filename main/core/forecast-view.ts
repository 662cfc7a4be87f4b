// The balance popover's forecast, from the cache alone: the pace from the cached ledger and the cached wallet and catalog through the shared forecast.
import type { LedgerEntry, Wallet } from '../../shared/api/index';
import { findPlan, type Catalog } from '../../shared/catalog/schema';
import type { ForecastView } from '../../shared/ipc/contract';
import { forecastCredits } from '../../shared/rules/forecast';
import { paceFromLedger } from './pace';

/** How many expiries the view carries (the popover names the first few). */
const EXPIRIES_SHOWN = 5;

/** The forecast at server time `nowMs`; null without a wallet, a catalog, or a plan the catalog knows. */
export function forecastView(wallet: Wallet | null, catalog: Catalog | null, ledger: readonly LedgerEntry[], trimmed: boolean, nowMs: number): ForecastView | null {
  if (!wallet || !catalog || !findPlan(catalog, wallet.planId)) return null;
  const pace = paceFromLedger(ledger, nowMs, trimmed);
  const at = Math.max(nowMs, wallet.serverTimeMs);
  const f = forecastCredits({
    catalog, planId: wallet.planId, subscription: wallet.subscription ?? null, grants: wallet.grants, nowMs: at, paceMcPerDay: pace.mcPerDay,
    spendLimits: wallet.spendLimits ?? [], autoTopUp: wallet.autoTopUp ?? null,
  });
  return {
    paceMcPerDay: pace.mcPerDay, paceDays: pace.days, runOutAtMs: f.runOutAtMs, endMs: f.endMs,
    expiringUnused: f.expiringUnused.slice(0, EXPIRIES_SHOWN).map(({ kind, amountMc, atMs }) => ({ kind, amountMc, atMs })), topUps: f.topUps.length,
  };
}
