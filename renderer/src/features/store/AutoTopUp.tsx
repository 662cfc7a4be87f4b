// Store → Auto top-up: opt in with a pack, a threshold and a monthly cap (required), with the card saved at a checkout; why it is paused and one click to fix it.
import { useEffect, useId, useState } from 'react';
import type { Catalog } from '../../../../shared/catalog/schema';
import { CreditAmountError, formatCredits, formatMoney, parseCredits } from '../../../../shared/rules/money';
import { useWalletStore } from '../../stores/wallet-store';

interface Props {
  catalog: Catalog;
  country: string;
  online: boolean;
}

/** "3 top-ups" or "$30.00" a month: the cap in words. */
function capText(cap: { kind: 'count'; count: number } | { kind: 'amount'; amountMinor: number; currency: string }): string {
  return cap.kind === 'count' ? `${cap.count} top-up${cap.count === 1 ? '' : 's'}` : formatMoney({ amountMinor: cap.amountMinor, currency: cap.currency });
}

export function AutoTopUpSection({ catalog, country, online }: Props) {
  const view = useWalletStore((s) => s.view?.wallet?.autoTopUp ?? null);
  const id = useId();
  const [enabled, setEnabled] = useState(false);
  const [packId, setPackId] = useState(catalog.packs[1]?.id ?? catalog.packs[0]?.id ?? '');
  const [threshold, setThreshold] = useState('20');
  const [capCount, setCapCount] = useState('3');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const saved = JSON.stringify(view?.settings ?? null);
  useEffect(() => {
    const s = view?.settings;
    if (!s) return;
    setEnabled(s.enabled);
    setPackId(s.packId);
    setThreshold(formatCredits(s.thresholdMc).replace(/,/g, ''));
    if (s.cap.kind === 'count') setCapCount(String(s.cap.count));
  }, [saved]);
  const save = async () => {
    let thresholdMc: number;
    try {
      thresholdMc = parseCredits(threshold, { maxMc: 100_000_000_000, subjectAndVerb: 'The threshold may be' });
    } catch (e) {
      return setMessage({ ok: false, text: e instanceof CreditAmountError ? e.message : 'not a credit amount' });
    }
    const count = Number(capCount);
    if (!Number.isInteger(count) || count < 1 || count > 31) return setMessage({ ok: false, text: 'The cap is 1 to 31 top-ups a month.' });
    if (thresholdMc <= 0) return setMessage({ ok: false, text: 'The threshold must be more than 0 credits.' });
    const r = await window.credits!.setAutoTopUp({ enabled, packId, thresholdMc, cap: { kind: 'count', count }, country });
    setMessage(r.ok ? { ok: true, text: enabled ? 'Auto top-up is on.' : 'Auto top-up is off.' } : { ok: false, text: r.error.message });
  };
  const resume = async () => {
    const r = await window.credits!.resumeAutoTopUp();
    setMessage(r.ok ? { ok: true, text: 'Auto top-up is on again.' } : { ok: false, text: r.error.message });
  };
  const paused = view?.paused ?? null;
  return (
    <section aria-labelledby={`${id}-h`} className="settings-form" data-testid="auto-top-up">
      <h2 id={`${id}-h`}>Auto top-up</h2>
      <p className="lede">When a run takes your available credits below the threshold, the pack is bought with your saved card, once for each time the balance falls below it, and never more than the cap in a calendar month (UTC).</p>
      <p data-testid="saved-card">{view?.card ? `Saved card: ${view.card.brand ?? 'card'} •••• ${view.card.last4 ?? '????'}` : 'No card saved yet: buy a pack above with "Save the card I pay with for auto top-up" ticked.'}</p>
      {paused && (
        <p role="alert" className="refusal" data-code={paused.code}>
          Auto top-up is paused: {paused.message}.{' '}
          {paused.fixUrl ? (
            <a href={paused.fixUrl} target="_blank" rel="noopener noreferrer">Confirm the payment</a>
          ) : (
            <button type="button" className="text-button" disabled={!online} onClick={() => void resume()}>Resume auto top-up</button>
          )}
        </p>
      )}
      {view?.month.capReached && <p role="status">This month's cap is reached: no more top-ups until next month.</p>}
      {view?.settings && <p className="muted">This month: {view.month.count} of {capText(view.settings.cap)}.</p>}
      <div className="field">
        <label className="check"><input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Turn auto top-up on</label>
      </div>
      <div className="field">
        <label htmlFor={`${id}-pack`}>Pack to buy</label>
        <select id={`${id}-pack`} value={packId} onChange={(e) => setPackId(e.target.value)}>
          {catalog.packs.map((p) => <option key={p.id} value={p.id}>{p.name} — {formatMoney({ amountMinor: p.priceMinor, currency: catalog.currency })}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-t`}>When available credits fall below</label>
        <input id={`${id}-t`} inputMode="decimal" value={threshold} onChange={(e) => setThreshold(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-c`}>At most this many top-ups a month</label>
        <input id={`${id}-c`} inputMode="numeric" value={capCount} onChange={(e) => setCapCount(e.target.value)} aria-describedby={`${id}-c-hint`} />
        <span className="hint" id={`${id}-c-hint`}>1 to 31. Required: auto top-up never buys past it.</span>
      </div>
      <button type="button" className="primary" disabled={!online} onClick={() => void save()}>Save auto top-up</button>
      {message && <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'refusal'}>{message.text}</p>}
    </section>
  );
}
