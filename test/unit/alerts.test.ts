// The alert rules: settings saved before alerts load with defaults, levels are refused out of range (never clamped), each alert fires once per crossing, window, grant or purchase, and its words.
import { describe, expect, it } from 'vitest';
import { alertText, autoTopUpText } from '../../shared/rules/alert-text';
import {
  AUTO_TOP_UP_ALERT_MAX_AGE_MS,
  autoTopUpOutcome,
  DEFAULT_ALERT_SETTINGS,
  evaluatePurchaseAlert,
  evaluateWalletAlerts,
  INITIAL_ALERT_STATE,
  limitsAtAlert,
  parseAlertNumber,
  readAlertSettings,
  readAlertState,
  type AlertSettings,
  type AlertState,
  type WalletAlertInput,
} from '../../shared/rules/alerts';
import type { Grant } from '../../shared/rules/grants';
import type { SpendLimitState } from '../../shared/rules/spend-limits';

const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);
const NOW = at('2026-11-25T12:00:00Z');
const ALL_ON: AlertSettings = { ...DEFAULT_ALERT_SETTINGS, spendLimitAlert: true };
const limit = (over: Partial<SpendLimitState> = {}): SpendLimitState => ({
  window: 'day', scope: { kind: 'all' }, limitMc: 1_500, setBy: 'user', spentMc: 0, heldMc: 0, windowStartMs: at('2026-11-25T00:00:00Z'), resetsAtMs: at('2026-11-26T00:00:00Z'), ...over,
});
const grant = (id: string, expiresAtMs: number | null, over: Partial<Grant> = {}): Grant => ({ id, kind: 'pack', amountMc: 10_000, remainingMc: 10_000, effectiveAtMs: NOW - 30 * DAY, expiresAtMs, priority: 0, paid: true, pinnedMc: 0, ...over });
const wallet = (over: Partial<WalletAlertInput> = {}): WalletAlertInput => ({ availableMc: 50_000, grants: [], spendLimits: [], thresholdMc: 10_000, nowMs: NOW, ...over });
const run = (state: AlertState, w: WalletAlertInput, s: AlertSettings = ALL_ON) => evaluateWalletAlerts(state, w, s);

describe('alert settings', () => {
  it('settings saved before alerts existed load with every default, and a bad saved value is its default', () => {
    expect(readAlertSettings({ autoApproveMc: 5_000, lowBalanceThresholdMc: null })).toEqual(DEFAULT_ALERT_SETTINGS);
    expect(readAlertSettings(undefined)).toEqual({ lowBalanceAlert: true, spendLimitAlert: false, spendLimitAlertPercent: 80, expiryAlert: true, expiryAlertDays: 3, autoTopUpAlert: true });
    expect(readAlertSettings({ spendLimitAlert: true, spendLimitAlertPercent: 50, expiryAlertDays: 30, autoTopUpAlert: false })).toMatchObject({ spendLimitAlert: true, spendLimitAlertPercent: 50, expiryAlertDays: 30, autoTopUpAlert: false });
    expect(readAlertSettings({ spendLimitAlertPercent: 0, expiryAlertDays: 31, lowBalanceAlert: 'yes' })).toEqual(DEFAULT_ALERT_SETTINGS);
  });

  it('a level typed out of range or not whole is refused with the range, never clamped', () => {
    expect(parseAlertNumber('80', 'percent')).toBe(80);
    expect(parseAlertNumber(' 100 % ', 'percent')).toBe(100);
    expect(parseAlertNumber('1', 'days')).toBe(1);
    expect(parseAlertNumber('30', 'days')).toBe(30);
    for (const bad of ['0', '101', '85.5', '-5', 'abc', '', '1e2']) expect(() => parseAlertNumber(bad, 'percent')).toThrow('The spend-limit alert level must be a whole percentage from 1 to 100.');
    for (const bad of ['0', '31', '2.5', 'three', '']) expect(() => parseAlertNumber(bad, 'days')).toThrow('The days before expiry must be a whole number from 1 to 30.');
  });

  it('a state saved before alerts keeps the low-balance memory; an unreadable one starts afresh', () => {
    expect(readAlertState(undefined, { armed: false })).toEqual({ ...INITIAL_ALERT_STATE, lowBalance: { armed: false } });
    expect(readAlertState({ lowBalance: 'x' })).toEqual(INITIAL_ALERT_STATE);
    const saved: AlertState = { lowBalance: { armed: false }, spendLimits: { k: 1 }, expiring: { g: 2 }, purchases: ['pur_a'] };
    expect(readAlertState(JSON.parse(JSON.stringify(saved)), { armed: true })).toEqual(saved);
  });
});

