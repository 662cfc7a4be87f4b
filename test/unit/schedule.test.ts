// Tests of the UTC schedule helpers: daily resets, periods, pack expiry clamped to month ends, clock offset.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addUtcMonthsClamped, clockOffsetMs, MS_PER_DAY, nextUtcMidnight, packExpiry, periodContaining, periodEnd, startOfUtcDay, startOfUtcWeek, utcDayKey,
} from '../../shared/rules/schedule';

const t = (iso: string) => Date.parse(iso);

describe('daily reset', () => {
  it('resets at 00:00 UTC', () => {
    expect(nextUtcMidnight(t('2026-11-22T23:59:59.999Z'))).toBe(t('2026-11-23T00:00:00Z'));
    expect(nextUtcMidnight(t('2026-11-22T00:00:00Z'))).toBe(t('2026-11-23T00:00:00Z'));
    expect(startOfUtcDay(t('2026-11-22T13:00:00Z'))).toBe(t('2026-11-22T00:00:00Z'));
    expect(utcDayKey(t('2026-11-22T13:00:00Z'))).toBe('2026-11-22');
  });
  it('is the same whatever the local time zone (pure UTC arithmetic)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4e12 }), (ms) => {
        const next = nextUtcMidnight(ms);
        expect(next % MS_PER_DAY).toBe(0);
        expect(next > ms && next - ms <= MS_PER_DAY).toBe(true);
      }),
    );
  });
});

describe('pack expiry', () => {
  it('is six months later, clamped to the month end', () => {
    expect(packExpiry(t('2026-08-31T10:00:00Z'))).toBe(t('2027-02-28T10:00:00Z'));
    expect(packExpiry(t('2027-08-31T10:00:00Z'))).toBe(t('2028-02-29T10:00:00Z'));
    expect(packExpiry(t('2026-01-15T00:00:00Z'))).toBe(t('2026-07-15T00:00:00Z'));
    expect(addUtcMonthsClamped(t('2026-12-31T00:00:00Z'), 2)).toBe(t('2027-02-28T00:00:00Z'));
    expect(addUtcMonthsClamped(t('2026-03-31T00:00:00Z'), -1)).toBe(t('2026-02-28T00:00:00Z'));
  });
});

describe('billing periods', () => {
  it('computes weekly, monthly and yearly ends', () => {
    const s = t('2026-01-31T12:00:00Z');
    expect(periodEnd(s, 'weekly')).toBe(t('2026-02-07T12:00:00Z'));
    expect(periodEnd(s, 'monthly')).toBe(t('2026-02-28T12:00:00Z'));
    expect(periodEnd(s, 'yearly')).toBe(t('2027-01-31T12:00:00Z'));
  });
  it('finds the period containing now, anchored (not chained) to the start', () => {
    const anchor = t('2026-01-31T00:00:00Z');
    expect(periodContaining(anchor, 'monthly', t('2026-03-30T00:00:00Z'))).toMatchObject({ startMs: t('2026-02-28T00:00:00Z'), endMs: t('2026-03-31T00:00:00Z'), index: 1 });
    expect(periodContaining(anchor, 'monthly', t('2026-03-31T00:00:00Z'))).toMatchObject({ startMs: t('2026-03-31T00:00:00Z'), index: 2 });
    expect(periodContaining(anchor, 'weekly', t('2026-02-14T00:00:00Z'))).toMatchObject({ startMs: t('2026-02-14T00:00:00Z'), index: 2 });
  });
  it('always returns a period that contains now', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3e12 }), fc.integer({ min: 0, max: 1e12 }), fc.constantFrom('weekly', 'monthly', 'yearly' as const), (anchor, delta, period) => {
        const p = periodContaining(anchor, period, anchor + delta);
        expect(p.startMs <= anchor + delta && anchor + delta < p.endMs).toBe(true);
      }),
    );
  });
  it('starts ISO weeks on Monday', () => {
    expect(startOfUtcWeek(t('2026-11-22T10:00:00Z'))).toBe(t('2026-11-16T00:00:00Z'));
  });
});

describe('clock offset', () => {
  it('takes the midpoint of the round trip', () => {
    expect(clockOffsetMs(1000, 86_401_050, 1100)).toBe(86_400_000);
    expect(() => clockOffsetMs(1000, 5, 900)).toThrow(/before/);
  });
});
