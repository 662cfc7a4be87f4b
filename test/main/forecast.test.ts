// The forecast in main: the pace from the cached ledger (captures of the last 14 days, refunds not netted, a young account's age), the popover's view from the cached wallet, and its publication with the warnings.
import { describe, expect, it } from 'vitest';
import { forecastView } from '../../main/core/forecast-view';
import { paceFromLedger } from '../../main/core/pace';
import { MemoryStore } from '../../main/core/stores';
import { WarningsCore } from '../../main/core/warnings';
import { ledgerEntrySchema, type LedgerEntry, type Wallet } from '../../shared/api/index';
import { defaultCatalog } from '../../shared/catalog/index';
import type { Warnings } from '../../shared/ipc/contract';
import { MS_PER_DAY } from '../../shared/rules/schedule';

const now = Date.parse('2026-12-07T12:00:00Z');
const C = 1000;
let nextId = 1;
const entry = (kind: LedgerEntry['kind'], amountMc: number, atMs: number): LedgerEntry => ledgerEntrySchema.parse({ id: nextId++, kind, amountMc, atMs, grantId: null, ref: null, details: {} });

const wallet = (extra: Partial<Wallet> = {}): Wallet => ({
  accountId: 'acc_1', displayName: 'A', planId: 'starter', serverTimeMs: now, availableMc: 1000 * C, heldMc: 0,
  grants: [{ id: 'g1', kind: 'pack', amountMc: 1000 * C, remainingMc: 1000 * C, effectiveAtMs: now - 30 * MS_PER_DAY, expiresAtMs: null, priority: 0, paid: true, pinnedMc: 0, note: null }],
  nextDailyResetMs: now + MS_PER_DAY, revision: 1, subscription: null, spendLimits: [], ...extra,
});

describe('pace from the ledger', () => {
  it('sums the captures of the last 14 days ÷ 14, leaving out refunds, grants and older captures', () => {
    const ledger = [
      entry('grant', 5000 * C, now - 60 * MS_PER_DAY),
      entry('capture', -999 * C, now - 15 * MS_PER_DAY),
      entry('capture', -300 * C, now - 10 * MS_PER_DAY),
      entry('refund', -50 * C, now - 9 * MS_PER_DAY),
      entry('void', 0, now - 9 * MS_PER_DAY),
      entry('capture', -120 * C, now - 2 * MS_PER_DAY),
      entry('capture', 20 * C, now - MS_PER_DAY), // a positive capture changes nothing spent
      entry('capture', -140 * C, now - 1000),
    ];
    expect(paceFromLedger(ledger, now)).toEqual({ mcPerDay: 40 * C, days: 14 });
  });

  it('divides by the account’s age when it is younger than 14 days, and by 14 when the history was trimmed', () => {
    const ledger = [entry('grant', 100 * C, now - 2.5 * MS_PER_DAY), entry('capture', -90 * C, now - MS_PER_DAY)];
    expect(paceFromLedger(ledger, now)).toEqual({ mcPerDay: 30 * C, days: 3 });
    expect(paceFromLedger(ledger, now, true)).toEqual({ mcPerDay: Math.round((90 * C) / 14), days: 14 });
    expect(paceFromLedger([], now)).toEqual({ mcPerDay: 0, days: 14 });
    expect(paceFromLedger([entry('capture', -7 * C, now - 1000)], now)).toEqual({ mcPerDay: 7 * C, days: 1 });
  });
});

describe('the popover’s forecast', () => {
  it('is computed from the cached wallet and ledger: the pace, the run-out day, what expires unused', () => {
    const ledger = [entry('grant', 2000 * C, now - 30 * MS_PER_DAY), entry('capture', -1400 * C, now - 3 * MS_PER_DAY)];
    const v = forecastView(wallet(), defaultCatalog, ledger, false, now)!;
    expect(v).toMatchObject({ paceMcPerDay: 100 * C, paceDays: 14, runOutAtMs: now + 10 * MS_PER_DAY, topUps: 0, expiringUnused: [] });
    expect(forecastView(null, defaultCatalog, ledger, false, now)).toBeNull();
    expect(forecastView(wallet(), null, ledger, false, now)).toBeNull();
    expect(forecastView(wallet({ planId: 'gone' }), defaultCatalog, ledger, false, now)).toBeNull();
  });

  it('is published with the warnings', () => {
    const core = new WarningsCore(new MemoryStore());
    const seen: Warnings[] = [];
    core.on('warnings', (w: Warnings) => seen.push(w));
    const f = forecastView(wallet(), defaultCatalog, [], false, now);
    core.evaluate(wallet(), false, defaultCatalog, now, f);
    expect(seen.at(-1)?.forecast).toEqual(f);
    const later = { ...f!, paceMcPerDay: 5 * C };
    core.setForecast(later);
    expect(seen.at(-1)?.forecast).toEqual(later);
  });
});
