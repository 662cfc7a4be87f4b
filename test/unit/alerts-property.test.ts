// fast-check: whatever the sequence of wallets, purchases and settings (state saved and read back between steps, as across restarts),
// each alert fires at most once per crossing, window, grant or purchase, and fires whenever one happens while it is on.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PURCHASE_STATUSES } from '../../shared/api/payments';
import { AUTO_TOP_UP_ALERT_MAX_AGE_MS, autoTopUpOutcome, evaluatePurchaseAlert, evaluateWalletAlerts, INITIAL_ALERT_STATE, limitKey, readAlertState, type AlertSettings, type AlertState, type FiredAlert } from '../../shared/rules/alerts';
import type { Grant, GrantKind } from '../../shared/rules/grants';
import { spendWindowOf, stateAt, type SpendLimitState, type SpendScope, type SpendWindow } from '../../shared/rules/spend-limits';
import { expiringSoon } from '../../shared/rules/warnings';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-22T12:00:00Z');
const LIMITS: { window: SpendWindow; scope: SpendScope; setBy: 'user' | 'operator' }[] = [
  { window: 'day', scope: { kind: 'all' }, setBy: 'user' },
  { window: 'week', scope: { kind: 'modality', modality: 'image' }, setBy: 'operator' },
  { window: 'month', scope: { kind: 'model', modelId: 'flux-schnell' }, setBy: 'user' },
];
const GRANT_COUNT = 5;

const settingsArb: fc.Arbitrary<AlertSettings> = fc.record({
  lowBalanceAlert: fc.boolean(),
  spendLimitAlert: fc.boolean(),
  spendLimitAlertPercent: fc.oneof(fc.constantFrom(1, 50, 80, 100), fc.integer({ min: 1, max: 100 })),
  expiryAlert: fc.boolean(),
  expiryAlertDays: fc.integer({ min: 1, max: 30 }),
  autoTopUpAlert: fc.boolean(),
});

const walletStep = fc.record({
  type: fc.constant('wallet' as const),
  dtMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 * 3_600_000 }), fc.integer({ min: 0, max: 3 * DAY })),
  availableMc: fc.integer({ min: -2_000, max: 40_000 }),
  thresholdMc: fc.constantFrom(10_000, 20_000, 30_000),
  grants: fc.uniqueArray(fc.record({ idx: fc.integer({ min: 0, max: GRANT_COUNT - 1 }), remainingMc: fc.constantFrom(0, 1, 5_000, 20_000) }), { selector: (g) => g.idx, maxLength: GRANT_COUNT }),
  limits: fc.uniqueArray(
    fc.record({ def: fc.integer({ min: 0, max: LIMITS.length - 1 }), limitMc: fc.constantFrom(1_000, 1_500, 10_000), spentMc: fc.integer({ min: 0, max: 12_000 }), heldMc: fc.constantFrom(0, 1, 500, 5_000), staleDays: fc.constantFrom(0, 0, 0, 2, 40) }),
    { selector: (l) => l.def, maxLength: LIMITS.length },
  ),
  settings: settingsArb,
});
const purchaseStep = fc.record({
  type: fc.constant('purchase' as const),
  id: fc.constantFrom('pur_a', 'pur_b', 'pur_c', 'pur_d'),
  reason: fc.constantFrom('auto_top_up', 'auto_top_up', 'user', undefined),
  status: fc.constantFrom(...PURCHASE_STATUSES),
  failure: fc.option(fc.record({ code: fc.constant('card_declined'), message: fc.constantFrom('Your card was declined.', '') })),
  /** how long before now it was paid (or created): past a day, it is too old to alert */
  ageMs: fc.oneof(fc.integer({ min: 0, max: 2 * DAY }), fc.constant(AUTO_TOP_UP_ALERT_MAX_AGE_MS), fc.constant(AUTO_TOP_UP_ALERT_MAX_AGE_MS + 1)),
  settings: settingsArb,
});
/** each grant keeps its kind and expiry for the whole run (a grant's expiry is set when it is granted) */
const grantsArb = fc.array(fc.record({ kind: fc.constantFrom<GrantKind>('pack', 'bonus', 'subscription', 'daily'), expiresInMs: fc.option(fc.integer({ min: -DAY, max: 40 * DAY })) }), { minLength: GRANT_COUNT, maxLength: GRANT_COUNT });

/** What has happened so far, from the properties' point of view (not the implementation's). */
interface Seen {
  /** an on-step saw the balance above the level since the balance alert last fired (true before it ever fired) */
  aboveSinceLowFire: boolean;
  limitWindows: Set<string>;
  grants: Set<string>;
  purchases: Set<string>;
}

