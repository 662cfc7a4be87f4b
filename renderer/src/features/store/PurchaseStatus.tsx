// The checkout under way, live: waiting for payment in the browser, then paid (credits added), declined, canceled or refunded.
import { useStoreStore } from '../../stores/store-store';
import { purchaseStatusText } from './purchase-text';

export function PurchaseStatus() {
  const p = useStoreStore((s) => s.current);
  if (!p) return null;
  const text = purchaseStatusText(p);
  return (
    <p role="status" className={`purchase-status status-${p.status}`} data-testid="purchase-status" data-status={p.status}>
      {text}
    </p>
  );
}
