// Settings → Spend limits: what each limit allows in its window, what is spent and held, when it resets; the user edits their own, the operator's are shown.
import { useEffect, useId, useState } from 'react';
import { CreditAmountError, formatCredits, parseCredits } from '../../../../shared/rules/money';
import { MAX_SPEND_LIMITS, stateAt, type SpendScope, type SpendWindow } from '../../../../shared/rules/spend-limits';
import type { SpendLimitView } from '../../../../shared/api/spend-limits';
import type { Catalog } from '../../../../shared/catalog/schema';
import { useAppStore } from '../../stores/app-store';
import { useWalletStore } from '../../stores/wallet-store';
import { countdown } from '../../lib/format';

const WINDOW_LABELS: Record<SpendWindow, string> = { day: 'Each day', week: 'Each week', month: 'Each month' };
const MODALITIES = ['text', 'image', 'video', 'audio', 'training'] as const;

/** A limit being edited: the credits as typed, the scope as one select value ("all", "modality:image", "model:flux-schnell"). */
interface Draft {
  window: SpendWindow;
  scope: string;
  credits: string;
}

const scopeValue = (s: SpendScope) => (s.kind === 'all' ? 'all' : s.kind === 'model' ? `model:${s.modelId}` : `modality:${s.modality}`);
function scopeOf(value: string): SpendScope {
  if (value.startsWith('model:')) return { kind: 'model', modelId: value.slice(6) };
  if (value.startsWith('modality:')) return { kind: 'modality', modality: value.slice(9) as (typeof MODALITIES)[number] };
  return { kind: 'all' };
}

export function scopeLabel(s: SpendScope, catalog: Catalog | null): string {
  if (s.kind === 'all') return 'everything';
  if (s.kind === 'modality') return `${s.modality} runs`;
  return catalog?.models.find((m) => m.id === s.modelId)?.name ?? s.modelId;
}

/** "12 of 50 credits used, 3 held · resets in 5 h": a limit's window as the last sync counted it. */
export function limitUseText(l: SpendLimitView, nowMs: number): string {
  const s = stateAt(l, nowMs);
  const held = s.heldMc > 0 ? `, ${formatCredits(s.heldMc)} held` : '';
  const resets = s.resetsAtMs - nowMs <= 86_400_000 ? `in ${countdown(s.resetsAtMs, nowMs)}` : `on ${new Date(s.resetsAtMs).toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' })}`;
  return `${formatCredits(s.spentMc)} of ${formatCredits(s.limitMc)} credits used${held} · resets ${resets}`;
}

function LimitRow({ d, catalog, onChange, onRemove }: { d: Draft; catalog: Catalog | null; onChange: (d: Draft) => void; onRemove: () => void }) {
  const id = useId();
  return (
    <li className="limit-row">
      <label htmlFor={`${id}-w`} className="visually-hidden">Window</label>
      <select id={`${id}-w`} value={d.window} onChange={(e) => onChange({ ...d, window: e.target.value as SpendWindow })}>
        {(['day', 'week', 'month'] as const).map((w) => <option key={w} value={w}>{WINDOW_LABELS[w]}</option>)}
      </select>
      <label htmlFor={`${id}-s`} className="visually-hidden">Runs it covers</label>
      <select id={`${id}-s`} value={d.scope} onChange={(e) => onChange({ ...d, scope: e.target.value })}>
        <option value="all">everything</option>
        {MODALITIES.map((m) => <option key={m} value={`modality:${m}`}>{m} runs</option>)}
        {catalog?.models.map((m) => <option key={m.id} value={`model:${m.id}`}>{m.name}</option>)}
      </select>
      <label htmlFor={`${id}-c`}>at most (credits)</label>
      <input id={`${id}-c`} inputMode="decimal" value={d.credits} onChange={(e) => onChange({ ...d, credits: e.target.value })} />
      <button type="button" onClick={onRemove}>Remove</button>
    </li>
  );
}

export function SpendLimitsSection() {
  const view = useWalletStore((s) => s.view);
  const catalog = useAppStore((s) => s.catalogView?.catalog ?? null);
  const limits = view?.wallet?.spendLimits ?? [];
  const operator = limits.filter((l) => l.setBy === 'operator');
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const headingId = useId();
  const mine = JSON.stringify(limits.filter((l) => l.setBy === 'user').map((l) => [l.window, l.scope, l.limitMc]));
  useEffect(() => {
    setDrafts((JSON.parse(mine) as [SpendWindow, SpendScope, number][]).map(([window, scope, mc]) => ({ window, scope: scopeValue(scope), credits: formatCredits(mc).replace(/,/g, '') })));
  }, [mine]);
  const nowMs = Date.now() + (view?.clockOffsetMs ?? 0);
  const save = async () => {
    let body;
    try {
      body = drafts.map((d) => ({ window: d.window, scope: scopeOf(d.scope), limitMc: parseCredits(d.credits, { maxMc: 100_000_000_000, subjectAndVerb: 'A spend limit may be' }) }));
    } catch (err) {
      setMessage({ ok: false, text: err instanceof CreditAmountError ? err.message : 'not a credit amount' });
      return;
    }
    if (body.some((l) => l.limitMc <= 0)) return setMessage({ ok: false, text: 'A spend limit must be more than 0 credits; remove it to have none.' });
    const r = await window.credits!.setSpendLimits({ limits: body });
    setMessage(r.ok ? { ok: true, text: 'Spend limits applied: the credits server keeps them and checks every run against them.' } : { ok: false, text: r.error.message });
  };
  return (
    <section className="settings-form" aria-labelledby={headingId} data-testid="spend-limits">
      <h2 id={headingId}>Spend limits</h2>
      <p className="hint">A run is refused before it starts when it could take what you spent and hold in a day, week or month (UTC) past a limit. What a run does not use is given back when it ends.</p>
      {limits.length > 0 && (
        <ul className="limit-list">
          {limits.map((l, i) => (
            <li key={i} data-set-by={l.setBy}>
              {WINDOW_LABELS[l.window]}, {scopeLabel(l.scope, catalog)}: {limitUseText(l, nowMs)}
              {l.setBy === 'operator' && ' (set by your operator)'}
            </li>
          ))}
        </ul>
      )}
      {operator.length > 0 && <p className="hint">Your operator&apos;s limits apply beside yours; only the operator can change them.</p>}
      <ul className="limit-rows">
        {drafts.map((d, i) => (
          <LimitRow key={i} d={d} catalog={catalog} onChange={(n) => setDrafts(drafts.map((x, j) => (j === i ? n : x)))} onRemove={() => setDrafts(drafts.filter((_, j) => j !== i))} />
        ))}
      </ul>
      <div className="limit-actions">
        <button type="button" disabled={drafts.length + operator.length >= MAX_SPEND_LIMITS} onClick={() => setDrafts([...drafts, { window: 'day', scope: 'all', credits: '' }])}>
          Add a limit
        </button>
        <button type="button" className="primary" onClick={() => void save()}>
          Apply spend limits
        </button>
      </div>
      {message && (
        <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'refusal'}>
          {message.text}
        </p>
      )}
    </section>
  );
}
