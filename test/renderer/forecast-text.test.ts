// The balance popover's forecast sentence: the pace and its window, the run-out day or "last beyond", auto top-ups counted on, and the first credits expiring unused.
import { describe, expect, it } from 'vitest';
import { forecastText } from '../../renderer/src/features/balance-bar/forecast-text';
import { shortDate } from '../../renderer/src/lib/format';
import type { ForecastView } from '../../shared/ipc/contract';

const dec19 = Date.parse('2026-12-19T12:00:00Z');
const mar3 = Date.parse('2027-03-03T00:00:00Z');
const end = Date.parse('2027-03-07T12:00:00Z');
const view = (extra: Partial<ForecastView> = {}): ForecastView => ({ paceMcPerDay: 42_300, paceDays: 14, runOutAtMs: dec19, endMs: end, expiringUnused: [], topUps: 0, ...extra });

describe('forecast sentence', () => {
  it('says the pace, the run-out day and what expires unused', () => {
    expect(forecastText(view({ expiringUnused: [{ kind: 'pack', amountMc: 120_000, atMs: mar3 }] }))).toBe(
      `At your pace (about 42 credits a day over the last 14 days) your credits last until about ${shortDate(dec19)}; 120 pack credits expire unused on ${shortDate(mar3)}.`,
    );
  });

  it('says they last beyond the horizon, with the auto top-ups it counts on, for a young account', () => {
    expect(forecastText(view({ runOutAtMs: null, paceDays: 3, paceMcPerDay: 2_340, topUps: 2 }))).toBe(
      `At your pace (about 2.3 credits a day over the last 3 days) your credits last beyond ${shortDate(end)} with 2 auto top-ups.`,
    );
  });

  it('says nothing was spent, and names at most three expiries', () => {
    const e = (n: number) => ({ kind: 'bonus' as const, amountMc: n * 1000, atMs: mar3 });
    const text = forecastText(view({ paceMcPerDay: 0, paceDays: 1, runOutAtMs: null, expiringUnused: [e(1), e(2), e(3), e(4)] }));
    expect(text.startsWith(`You spent nothing over the last day: at that pace your credits last beyond ${shortDate(end)};`)).toBe(true);
    expect(text).toContain('1 bonus credit expires');
    expect(text).toContain('3 bonus credits expire');
    expect(text).not.toContain('4 bonus credits');
  });
});
