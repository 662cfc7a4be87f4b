// The details of one ledger entry: when, what, the estimate, final cost, refund, commercial use, the grants that funded it, and a payment's receipt.
import { entryText, isPaymentEntry, type LedgerEntry } from '../../../../shared/api/index';
import { usageText } from '../../lib/format';
import { creditsText } from '../../../../shared/rules/money';
import { KIND_LABELS } from './ledger-labels';
import { hasReceipt } from './receipt-text';
import { ReceiptPanel } from './ReceiptPanel';

export function EntryDetails({ entry, onClose }: { entry: LedgerEntry; onClose: () => void }) {
  const { label, prompt } = entryText(entry);
  // what each kind records: a hold its estimate and amount; a capture those, the final cost, usage and funding; a release or void what went back
  const hold = entry.kind === 'hold' ? entry.details : undefined;
  const capture = entry.kind === 'capture' ? entry.details : undefined;
  const back = entry.kind === 'release' || entry.kind === 'void' ? entry.details : undefined;
  const reason = entry.kind === 'void' || isPaymentEntry(entry) ? entry.details.reason : undefined;
  const d = { ...capture, estimateMaxMc: hold?.estimateMaxMc ?? capture?.estimateMaxMc, heldMc: hold?.heldMc ?? capture?.heldMc, releasedMc: back?.releasedMc, reason };
  const funding = capture?.funding ?? [];
  const rows: [string, string][] = [
    ['When', new Date(entry.atMs).toLocaleString()],
    ['Kind', KIND_LABELS[entry.kind]],
  ];
  if (label) rows.push([hasReceipt(entry) ? 'What' : 'Run', label]);
  if (prompt) rows.push(['Prompt', prompt]);
  if (d.estimateMaxMc !== undefined) rows.push(['Estimate (most)', creditsText(d.estimateMaxMc)]);
  if (d.heldMc !== undefined) rows.push(['Held', creditsText(d.heldMc)]);
  if (d.finalMc !== undefined) rows.push(['Final cost', creditsText(d.finalMc)]);
  const used = usageText(d.usage, 'item');
  if (used) rows.push(['Used', used]);
  if (entry.kind === 'capture') rows.push(['Charged', creditsText(-entry.amountMc)]);
  if (d.releasedMc !== undefined) rows.push([entry.kind === 'void' ? 'Refunded' : 'Returned', creditsText(d.releasedMc)]);
  if (d.reason) rows.push(['Reason', d.reason]);
  if (d.commercialUse !== undefined) rows.push(['Commercial use', d.commercialUse ? 'Yes (paid credits funded it)' : 'No']);
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
