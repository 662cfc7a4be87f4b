// The one retry schedule: capped exponential ceilings, full jitter below them, and limits on its inputs.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backoffDelayMs } from '../../shared/rules/backoff';

const policy = { initialMs: 1_000, maxMs: 8_000 };

describe('backoffDelayMs', () => {
  it('doubles the ceiling with each attempt up to the cap', () => {
    expect([0, 1, 2, 3, 4, 50, 10_000].map((a) => backoffDelayMs(a, policy, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000, 8_000]);
    expect(backoffDelayMs(0, { initialMs: 60_000, maxMs: 30_000 }, () => 1)).toBe(30_000); // the cap holds from the first retry
  });

  it('draws the delay uniformly from zero to the ceiling (full jitter)', () => {
    expect(backoffDelayMs(2, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(2, policy, () => 0.5)).toBe(2_000);
    fc.assert(
      fc.property(fc.nat(100), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const d = backoffDelayMs(attempt, policy, () => r);
        expect(Number.isInteger(d) && d >= 0 && d <= policy.maxMs).toBe(true);
      }),
    );
  });

  it('uses Math.random by default and stays within the ceiling', () => {
    for (let i = 0; i < 100; i++) expect(backoffDelayMs(1, policy)).toBeLessThanOrEqual(2_000);
  });

  it('refuses nonsense', () => {
    expect(() => backoffDelayMs(-1, policy)).toThrow(RangeError);
    expect(() => backoffDelayMs(1.5, policy)).toThrow(RangeError);
    expect(() => backoffDelayMs(0, { initialMs: -10, maxMs: 5 })).toThrow(RangeError);
    expect(() => backoffDelayMs(0, { initialMs: 10, maxMs: 0.5 })).toThrow(RangeError);
    expect(() => backoffDelayMs(0, policy, () => 2)).toThrow(RangeError);
    expect(() => backoffDelayMs(0, policy, () => Number.NaN)).toThrow(RangeError);
  });
});
