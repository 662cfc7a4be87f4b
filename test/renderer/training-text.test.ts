// The training tracker's words: left of allowance this week or year, when it renews (server time), none in plan, used up.
import { describe, expect, it } from 'vitest';
import { allowanceState, allowanceText, renewsText } from '../../renderer/src/features/training/allowance-text';

const sunday = Date.parse('2026-11-22T12:00:00Z');
const monday = Date.parse('2026-11-23T00:00:00Z');

describe('training tracker text', () => {
  it('says what is left and when it renews', () => {
    expect(allowanceText({ period: 'weekly', allowance: 1, used: 0, left: 1, renewsAtMs: monday }, sunday)).toBe('1 of 1 left this week · renews Monday 00:00');
    expect(allowanceText({ period: 'yearly', allowance: 2, used: 2, left: 0, renewsAtMs: Date.parse('2027-11-20T09:30:00Z') }, sunday)).toBe('0 of 2 left this year · renews 20 Nov 2027');
    expect(renewsText(monday, sunday)).toBe('Monday 00:00');
  });

  it('tells none in plan, used up and unknown apart', () => {
    expect(allowanceState({ period: null, allowance: 0, used: 0, left: 0, renewsAtMs: null })).toBe('none');
    expect(allowanceText({ period: null, allowance: 0, used: 0, left: 0, renewsAtMs: null }, sunday)).toBe('Custom model training is not in your plan');
    expect(allowanceState({ period: 'weekly', allowance: 1, used: 1, left: 0, renewsAtMs: monday })).toBe('used_up');
    expect(allowanceState(undefined)).toBe('unknown');
  });
});
