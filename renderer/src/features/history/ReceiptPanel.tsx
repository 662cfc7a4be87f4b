// A History entry's receipt (a purchase, renewal, refund or failed payment): what main built from the entry and its purchase, and a button that has main save it as a file.
import { useEffect, useId, useState } from 'react';
import type { IpcOutput } from '../../../../shared/ipc/contract';
import { savedText } from './receipt-text';

type Receipt = IpcOutput<'getReceipt'>;

/** Browser mode answers a download address: the page fetches it (Electron saved the file already, where the user chose). */
function download(url: string, fileName: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
}

/** The receipt, asked of main once per entry (the panel is keyed by the entry). */
function useReceipt(entryId: number): { receipt: Receipt | null; error: string | null } {
  const [state, setState] = useState<{ receipt: Receipt | null; error: string | null }>({ receipt: null, error: null });
  useEffect(() => {
    let live = true;
    if (!window.credits) return;
    void window.credits.getReceipt({ entryId }).then((r) => {
      if (live) setState(r.ok ? { receipt: r.value, error: null } : { receipt: null, error: r.error.message });
    });
    return () => {
      live = false;
    };
  }, [entryId]);
  return state;
}

export function ReceiptPanel({ entryId }: { entryId: number }) {
  const headingId = useId();
  const { receipt, error } = useReceipt(entryId);
  const [saving, setSaving] = useState(false);
  const [status, setStatus] = useState('');
  const save = async () => {
    if (!window.credits) return;
    setSaving(true);
    const r = await window.credits.saveReceipt({ entryId });
    setSaving(false);
    if (!r.ok) return setStatus(r.error.message);
    if (r.value.downloadUrl) download(r.value.downloadUrl, r.value.fileName);
    setStatus(savedText(r.value));
  };
  return (
    <section className="receipt" aria-labelledby={headingId}>
      <h3 id={headingId}>{receipt?.title ?? 'Receipt'}</h3>
      {error && <p className="receipt-note">{error}</p>}
      {!receipt && !error && <p className="receipt-note">Loading the receipt…</p>}
      {receipt && (
        <dl>
          {receipt.lines.map((l) => (
            <div key={l.label} className="dl-row">
              <dt>{l.label}</dt>
              <dd>{l.value}</dd>
            </div>
          ))}
        </dl>
      )}
      <button type="button" className="text-button" disabled={!receipt || saving} onClick={() => void save()}>
        Save receipt
      </button>
      <p role="status" className="receipt-note">
        {status}
      </p>
    </section>
  );
}
