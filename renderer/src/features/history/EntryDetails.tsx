// The details of one ledger entry: when, what, the estimate, final cost, refund, commercial use, the grants that funded it, and a payment's receipt.
import type { LedgerEntry } from '../../../../shared/api/index';
import { usageText, type UsageLike } from '../../lib/format';
import { creditsText } from '../../../../shared/rules/money';
import { KIND_LABELS, num, text } from './ledger-labels';
import { hasReceipt } from './receipt-text';
import { ReceiptPanel } from './ReceiptPanel';

export function EntryDetails({ entry, onClose }: { entry: LedgerEntry; onClose: () => void }) {
  const d = entry.details;
  const funding = Array.isArray(d.funding) ? (d.funding as { grantId: string; kind: string; amountMc: number; paid: boolean }[]) : [];
  const rows: [string, string][] = [
    ['When', new Date(entry.atMs).toLocaleString()],
    ['Kind', KIND_LABELS[entry.kind]],
  ];
  if (text(d.label)) rows.push([hasReceipt(entry) ? 'What' : 'Run', text(d.label)]);
  if (text(d.prompt)) rows.push(['Prompt', text(d.prompt)]);
  if (num(d.estimateMaxMc) !== null) rows.push(['Estimate (most)', creditsText(num(d.estimateMaxMc)!)]);
  if (num(d.heldMc) !== null) rows.push(['Held', creditsText(num(d.heldMc)!)]);
  if (num(d.finalMc) !== null) rows.push(['Final cost', creditsText(num(d.finalMc)!)]);
  const used = d.usage && typeof d.usage === 'object' ? usageText(d.usage as UsageLike, 'item') : null;
  if (used) rows.push(['Used', used]);
  if (entry.kind === 'capture') rows.push(['Charged', creditsText(-entry.amountMc)]);
  if (num(d.releasedMc) !== null) rows.push([entry.kind === 'void' ? 'Refunded' : 'Returned', creditsText(num(d.releasedMc)!)]);
  if (text(d.reason)) rows.push(['Reason', text(d.reason)]);
  if (typeof d.commercialUse === 'boolean') rows.push(['Commercial use', d.commercialUse ? 'Yes (paid credits funded it)' : 'No']);
  if (entry.kind === 'grant' || entry.kind === 'expiry') rows.push(['Amount', creditsText(entry.amountMc)]);
  return (
    <aside className="entry-details" aria-labelledby="entry-details-heading">
      <div className="details-head">
        <h2 id="entry-details-heading">Entry {entry.id}</h2>
        <button type="button" onClick={onClose} aria-label="Close details">
          ×
        </button>
      </div>
      <dl>
        {rows.map(([k, v]) => (
          <div key={k} className="dl-row">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {funding.length > 0 && (
        <>
          <h3>Funded by</h3>
          <ul className="funding">
            {funding.map((f) => (
              <li key={f.grantId}>
                {f.kind} grant: {creditsText(f.amountMc)}{f.paid ? ' (paid)' : ''}
              </li>
            ))}
          </ul>
        </>
      )}
      {hasReceipt(entry) && <ReceiptPanel key={entry.id} entryId={entry.id} />}
    </aside>
  );
}
