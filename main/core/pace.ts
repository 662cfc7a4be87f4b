// The spending pace for the balance forecast (docs/credit-rules.md §13), from the cached ledger: credits captured over the last 14 days (refunds not netted) ÷ 14, or over the account's age if younger.
import type { LedgerEntry } from '../../shared/api/index';
import { PACE_WINDOW_DAYS } from '../../shared/rules/forecast';
import { MS_PER_DAY } from '../../shared/rules/schedule';

export interface Pace {
  /** millicredits a day, rounded */
  mcPerDay: number;
  /** the days it was measured over: 14, or the account's age in days (at least 1) */
  days: number;
}

/**
 * The pace at `nowMs` from ledger entries in id order. The account's age is counted from its first entry held; a history
 * trimmed to its most recent entries (`trimmed`) is taken to be older than the window.
 */
export function paceFromLedger(entries: readonly LedgerEntry[], nowMs: number, trimmed = false): Pace {
  const windowStart = nowMs - PACE_WINDOW_DAYS * MS_PER_DAY;
  const first = entries[0];
  const ageDays = !first || trimmed ? PACE_WINDOW_DAYS : Math.ceil(Math.max(0, nowMs - first.atMs) / MS_PER_DAY);
  const days = Math.max(1, Math.min(PACE_WINDOW_DAYS, ageDays));
  let capturedMc = 0;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.atMs <= windowStart) break;
    if (e.kind === 'capture' && e.amountMc < 0 && e.atMs <= nowMs) capturedMc -= e.amountMc;
  }
  return { mcPerDay: Math.round(capturedMc / days), days };
}