describe('balance below the level', () => {
  it('fires once per crossing, again only after rising above; off, it neither fires nor moves', () => {
    let r = run(INITIAL_ALERT_STATE, wallet({ availableMc: 9_000 }));
    expect(r.fired).toMatchObject([{ kind: 'low_balance', availableMc: 9_000, thresholdMc: 10_000 }]);
    r = run(r.state, wallet({ availableMc: 5_000 }));
    expect(r.fired).toEqual([]);
    r = run(r.state, wallet({ availableMc: 10_000 })); // at the level: not above, not re-armed
    r = run(r.state, wallet({ availableMc: 9_999 }));
    expect(r.fired).toEqual([]);
    const off = run(r.state, wallet({ availableMc: 20_000 }), { ...ALL_ON, lowBalanceAlert: false });
    expect(off.state.lowBalance).toEqual(r.state.lowBalance);
    r = run(r.state, wallet({ availableMc: 10_001 }));
    expect(run(r.state, wallet({ availableMc: 3_000 })).fired).toHaveLength(1);
    expect(alertText(run(INITIAL_ALERT_STATE, wallet({ availableMc: 9_000 })).fired[0]!)).toEqual({ title: 'Low credit balance', body: '9 credits left, below your 10 credit warning level.' });
  });
});

describe('a spend limit N% used', () => {
  it('counts spent and held against the share exactly: 80% of 1.5 credits is 1.2', () => {
    expect(limitsAtAlert([limit({ spentMc: 1_000, heldMc: 199 })], 80, NOW)).toEqual([]);
    expect(limitsAtAlert([limit({ spentMc: 1_000, heldMc: 200 })], 80, NOW)).toMatchObject([{ usedMc: 1_200, percent: 80 }]);
    expect(limitsAtAlert([limit({ spentMc: 2_000 })], 100, NOW)).toMatchObject([{ percent: 133 }]); // a lowered limit may be passed already
    // read after its window ended: the new window has used nothing
    expect(limitsAtAlert([limit({ spentMc: 1_500 })], 80, at('2026-11-26T00:00:00Z'))).toEqual([]);
  });

  it('fires once per limit per window; a new window, or a changed amount, re-arms it', () => {
    const used = limit({ spentMc: 1_000, heldMc: 300 });
    let r = run(INITIAL_ALERT_STATE, wallet({ spendLimits: [used] }));
    expect(r.fired).toMatchObject([{ kind: 'spend_limit', at: { percent: 86 } }]);
    expect(alertText(r.fired[0]!).body).toBe('86% of your daily spend limit of 1.5 credits is used (1.3 credits spent and held); it resets 2026-11-26 00:00 UTC.');
    r = run(r.state, wallet({ spendLimits: [limit({ spentMc: 1_500 })], nowMs: NOW + 3_600_000 }));
    expect(r.fired).toEqual([]);
    expect(run(r.state, wallet({ spendLimits: [limit({ spentMc: 1_500, limitMc: 1_800 })] })).fired).toHaveLength(1);
    const next = limit({ spentMc: 1_300, windowStartMs: at('2026-11-26T00:00:00Z'), resetsAtMs: at('2026-11-27T00:00:00Z') });
    r = run(r.state, wallet({ spendLimits: [next], nowMs: at('2026-11-26T09:00:00Z') }));
    expect(r.fired).toHaveLength(1);
    expect(Object.values(r.state.spendLimits)).toEqual([at('2026-11-27T00:00:00Z')]); // the ended window is forgotten
    expect(run(INITIAL_ALERT_STATE, wallet({ spendLimits: [used] }), DEFAULT_ALERT_SETTINGS).fired).toEqual([]); // off by default
  });
});

