// The balance popover's "Next subscription renewal", from the wallet's subscription: a date only while the plan renews.
import type { WalletSubscription } from '../../../../shared/api/index';
import { countdown, expiryDate } from '../../lib/format';

/**
 * What the next renewal is, in words, and whether the plan is cancelled (then it can still be resumed until it ends). A cancelled,
 * ended or failed plan renews no more: it says so and what comes instead. `undefined`: a server before the wallet carried it.
 */
export function renewalText(sub: WalletSubscription | null | undefined, serverNowMs: number, nameOf: (planId: string) => string): { text: string; cancelled: boolean } {
  if (sub === undefined) return { text: 'not known (this server does not say)', cancelled: false };
  if (sub === null) return { text: 'no subscription', cancelled: false };
  const plan = nameOf(sub.planId);
  if (sub.status === 'past_due') return { text: `none: the last renewal failed; ${plan} is kept until ${expiryDate(sub.graceUntilMs ?? sub.currentPeriodEndMs)}, then Free`, cancelled: false };
  if (sub.cancelAtPeriodEnd) return { text: `none: ${plan} is cancelled and ends ${expiryDate(sub.currentPeriodEndMs)}, then Free`, cancelled: true };
  const next = sub.nextPlanId || sub.nextPeriod ? `, as ${nameOf(sub.nextPlanId ?? sub.planId)} (${sub.nextPeriod ?? sub.period})` : '';
  return { text: `${expiryDate(sub.currentPeriodEndMs)}, in ${countdown(sub.currentPeriodEndMs, serverNowMs)}${next}`, cancelled: false };
}
