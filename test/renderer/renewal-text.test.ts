// The balance popover's "Next subscription renewal": a date only while the plan renews; none once it is cancelled or ended, and what happens instead.
import { describe, expect, it } from 'vitest';
import type { WalletSubscription } from '../../shared/api/index';
import { renewalText } from '../../renderer/src/features/balance-bar/renewal-text';
import { expiryDate } from '../../renderer/src/lib/format';

const now = Date.parse('2026-12-12T12:00:00Z');
const end = Date.parse('2026-12-14T12:00:00Z');
const names: Record<string, string> = { starter: 'Starter', pro: 'Pro' };
const nameOf = (id: string) => names[id] ?? id;
/** in the user's locale, as the popover shows every date */
const dec14 = expiryDate(end);
const sub = (extra: Partial<WalletSubscription> = {}): WalletSubscription => ({
  planId: 'starter', period: 'weekly', status: 'active', currentPeriodStartMs: end - 7 * 86_400_000, currentPeriodEndMs: end, cancelAtPeriodEnd: false, nextPlanId: null, nextPeriod: null, graceUntilMs: null, ...extra,
});

describe('next subscription renewal', () => {
  it('a renewing plan: when, and at which plan after a downgrade', () => {
    expect(renewalText(sub(), now, nameOf)).toEqual({ text: `${dec14}, in 48 h 00 min`, cancelled: false });
    expect(renewalText(sub({ planId: 'pro', nextPlanId: 'starter', nextPeriod: 'weekly' }), now, nameOf).text).toBe(`${dec14}, in 48 h 00 min, as Starter (weekly)`);
  });

  it('a cancelled plan renews no more: it says when it ends, and that it can still be resumed', () => {
    expect(renewalText(sub({ cancelAtPeriodEnd: true }), now, nameOf)).toEqual({ text: `none: Starter is cancelled and ends ${dec14}, then Free`, cancelled: true });
  });

  it('an ended plan, a failed renewal, and a server that does not say', () => {
    expect(renewalText(null, now, nameOf)).toEqual({ text: 'no subscription', cancelled: false });
    expect(renewalText(sub({ status: 'past_due', graceUntilMs: Date.parse('2026-12-17T12:00:00Z') }), now, nameOf).text).toBe(`none: the last renewal failed; Starter is kept until ${expiryDate(Date.parse('2026-12-17T12:00:00Z'))}, then Free`);
    expect(renewalText(undefined, now, nameOf).text).toBe('not known (this server does not say)');
  });
});
