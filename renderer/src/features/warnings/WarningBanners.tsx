// Banners for a low balance and for credits about to expire; each can be dismissed until the warning changes.
import { useState } from 'react';
import { expiryDate, formatCredits, GRANT_KIND_LABELS } from '../../lib/format';
import { useAppStore } from '../../stores/app-store';

export function WarningBanners() {
  const { lowBalance, expiring } = useAppStore((s) => s.warnings);
  const [dismissed, setDismissed] = useState<Set<string>>(new Set());
  const lowKey = lowBalance ? `low-${lowBalance.thresholdMc}` : '';
  const expKey = expiring ? `exp-${expiring.items.map((i) => i.grantId).join(',')}` : '';
  const dismiss = (k: string) => setDismissed((d) => new Set(d).add(k));
  return (
    <div className="banners">
      {lowBalance && !dismissed.has(lowKey) && (
        <div role="alert" className="banner banner-low" aria-label="Low balance">
          <span>
            <strong>Low balance:</strong> {formatCredits(lowBalance.availableMc)} credits left, below your warning level of {formatCredits(lowBalance.thresholdMc)}. <a href="#store">Buy credits</a> · <a href="#settings">Change the level</a>
          </span>
          <button type="button" aria-label="Dismiss low balance warning" onClick={() => dismiss(lowKey)}>
            ×
          </button>
        </div>
      )}
      {expiring && !dismissed.has(expKey) && (
        <div role="status" className="banner banner-expiring" aria-label="Credits expiring">
          <span>
            <strong>{formatCredits(expiring.totalMc)} credits expire soon:</strong>{' '}
            {expiring.items.map((i) => `${formatCredits(i.remainingMc)} ${GRANT_KIND_LABELS[i.kind].toLowerCase()} on ${expiryDate(i.expiresAtMs)}`).join('; ')}. They are spent first.
          </span>
          <button type="button" aria-label="Dismiss expiry warning" onClick={() => dismiss(expKey)}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}