describe('credits expiring within N days', () => {
  it('fires once per grant, within the days set, never for daily credits', () => {
    const grants = [grant('g-soon', NOW + 2 * DAY), grant('g-later', NOW + 5 * DAY), grant('g-daily', NOW + DAY, { kind: 'daily' }), grant('g-never', null)];
    let r = run(INITIAL_ALERT_STATE, wallet({ grants }));
    expect(r.fired).toMatchObject([{ kind: 'expiring', days: 3, items: [{ grantId: 'g-soon', remainingMc: 10_000 }] }]);
    expect(alertText(r.fired[0]!).body).toBe('10 credits will expire unused within 3 days: 10 credits on 2026-11-27 12:00 UTC. They are spent first.');
    r = run(r.state, wallet({ grants, nowMs: NOW + DAY }));
    expect(r.fired).toEqual([]);
    r = run(r.state, wallet({ grants, nowMs: NOW + DAY }), { ...ALL_ON, expiryAlertDays: 7 });
    expect(r.fired).toMatchObject([{ items: [{ grantId: 'g-later' }] }]);
    r = run(r.state, wallet({ grants, nowMs: NOW + 3 * DAY }));
    expect(Object.keys(r.state.expiring)).toEqual(['g-later']); // past its expiry, a grant is forgotten: it cannot be in force again
  });
});

describe('an auto top-up done or failed', () => {
  const paid = { id: 'pur_1', reason: 'auto_top_up', status: 'paid', name: '200 credits', priceMinor: 199, currency: 'USD', failure: null, createdAtMs: NOW - 60_000, paidAtMs: NOW - 30_000 };
  it('reads the purchase defensively: only a reason of auto_top_up that ended', () => {
    expect(autoTopUpOutcome({ ...paid, reason: undefined })).toBeNull();
    expect(autoTopUpOutcome({ ...paid, status: 'pending' })).toBeNull();
    expect(autoTopUpOutcome(null)).toBeNull();
    expect(autoTopUpOutcome('pur_1')).toBeNull();
    expect(autoTopUpOutcome({ ...paid, status: 'pending', failure: { code: 'authentication_required', message: 'Your bank asks you to confirm the payment.' } })).toMatchObject({ ok: false });
    expect(autoTopUpText(autoTopUpOutcome(paid)!)).toBe('Auto top-up: bought 200 credits ($1.99)');
    expect(autoTopUpText(autoTopUpOutcome({ ...paid, status: 'failed', failure: { code: 'card_declined', message: 'Your card was declined.' } })!)).toBe('Auto top-up failed: Your card was declined — open the Store to fix it');
    expect(autoTopUpText(autoTopUpOutcome({ ...paid, status: 'canceled' })!)).toBe('Auto top-up failed: the payment did not go through — open the Store to fix it');
  });
  it('fires once per purchase id, and not while off', () => {
    const first = evaluatePurchaseAlert(INITIAL_ALERT_STATE, { ...paid, status: 'failed' }, ALL_ON, NOW);
    expect(first.fired).toMatchObject({ kind: 'auto_top_up', key: 'auto_top_up:pur_1', outcome: { ok: false } });
    expect(evaluatePurchaseAlert(first.state, paid, ALL_ON, NOW).fired).toBeNull();
    expect(evaluatePurchaseAlert(INITIAL_ALERT_STATE, paid, { ...ALL_ON, autoTopUpAlert: false }, NOW)).toEqual({ fired: null, state: INITIAL_ALERT_STATE });
    expect(alertText(evaluatePurchaseAlert(INITIAL_ALERT_STATE, paid, ALL_ON, NOW).fired!)).toEqual({ title: 'Auto top-up', body: 'Auto top-up: bought 200 credits ($1.99)' });
  });
  it('does not alert one that ended more than a day before, and does not remember it either', () => {
    const paidAtMs = NOW - AUTO_TOP_UP_ALERT_MAX_AGE_MS;
    expect(evaluatePurchaseAlert(INITIAL_ALERT_STATE, { ...paid, paidAtMs }, ALL_ON, NOW).fired).toMatchObject({ key: 'auto_top_up:pur_1' });
    expect(evaluatePurchaseAlert(INITIAL_ALERT_STATE, { ...paid, paidAtMs: paidAtMs - 1 }, ALL_ON, NOW)).toEqual({ fired: null, state: INITIAL_ALERT_STATE });
    // a failed one tells no payment time: its creation counts
    const failed = { ...paid, status: 'failed', paidAtMs: null, createdAtMs: paidAtMs - 1 };
    expect(evaluatePurchaseAlert(INITIAL_ALERT_STATE, failed, ALL_ON, NOW).fired).toBeNull();
    expect(evaluatePurchaseAlert(INITIAL_ALERT_STATE, { ...failed, createdAtMs: NOW }, ALL_ON, NOW).fired).toMatchObject({ outcome: { ok: false } });
    // one that tells no time at all is judged new
    expect(evaluatePurchaseAlert(INITIAL_ALERT_STATE, { ...paid, paidAtMs: undefined, createdAtMs: 'yesterday' }, ALL_ON, NOW).fired).not.toBeNull();
  });
});
