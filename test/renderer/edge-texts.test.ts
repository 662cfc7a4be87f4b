// The words at their boundaries: a renewal today said "today", not its weekday; a countdown past 48 h in days; a refunded pack of credits "were".
import { describe, expect, it } from 'vitest';
import { countdown } from '../../renderer/src/lib/format';
import { renewsText } from '../../renderer/src/features/training/allowance-text';
import { purchaseStatusText } from '../../renderer/src/features/store/purchase-text';

const H = 3_600_000;
const MIN = 60_000;

describe('countdown', () => {
  const target = Date.parse('2026-12-14T00:00:00Z');
  it('says hours up to 48 h and days past them', () => {
    expect(countdown(target, target - 48 * H)).toBe('48 h 00 min');
    expect(countdown(target, target - (47 * H + 59 * MIN))).toBe('47 h 59 min');
    expect(countdown(target, target - (48 * H + MIN))).toBe('2 days');
    expect(countdown(target, target - (49 * H + 30 * MIN))).toBe('2 days 1 h');
    expect(countdown(target, target - (167 * H + 56 * MIN))).toBe('6 days 23 h');
    expect(countdown(target, target - 400 * H)).toBe('16 days 16 h');
  });
});

describe('when the training allowance renews (server time, UTC)', () => {
  const monday = (time: string) => Date.parse(`2026-12-07T${time}Z`);
  it('says "today" on the day itself, the weekday within the week, and the date from the same weekday a week on', () => {
    expect(renewsText(monday('19:22:00'), monday('08:00:00'))).toBe('today 19:22');
    expect(renewsText(monday('23:59:00'), monday('00:00:00'))).toBe('today 23:59');
    expect(renewsText(Date.parse('2026-12-08T00:00:00Z'), monday('23:59:00'))).toBe('Tuesday 00:00');
    expect(renewsText(Date.parse('2026-12-13T23:59:00Z'), monday('00:00:00'))).toBe('Sunday 23:59');
    // the next Monday is not this week's: its date, never "Monday" said on a Monday
    expect(renewsText(Date.parse('2026-12-14T00:00:00Z'), monday('00:00:01'))).toBe('14 Dec 2026');
    expect(renewsText(Date.parse('2026-12-14T19:22:00Z'), monday('19:23:00'))).toBe('14 Dec 2026');
  });
});

describe('a purchase refunded', () => {
  const refunded = (name: string, failure: { code: string; message: string } | null = null) => purchaseStatusText({ status: 'refunded', name, priceMinor: 1000, currency: 'USD', creditsMc: 0, failure });
  it('agrees with its name: credits were, a pack was', () => {
    expect(refunded('1,100 credits')).toBe('1,100 credits were refunded.');
    expect(refunded('25,000 credits (business)')).toBe('25,000 credits (business) were refunded.');
    expect(refunded('200 credits', { code: 'refund', message: 'asked by the buyer' })).toBe('200 credits were refunded: asked by the buyer.');
    expect(refunded('1 credit')).toBe('1 credit was refunded.');
    expect(refunded('Starter pack')).toBe('Starter pack was refunded.');
  });
  it('says the other states as before', () => {
    expect(purchaseStatusText({ status: 'paid', name: '200 credits', priceMinor: 500, currency: 'USD', creditsMc: 200_000, failure: null })).toBe('Paid $5.00: 200 credits added.');
  });
});
