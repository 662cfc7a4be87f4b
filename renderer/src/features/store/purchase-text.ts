// The words for a checkout under way: waiting for payment, paid (credits added), declined, canceled or refunded.
import type { Purchase } from '../../../../shared/api/index';
import { formatMoney } from '../../../../shared/rules/money';
import { formatCredits } from '../../lib/format';

export type PurchaseTextOf = Pick<Purchase, 'status' | 'name' | 'priceMinor' | 'currency' | 'creditsMc' | 'failure'>;

/** Whether a pack's name is a plural of credits ("1,100 credits", "25,000 credits (business)"), so that its verb agrees: "were refunded". */
function namesMany(name: string): boolean {
  const head = name.replace(/\s*\(.*\)\s*$/, '').trim();
  const count = /^([\d,.]+)\s/.exec(head)?.[1];
  if (count !== undefined) return Number(count.replaceAll(',', '')) !== 1;
  return /\bcredits$/i.test(head);
}

export function purchaseStatusText(p: PurchaseTextOf): string {
  const price = formatMoney({ amountMinor: p.priceMinor, currency: p.currency });
  return p.status === 'pending' ? `Waiting for your payment of ${price} for ${p.name} in the browser…`
    : p.status === 'paid' ? `Paid ${price}: ${formatCredits(p.creditsMc)} credits added.`
    : p.status === 'failed' ? `The payment for ${p.name} did not go through${p.failure ? ` (${p.failure.message})` : ''}. No credits were added; you can try again.`
    : p.status === 'canceled' ? `Checkout canceled: nothing was charged and no credits were added.`
    : `${p.name} ${namesMany(p.name) ? 'were' : 'was'} refunded${p.failure ? `: ${p.failure.message}` : ''}.`;
}
