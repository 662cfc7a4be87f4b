// Banners for a low balance, credits about to expire, spend limits near their end and the last auto top-up; each can be dismissed until it changes.
import { useState } from 'react';
import { creditsText } from '../../../../shared/rules/money';
import { utcMinute } from '../../../../shared/rules/alert-text';
import type { Warnings } from '../../../../shared/ipc/contract';
import { expiryDate, formatCredits, GRANT_KIND_LABELS } from '../../lib/format';
import { useAppStore } from '../../stores/app-store';

function Dismiss({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <button type="button" aria-label={label} onClick={onClick}>
      ×
    </button>
  );
}

/** The spend limits at the alert's share, and the last auto top-up: the in-app side of those alerts. */
function AlertBanners({ spendLimits, autoTopUp, dismissed, dismiss }: Pick<Warnings, 'spendLimits' | 'autoTopUp'> & { dismissed: Set<string>; dismiss: (k: string) => void }) {
  return (
    <>
      {spendLimits
        .filter((l) => !dismissed.has(l.key))
        .map((l) => (
          <div key={l.key} role="alert" className="banner banner-limit" aria-label="Spend limit alert" data-window={l.window}>
            <span>
              <strong>Spend limit:</strong> {l.percent}% of {l.name} of {creditsText(l.limitMc)} is used ({creditsText(l.usedMc)} spent and held); it resets {utcMinute(l.resetsAtMs)}. <a href="#settings">Spend limits</a>
            </span>
            <Dismiss label="Dismiss spend limit alert" onClick={() => dismiss(l.key)} />
          </div>
        ))}
      {autoTopUp && !dismissed.has(autoTopUp.key) && (
        <div role={autoTopUp.ok ? 'status' : 'alert'} className={`banner ${autoTopUp.ok ? 'banner-expiring' : 'banner-low'}`} aria-label="Auto top-up">
          <span>
            {autoTopUp.text}
            {!autoTopUp.ok && (
              <>
                {' '}
                <a href="#store">Open the Store</a>
              </>
            )}
          </span>
          <Dismiss label="Dismiss auto top-up alert" onClick={() => dismiss(autoTopUp.key)} />
        </div>
      )}
    </>
  );
}

export function WarningBanners() {
  const { lowBalance, expiring, spendLimits, autoTopUp } = useAppStore((s) => s.warnings);
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
          <Dismiss label="Dismiss low balance warning" onClick={() => dismiss(lowKey)} />
        </div>
      )}
      {expiring && !dismissed.has(expKey) && (
        <div role="status" className="banner banner-expiring" aria-label="Credits expiring">
          <span>
            <strong>{formatCredits(expiring.totalMc)} credits expire soon:</strong>{' '}
            {expiring.items.map((i) => `${formatCredits(i.remainingMc)} ${GRANT_KIND_LABELS[i.kind].toLowerCase()} on ${expiryDate(i.expiresAtMs)}`).join('; ')}. They are spent first.
          </span>
          <Dismiss label="Dismiss expiry warning" onClick={() => dismiss(expKey)} />
        </div>
      )}
      <AlertBanners spendLimits={spendLimits} autoTopUp={autoTopUp} dismissed={dismissed} dismiss={dismiss} />
    </div>
  );
}
