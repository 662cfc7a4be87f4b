// The checkout under way, live: waiting for payment in the browser, then paid (credits added), declined, canceled or refunded.
import { formatMoney } from '../../../../shared/rules/money';
import { formatCredits } from '../../lib/format';
import { useStoreStore } from '../../stores/store-store';

export function PurchaseStatus() {
  const p = useStoreStore((s) => s.current);
  if (!p) return null;
  const price = formatMoney({ amountMinor: p.priceMinor, currency: p.currency });
  const text =
    p.status === 'pending' ? `Waiting for your payment of ${price} for ${p.name} in the browser…`
    : p.status === 'paid' ? `Paid ${price}: ${formatCredits(p.creditsMc)} credits added.`
    : p.status === 'failed' ? `The payment for ${p.name} did not go through${p.failure ? ` (${p.failure.message})` : ''}. No credits were added; you can try again.`
    : p.status === 'canceled' ? `Checkout canceled: nothing was charged and no credits were added.`
    : `${p.name} was refunded${p.failure ? `: ${p.failure.message}` : ''}.`;
  return (
    <p role="status" className={`purchase-status status-${p.status}`} data-testid="purchase-status" data-status={p.status}>
      {text}
    </p>
  );
}
