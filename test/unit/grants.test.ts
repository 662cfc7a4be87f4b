// Tests of grants: burn order, capture allocation, hold arithmetic, expiry and conservation of credits.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  allocateCapture, applyAllocations, applyExpiries, availableMc, checkHold, compareBurnOrder, fundedByPaid, InsufficientCreditsError,
  isInForce, settleHold, voidHold, type Grant, GRANT_KINDS,
} from '../../shared/rules/grants';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const g = (over: Partial<Grant> & { id: string }): Grant => ({
  kind: 'bonus', amountMc: 10_000, remainingMc: 10_000, effectiveAtMs: NOW - 1000, expiresAtMs: null, priority: 0, paid: false, ...over,
});

describe('burn order', () => {
  it('draws the earliest-expiring grant first, never-expiring last', () => {
    const grants = [
      g({ id: 'trial', kind: 'trial', expiresAtMs: null }),
      g({ id: 'pack', kind: 'pack', paid: true, expiresAtMs: NOW + 100 * 86_400_000 }),
      g({ id: 'daily', kind: 'daily', expiresAtMs: NOW + 3_600_000 }),
    ];
    expect(allocateCapture(grants, 15_000, NOW)).toEqual([
      { grantId: 'daily', amountMc: 10_000, paid: false },
      { grantId: 'pack', amountMc: 5_000, paid: true },
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
    expect(allocateCapture(grants, 1_000, NOW)).toEqual([{ grantId: 'ok', amountMc: 1_000, paid: false }]);
    expect(availableMc(grants, [], NOW)).toBe(10_000);
  });
});

describe('holds', () => {
  it('settles at min(final, approved) and releases the rest', () => {
    expect(settleHold(12_400, 9_000)).toEqual({ captureMc: 9_000, releaseMc: 3_400 });
    expect(settleHold(12_400, 20_000)).toEqual({ captureMc: 12_400, releaseMc: 0 });
    expect(voidHold(12_400)).toEqual({ captureMc: 0, releaseMc: 12_400 });
  });
  it('refuses a hold larger than available, saying needed and available', () => {
    const grants = [g({ id: 'x', remainingMc: 5_000 })];
    try {
      checkHold(grants, [2_000], 4_000, NOW);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InsufficientCreditsError);
      expect(e).toMatchObject({ neededMc: 4_000, availableMc: 3_000 });
    }
    expect(() => checkHold(grants, [2_000], 3_000, NOW)).not.toThrow();
  });
  it('marks spends funded by paid credits', () => {
    expect(fundedByPaid([{ grantId: 'a', amountMc: 1, paid: true }])).toBe(true);
    expect(fundedByPaid([{ grantId: 'a', amountMc: 1, paid: false }])).toBe(false);
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
}).map((r): Grant => ({ ...r, amountMc: r.remainingMc }));

const uniqueGrants = fc.uniqueArray(grantArb, { selector: (x) => x.id, maxLength: 12 });

describe('properties', () => {
  it('captures never exceed what is available, and take exactly the amount asked', () => {
    fc.assert(
      fc.property(uniqueGrants, fc.integer({ min: 0, max: 5_000_000 }), (grants, amount) => {
        const avail = availableMc(grants, [], NOW);
        if (amount > avail) {
          expect(() => allocateCapture(grants, amount, NOW)).toThrow(InsufficientCreditsError);
          return;
        }
        const allocs = allocateCapture(grants, amount, NOW);
        expect(allocs.reduce((s, a) => s + a.amountMc, 0)).toBe(amount);
        const after = applyAllocations(grants, allocs);
        for (const x of after) expect(x.remainingMc).toBeGreaterThanOrEqual(0);
        expect(availableMc(after, [], NOW)).toBe(avail - amount);
      }),
    );
  });

  it('draws the earliest-expiring grant first: no later grant is touched while an earlier one has credits left', () => {
    fc.assert(
      fc.property(uniqueGrants, fc.integer({ min: 1, max: 5_000_000 }), (grants, amount) => {
        const inForce = grants.filter((x) => isInForce(x, NOW) && x.remainingMc > 0).sort(compareBurnOrder);
        const total = inForce.reduce((s, x) => s + x.remainingMc, 0);
        const allocs = allocateCapture(grants, Math.min(amount, total), NOW);
        const taken = new Map(allocs.map((a) => [a.grantId, a.amountMc]));
        let sawPartial = false;
        for (const x of inForce) {
          const t = taken.get(x.id) ?? 0;
          if (sawPartial) expect(t).toBe(0);
          if (t < x.remainingMc) sawPartial = true;
        }
      }),
    );
  });

  it('conserves credits: granted = remaining + captured + expired', () => {
    fc.assert(
      fc.property(uniqueGrants, fc.array(fc.integer({ min: 0, max: 300_000 }), { maxLength: 8 }), fc.integer({ min: 0, max: 1e10 }), (grants, spends, later) => {
        const granted = grants.reduce((s, x) => s + x.amountMc, 0);
        let current = grants;
        let captured = 0;
        for (const s of spends) {
          if (availableMc(current, [], NOW) < s) continue;
          current = applyAllocations(current, allocateCapture(current, s, NOW));
          captured += s;
        }
        const { grants: afterExpiry, expiries } = applyExpiries(current, NOW + later);
        const expired = expiries.reduce((s, e) => s + e.expiredMc, 0);
        const remaining = afterExpiry.reduce((s, x) => s + x.remainingMc, 0);
        expect(remaining + captured + expired).toBe(granted);
      }),
    );
  });
});
