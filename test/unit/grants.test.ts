// Tests of grants: burn order, holds pinned to grants, settling and voiding from pins, expiry of the unpinned part, limits and conservation.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  allocatePins, applyExpiries, applyPins, availableMc, checkHold, checkNewGrant, compareBurnOrder, dueExpiries, fundedByPaid, heldMc,
  InsufficientCreditsError, isInForce, MAX_LIVE_GRANTS, settleHold, settlePins, TooManyGrantsError, voidHold, type Grant, type Pin, GRANT_KINDS,
} from '../../shared/rules/grants';
import { CreditAmountError, MAX_BALANCE_MC, MAX_GRANT_MC } from '../../shared/rules/money';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const g = (over: Partial<Grant> & { id: string }): Grant => ({
  kind: 'bonus', amountMc: 10_000, remainingMc: 10_000, effectiveAtMs: NOW - 1000, expiresAtMs: null, priority: 0, paid: false, pinnedMc: 0, ...over,
});
const sum = (xs: readonly { amountMc: number }[]) => xs.reduce((s, x) => s + x.amountMc, 0);

describe('burn order', () => {
  it('pins the earliest-expiring grant first, never-expiring last', () => {
    const grants = [
      g({ id: 'trial', kind: 'trial', expiresAtMs: null }),
      g({ id: 'pack', kind: 'pack', paid: true, expiresAtMs: NOW + 100 * 86_400_000 }),
      g({ id: 'daily', kind: 'daily', expiresAtMs: NOW + 3_600_000 }),
    ];
    expect(allocatePins(grants, 15_000, NOW)).toEqual([
      { grantId: 'daily', amountMc: 10_000 },
      { grantId: 'pack', amountMc: 5_000 },
    ]);
  });
  it('breaks ties by priority, then effective time, then id', () => {
    const a = g({ id: 'b', priority: 1, expiresAtMs: NOW + 10 });
    const b = g({ id: 'a', priority: 2, expiresAtMs: NOW + 10 });
    const c = g({ id: 'c', priority: 1, expiresAtMs: NOW + 10, effectiveAtMs: NOW - 5000 });
    const d = g({ id: 'a', priority: 1, expiresAtMs: NOW + 10 });
    expect([a, b, c, d].sort(compareBurnOrder).map((x) => `${x.id}${x.priority}`)).toEqual(['c1', 'a1', 'b1', 'a2']);
  });
  it('ignores grants not yet effective or already expired', () => {
    const grants = [g({ id: 'future', effectiveAtMs: NOW + 1 }), g({ id: 'gone', expiresAtMs: NOW }), g({ id: 'ok' })];
    expect(isInForce(grants[1]!, NOW)).toBe(false);
    expect(allocatePins(grants, 1_000, NOW)).toEqual([{ grantId: 'ok', amountMc: 1_000 }]);
    expect(availableMc(grants, NOW)).toBe(10_000);
  });
});

describe('holds', () => {
  it('settles at min(final, approved) and releases the rest', () => {
    expect(settleHold(12_400, 9_000)).toEqual({ captureMc: 9_000, releaseMc: 3_400 });
    expect(settleHold(12_400, 20_000)).toEqual({ captureMc: 12_400, releaseMc: 0 });
    expect(voidHold(12_400)).toEqual({ captureMc: 0, releaseMc: 12_400 });
  });
  it('refuses a hold larger than available (pinned credits are held), saying needed and available', () => {
    const grants = [g({ id: 'x', remainingMc: 5_000, pinnedMc: 2_000 })];
    try {
      checkHold(grants, 4_000, NOW);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InsufficientCreditsError);
      expect(e).toMatchObject({ neededMc: 4_000, availableMc: 3_000 });
    }
    expect(() => checkHold(grants, 3_000, NOW)).not.toThrow();
  });
  it('marks spends funded by paid credits', () => {
    expect(fundedByPaid([{ grantId: 'a', amountMc: 1, paid: true }])).toBe(true);
    expect(fundedByPaid([{ grantId: 'a', amountMc: 1, paid: false }])).toBe(false);
  });
  it('refuses pins past what a grant has unpinned, and counts them as held', () => {
    const grants = applyPins([g({ id: 'a', remainingMc: 5_000 })], [{ grantId: 'a', amountMc: 3_000 }]);
    expect(heldMc(grants)).toBe(3_000);
    expect(availableMc(grants, NOW)).toBe(2_000);
    expect(() => applyPins(grants, [{ grantId: 'a', amountMc: 2_001 }])).toThrow(CreditAmountError);
  });
});