function checkWallet(fired: FiredAlert[], w: { availableMc: number; thresholdMc: number; grants: Grant[]; spendLimits: SpendLimitState[]; nowMs: number }, s: AlertSettings, seen: Seen): void {
  const low = fired.filter((a) => a.kind === 'low_balance');
  // balance: only while on and below; fires at a crossing (seen above since the last fire); at most once per crossing
  const lowExpected = s.lowBalanceAlert && w.availableMc < w.thresholdMc && seen.aboveSinceLowFire;
  expect(low.length).toBe(lowExpected ? 1 : 0);
  if (s.lowBalanceAlert && w.availableMc > w.thresholdMc) seen.aboveSinceLowFire = true;
  if (lowExpected) seen.aboveSinceLowFire = false;

  // spend limits: every limit whose current window reached the share fires once per window, while on
  const limitFires = fired.flatMap((a) => (a.kind === 'spend_limit' ? [`${limitKey(a.at.limit)}@${a.at.limit.resetsAtMs}`] : []));
  const reached = s.spendLimitAlert
    ? w.spendLimits.map((l) => stateAt(l, w.nowMs)).filter((l) => (l.spentMc + l.heldMc) * 100 >= s.spendLimitAlertPercent * l.limitMc).map((l) => `${limitKey(l)}@${l.resetsAtMs}`)
    : [];
  for (const k of limitFires) expect(seen.limitWindows.has(k), `fired twice in one window: ${k}`).toBe(false);
  expect(new Set(limitFires)).toEqual(new Set(reached.filter((k) => !seen.limitWindows.has(k))));
  expect(limitFires.length).toBe(new Set(limitFires).size);
  for (const k of limitFires) seen.limitWindows.add(k);

  // expiry: every grant expiring within the days set fires once, while on (in one alert per wallet)
  const exp = fired.filter((a) => a.kind === 'expiring');
  expect(exp.length).toBeLessThanOrEqual(1);
  const firedGrants = exp.flatMap((a) => (a.kind === 'expiring' ? a.items.map((i) => i.grantId) : []));
  const due = s.expiryAlert ? expiringSoon(w.grants, w.nowMs, s.expiryAlertDays * DAY).items.map((i) => i.grantId) : [];
  for (const g of firedGrants) expect(seen.grants.has(g), `grant alerted twice: ${g}`).toBe(false);
  expect(new Set(firedGrants)).toEqual(new Set(due.filter((g) => !seen.grants.has(g))));
  for (const g of firedGrants) seen.grants.add(g);
}

describe('alerts, whatever happens', () => {
  it('fire at most once per crossing / window / grant / purchase, and whenever one happens while on', () => {
    fc.assert(
      fc.property(grantsArb, fc.array(fc.oneof({ weight: 4, arbitrary: walletStep }, { weight: 1, arbitrary: purchaseStep }), { maxLength: 40 }), (grantDefs, steps) => {
        let now = T0;
        let saved: unknown = INITIAL_ALERT_STATE;
        const seen: Seen = { aboveSinceLowFire: true, limitWindows: new Set(), grants: new Set(), purchases: new Set() };
        for (const step of steps) {
          const state: AlertState = readAlertState(JSON.parse(JSON.stringify(saved))); // as main reads it back after a restart
          if (step.type === 'purchase') {
            const p = { id: step.id, reason: step.reason, status: step.status, failure: step.failure, name: '200 credits', priceMinor: 199, currency: 'USD', createdAtMs: now - step.ageMs - 1_000, paidAtMs: step.status === 'paid' ? now - step.ageMs : null };
            const r = evaluatePurchaseAlert(state, p, step.settings, now);
            const recent = (step.status === 'paid' ? step.ageMs : step.ageMs + 1_000) <= AUTO_TOP_UP_ALERT_MAX_AGE_MS;
            const expected = step.settings.autoTopUpAlert && autoTopUpOutcome(p) !== null && recent && !seen.purchases.has(step.id);
            expect(r.fired !== null).toBe(expected);
            if (expected) seen.purchases.add(step.id);
            saved = r.state;
            continue;
          }
          now += step.dtMs;
          const grants: Grant[] = step.grants.map((g) => {
            const def = grantDefs[g.idx]!;
            return { id: `g${g.idx}`, kind: def.kind, amountMc: 20_000, remainingMc: g.remainingMc, effectiveAtMs: T0 - DAY, expiresAtMs: def.expiresInMs === null ? null : T0 + def.expiresInMs, priority: 0, paid: false, pinnedMc: 0 };
          });
          const spendLimits: SpendLimitState[] = step.limits.map((l) => {
            const def = LIMITS[l.def]!;
            const w = spendWindowOf(def.window, now - l.staleDays * DAY); // a wallet read some days ago, or now
            return { ...def, limitMc: l.limitMc, spentMc: l.spentMc, heldMc: l.heldMc, windowStartMs: w.startMs, resetsAtMs: w.endMs };
          });
          const w = { availableMc: step.availableMc, thresholdMc: step.thresholdMc, grants, spendLimits, nowMs: now };
          const r = evaluateWalletAlerts(state, w, step.settings);
          checkWallet(r.fired, w, step.settings, seen);
          saved = r.state;
        }
      }),
      { numRuns: 300 },
    );
  });
});