describe('a grant that expires under a hold (docs/credit-rules.md §5.7)', () => {
  const EXP = NOW + 60_000;
  const bonus = g({ id: 'bonus', remainingMc: 10_000, expiresAtMs: EXP });
  const pack = g({ id: 'pack', kind: 'pack', remainingMc: 10_000, paid: true });
  const pins: Pin[] = [{ grantId: 'bonus', amountMc: 4_000 }];
  const held = applyPins([bonus, pack], pins);

  it('expires only the unpinned remainder on time; available never goes negative', () => {
    const { grants, expiries } = applyExpiries(held, EXP);
    expect(expiries).toEqual([{ grantId: 'bonus', kind: 'bonus', expiredMc: 6_000, expiresAtMs: EXP, atMs: EXP }]);
    expect(grants.find((x) => x.id === 'bonus')).toMatchObject({ remainingMc: 4_000, pinnedMc: 4_000 });
    expect(availableMc(grants, EXP)).toBe(10_000);
    expect(heldMc(grants)).toBe(4_000);
    expect(dueExpiries(grants, EXP + 1)).toEqual([]); // pinned credits wait for their hold
  });

  it('on settle, captures from the pinned grant (not another) and expires what is left of it then', () => {
    const { grants: expired } = applyExpiries(held, EXP);
    const s = settlePins(expired, pins, 3_000, EXP + 5);
    expect(s).toMatchObject({ captureMc: 3_000, releaseMc: 1_000, allocations: [{ grantId: 'bonus', amountMc: 3_000, paid: false }] });
    expect(s.expiries).toEqual([{ grantId: 'bonus', kind: 'bonus', expiredMc: 1_000, expiresAtMs: EXP, atMs: EXP + 5 }]);
    expect(s.grants.find((x) => x.id === 'bonus')).toMatchObject({ remainingMc: 0, pinnedMc: 0 });
    expect(s.grants.find((x) => x.id === 'pack')).toMatchObject({ remainingMc: 10_000 });
  });

  it('on void, releases the pins and expires the released credits of an expired grant', () => {
    const s = settlePins(applyExpiries(held, EXP).grants, pins, 0, EXP + 5);
    expect(s).toMatchObject({ captureMc: 0, releaseMc: 4_000, allocations: [] });
    expect(s.expiries.map((e) => e.expiredMc)).toEqual([4_000]);
    expect(availableMc(s.grants, EXP + 5)).toBe(10_000);
  });

  it('settling before the expiry gives released credits back to available', () => {
    const s = settlePins(held, pins, 1_000, NOW);
    expect(s.expiries).toEqual([]);
    expect(availableMc(s.grants, NOW)).toBe(19_000);
  });

  it('never captures more than the hold pinned', () => {
    expect(settlePins(held, pins, 9_000, NOW).captureMc).toBe(4_000);
  });
});

describe('limits', () => {
  it('takes a grant up to the largest single grant, and refuses one millicredit more with the limit in credits', () => {
    expect(() => checkNewGrant([], MAX_GRANT_MC)).not.toThrow();
    expect(() => checkNewGrant([], MAX_GRANT_MC + 1)).toThrow(/a grant may be at most 100,000,000 credits/);
    try {
      checkNewGrant([], 9_007_199_254_740_000);
    } catch (e) {
      expect(e).toMatchObject({ code: 'amount_too_large', limitMc: MAX_GRANT_MC });
    }
  });
  it('takes grants up to the largest balance, and not one millicredit past it', () => {
    const full = Array.from({ length: 10 }, (_, i) => g({ id: `g${i}`, amountMc: MAX_GRANT_MC, remainingMc: i === 0 ? MAX_GRANT_MC - 5 : MAX_GRANT_MC }));
    expect(full.reduce((t, x) => t + x.remainingMc, 0) + 5).toBe(MAX_BALANCE_MC);
    expect(() => checkNewGrant(full, 5)).not.toThrow();
    expect(() => checkNewGrant(full, 6)).toThrow(/an account may hold at most 1,000,000,000 credits/);
    // spent grants hold nothing
    expect(() => checkNewGrant([...full.slice(1), g({ id: 'spent', remainingMc: 0 })], MAX_GRANT_MC)).not.toThrow();
  });
  it('refuses a grant past the most grants holding credits', () => {
    const many = Array.from({ length: MAX_LIVE_GRANTS - 1 }, (_, i) => g({ id: `g${i}`, remainingMc: 1 }));
    expect(() => checkNewGrant(many, 1)).not.toThrow();
    expect(() => checkNewGrant([...many, g({ id: 'last', remainingMc: 1 })], 1)).toThrow(TooManyGrantsError);
  });
});

const grantArb = fc.record({
  id: fc.string({ minLength: 1, maxLength: 4 }),
  kind: fc.constantFrom(...GRANT_KINDS),
  remainingMc: fc.integer({ min: 0, max: 1_000_000 }),
  effectiveAtMs: fc.integer({ min: NOW - 1e9, max: NOW + 1e6 }),
  expiresAtMs: fc.option(fc.integer({ min: NOW - 1e6, max: NOW + 1e10 }), { nil: null }),
  priority: fc.integer({ min: 0, max: 3 }),
  paid: fc.boolean(),
}).map((r): Grant => ({ ...r, amountMc: r.remainingMc, pinnedMc: 0 }));

const uniqueGrants = fc.uniqueArray(grantArb, { selector: (x) => x.id, maxLength: 12 });

/** One step of an account's life: place a hold, settle or void the oldest, or let time pass. */
const stepArb = fc.oneof(
  fc.record({ op: fc.constant('hold' as const), amountMc: fc.integer({ min: 0, max: 600_000 }) }),
  fc.record({ op: fc.constant('settle' as const), captureMc: fc.integer({ min: 0, max: 600_000 }) }),
  fc.record({ op: fc.constant('void' as const) }),
  fc.record({ op: fc.constant('time' as const), advanceMs: fc.integer({ min: 0, max: 2e9 }) }),
);

describe('properties', () => {
  it('pins take exactly the amount asked from unpinned credits in force, or refuse with what is available', () => {
    fc.assert(
      fc.property(uniqueGrants, fc.integer({ min: 0, max: 5_000_000 }), (grants, amount) => {
        const avail = availableMc(grants, NOW);
        if (amount > avail) {
          expect(() => allocatePins(grants, amount, NOW)).toThrow(InsufficientCreditsError);
          return;
        }
        const pins = allocatePins(grants, amount, NOW);
        expect(sum(pins)).toBe(amount);
        const after = applyPins(grants, pins);
        expect(availableMc(after, NOW)).toBe(avail - amount);
        expect(heldMc(after)).toBe(amount);
      }),
    );
  });

  it('draws the earliest-expiring grant first: no later grant is pinned while an earlier one has credits left', () => {
    fc.assert(
      fc.property(uniqueGrants, fc.integer({ min: 1, max: 5_000_000 }), (grants, amount) => {
        const inForce = grants.filter((x) => isInForce(x, NOW) && x.remainingMc > 0).sort(compareBurnOrder);
        const pins = allocatePins(grants, Math.min(amount, availableMc(grants, NOW)), NOW);
        const taken = new Map(pins.map((p) => [p.grantId, p.amountMc]));
        let sawPartial = false;
        for (const x of inForce) {
          const t = taken.get(x.id) ?? 0;
          if (sawPartial) expect(t).toBe(0);
          if (t < x.remainingMc) sawPartial = true;
        }
      }),
    );
  });

  it('through any holds, settles, voids and expiries: available ≥ 0, available + held = what is in force or pinned, and credits are conserved', () => {
    fc.assert(
      fc.property(uniqueGrants, fc.array(stepArb, { maxLength: 25 }), (initial, steps) => {
        const granted = initial.reduce((s, x) => s + x.remainingMc, 0);
        let grants = initial;
        let now = NOW;
        let captured = 0;
        let expired = 0;
        const holds: Pin[][] = [];
        const close = (captureMc: number) => {
          const s = settlePins(grants, holds.shift()!, captureMc, now);
          grants = s.grants;
          captured += s.captureMc;
          expired += s.expiries.reduce((t, e) => t + e.expiredMc, 0);
        };
        for (const step of steps) {
          if (step.op === 'hold' && step.amountMc <= availableMc(grants, now)) {
            const pins = allocatePins(grants, step.amountMc, now);
            grants = applyPins(grants, pins);
            holds.push(pins);
          } else if (step.op === 'settle' && holds.length > 0) close(step.captureMc);
          else if (step.op === 'void' && holds.length > 0) close(0);
          else if (step.op === 'time') now += step.advanceMs;
          const r = applyExpiries(grants, now);
          grants = r.grants;
          expired += r.expiries.reduce((t, e) => t + e.expiredMc, 0);
          const avail = availableMc(grants, now);
          expect(avail).toBeGreaterThanOrEqual(0);
          expect(heldMc(grants)).toBe(holds.reduce((t, h) => t + sum(h), 0));
          const listed = grants.filter((x) => x.effectiveAtMs <= now && (isInForce(x, now) || x.pinnedMc > 0)).reduce((t, x) => t + x.remainingMc, 0);
          expect(avail + heldMc(grants)).toBe(listed);
          expect(grants.reduce((t, x) => t + x.remainingMc, 0) + captured + expired).toBe(granted);
        }
      }),
    );
  });
});
