// The generation view: pick a model, set its parameters within the plan, see the estimate as a range, approve, and follow the run.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { findPlan, MODALITIES } from '../../../../shared/catalog/schema';
import { MAX_PROMPT_CHARS } from '../../../../shared/rules/pricing';
import type { PreflightResult } from '../../../../shared/ipc/contract';
import { creditsText as credits } from '../../../../shared/rules/money';
import { formatCredits } from '../../lib/format';
import { useAppStore } from '../../stores/app-store';
import { useWalletStore } from '../../stores/wallet-store';
import { accessLabel, defaultsFor, levelAllows, MODALITY_LABELS, selectedModel, toRequest, unitPrice, type FormState } from './model-options';
import { RunCard } from './RunCard';

const ESTIMATE_DEBOUNCE_MS = 120;

interface Approval {
  amountMc: number;
  reason: 'confirm' | 'price_changed';
}

export function GeneratePage() {
  const catalogView = useAppStore((s) => s.catalogView);
  const runs = useAppStore((s) => s.runs);
  const upsertRun = useAppStore((s) => s.upsertRun);
  const connection = useWalletStore((s) => s.view?.connection);
  const catalog = catalogView?.catalog ?? null;
  const plan = catalog && catalogView?.planId ? (findPlan(catalog, catalogView.planId) ?? null) : null;
  const [form, setForm] = useState<FormState>({ target: 'model:flux-schnell', prompt: '', count: 1, resolutionId: '', modeId: '', seconds: 5, maxOutputTokens: 1000, trainingImages: 10 });
  const [preflight, setPreflight] = useState<PreflightResult | null>(null);
  const [approval, setApproval] = useState<Approval | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const model = selectedModel(catalog, form.target);
  const request = useMemo(() => toRequest(catalog, form), [catalog, form]);
  const ids = { model: useId(), prompt: useId(), count: useId(), res: useId(), mode: useId(), seconds: useId(), tokens: useId(), images: useId(), estimate: useId() };
  const seq = useRef(0);

  useEffect(() => {
    if (!request || !window.credits) {
      setPreflight(null);
      return;
    }
    const mine = ++seq.current;
    const t = setTimeout(() => {
      void window.credits!.preflight(request).then((r) => {
        if (mine !== seq.current) return; // a newer edit already asked
        if (r.ok) setPreflight(r.value);
        else setPreflight({ estimate: null, stale: false, availableMc: null, autoApprove: false, refusal: { code: r.error.code, message: r.error.message } });
      });
    }, ESTIMATE_DEBOUNCE_MS);
    return () => clearTimeout(t);
    // the wallet and connection change what may run: ask again when they do
  }, [request, connection, catalogView]);

  const pick = (target: string) => {
    const m = selectedModel(catalog, target);
    setForm((f) => ({ ...f, target, ...defaultsFor(m) }));
    setError(null);
  };

  async function start(approvedMc: number) {
    if (!request || !window.credits) return;
    setBusy(true);
    setError(null);
    try {
      const r = await window.credits.startGeneration({ request, approvedMc });
      if (r.ok) {
        upsertRun(r.value);
        setApproval(null);
      } else if (r.error.code === 'price_changed' && typeof r.error.details?.estimateMaxMc === 'number') {
        setApproval({ amountMc: r.error.details.estimateMaxMc, reason: 'price_changed' });
      } else {
        setApproval(null);
        setError(r.error.message);
      }
    } finally {
      setBusy(false);
    }
  }

  const est = preflight?.estimate ?? null;
  const onGenerate = () => {
    if (!est) return;
    if (preflight?.autoApprove) void start(est.maxMc);
    else setApproval({ amountMc: est.maxMc, reason: 'confirm' });
  };

  const p = model?.pricing;
  const batchMax = p && (p.meter === 'image' || p.meter === 'action') ? Math.min(p.maxCount, plan?.batchSize ?? p.maxCount) : 1;

  return (
    <main className="page generate" aria-labelledby="generate-heading">
      <h1 id="generate-heading">Generate</h1>
      {!catalog && <p className="muted">{connection === 'offline' ? 'The price list has not been downloaded yet. Connect to the credits server once.' : 'Loading prices…'}</p>}
      {catalog && (
        <form
          className="gen-form"
          onSubmit={(e) => {
            e.preventDefault();
            onGenerate();
          }}
        >
          <div className="field">
            <label htmlFor={ids.model}>Model</label>
            <select id={ids.model} value={form.target} onChange={(e) => pick(e.target.value)}>
              {MODALITIES.map((mod) => {
                const models = catalog.models.filter((m) => m.modality === mod);
                if (models.length === 0) return null;
                return (
                  <optgroup key={mod} label={MODALITY_LABELS[mod]}>
                    {models.map((m) => {
                      const a = accessLabel(plan, m);
                      return (
                        <option key={m.id} value={`model:${m.id}`} disabled={!a.allowed}>
                          {m.name} — {unitPrice(m)}
                          {a.label ? ` (${a.label})` : ''}
                        </option>
                      );
                    })}
                  </optgroup>
                );
              })}
              {catalog.workflows.length > 0 && (
                <optgroup label="Workflows">
                  {catalog.workflows.map((w) => (
                    <option key={w.id} value={`workflow:${w.id}`}>
                      {w.name} — {w.blocks.length} blocks
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
          </div>
          <div className="field">
            <label htmlFor={ids.prompt}>Prompt</label>
            <textarea id={ids.prompt} value={form.prompt} maxLength={p?.meter === 'tokens' ? p.maxPromptChars : MAX_PROMPT_CHARS} rows={4} onChange={(e) => setForm({ ...form, prompt: e.target.value })} placeholder="Describe what you want" />
          </div>
          <div className="params">
            {p && (p.meter === 'image' || p.meter === 'action') && (
              <div className="field small">
                <label htmlFor={ids.count}>{p.meter === 'image' ? 'Images' : 'Count'}</label>
                <input id={ids.count} type="number" min={1} max={batchMax} value={form.count} onChange={(e) => setForm({ ...form, count: clampInt(e.target.value, 1, batchMax) })} />
                <span className="hint">up to {batchMax} on your plan</span>
              </div>
            )}
            {p?.meter === 'image' && (
              <div className="field small">
                <label htmlFor={ids.res}>Size</label>
                <select id={ids.res} value={form.resolutionId || p.resolutions[0]!.id} onChange={(e) => setForm({ ...form, resolutionId: e.target.value })}>
                  {p.resolutions.map((r) => (
                    <option key={r.id} value={r.id} disabled={!levelAllows(plan, r.minLevel)}>
                      {r.label}
                      {levelAllows(plan, r.minLevel) ? '' : ` (needs ${r.minLevel} parameters)`}
                    </option>
                  ))}
                </select>
              </div>
            )}
            {p && 'modes' in p && p.modes.length > 1 && (
              <div className="field small">
                <label htmlFor={ids.mode}>Mode</label>
                <select id={ids.mode} value={form.modeId || p.modes[0]!.id} onChange={(e) => setForm({ ...form, modeId: e.target.value })}>
                  {p.modes.map((m) => (
                    <option key={m.id} value={m.id} disabled={!levelAllows(plan, m.minLevel)}>
                      {m.label} ×{m.multiplierPermille / 1000}
                    </option>
                  ))}
                </select>
              </div>
            )}
            {p?.meter === 'second' && (
              <div className="field small">
                <label htmlFor={ids.seconds}>Seconds</label>
                <input id={ids.seconds} type="number" min={p.minSeconds} max={p.maxSeconds} value={form.seconds} onChange={(e) => setForm({ ...form, seconds: clampInt(e.target.value, p.minSeconds, p.maxSeconds) })} />
              </div>
            )}
            {p?.meter === 'tokens' && (
              <div className="field small">
                <label htmlFor={ids.tokens}>Maximum output tokens</label>
                <input id={ids.tokens} type="number" min={1} max={p.maxOutputTokens} value={form.maxOutputTokens} onChange={(e) => setForm({ ...form, maxOutputTokens: clampInt(e.target.value, 1, p.maxOutputTokens) })} />
              </div>
            )}
            {p?.meter === 'trainingImage' && (
              <div className="field small">
                <label htmlFor={ids.images}>Training images</label>
                <input id={ids.images} type="number" min={p.minImages} max={p.maxImages} value={form.trainingImages} onChange={(e) => setForm({ ...form, trainingImages: clampInt(e.target.value, p.minImages, p.maxImages) })} />
              </div>
            )}
          </div>
          <div className="estimate" id={ids.estimate} aria-live="polite">
            {est ? (
              <p>
                <span className="estimate-label">Estimate</span>{' '}
                <span data-testid="estimate-range">{est.typicalMc === est.maxMc ? credits(est.maxMc) : `${formatCredits(est.typicalMc)} – ${credits(est.maxMc)}`}</span>
                {est.lines.length > 1 && <span className="muted"> ({est.lines.map((l) => `${l.label} ${formatCredits(l.maxMc)}`).join(' + ')})</span>}
                {est.lines.some((l) => l.unlimited) && <span className="muted"> · free on your plan</span>}
              </p>
            ) : (
              <p className="muted">No estimate yet</p>
            )}
            {preflight?.stale && <p className="stale">Prices may be out of date: the saved price list is older than its freshness window.</p>}
            {preflight?.refusal && (
              <p role="alert" className="refusal" data-code={preflight.refusal.code}>
                {preflight.refusal.message}
              </p>
            )}
            {error && (
              <p role="alert" className="refusal">
                {error}
              </p>
            )}
          </div>
          <button type="submit" className="primary" disabled={!est || !!preflight?.refusal || busy || !form.prompt.trim()} aria-describedby={ids.estimate}>
            {est ? `Generate, up to ${credits(est.maxMc)}` : 'Generate'}
          </button>
          {!form.prompt.trim() && <span className="hint"> Write a prompt to generate.</span>}
        </form>
      )}
      {approval && (
        <div className="dialog-backdrop">
          <div role="dialog" aria-modal="true" aria-labelledby="approve-title" className="dialog">
            <h2 id="approve-title">{approval.reason === 'price_changed' ? 'The price changed' : 'Approve this run?'}</h2>
            <p>
              {approval.reason === 'price_changed' ? 'The price list changed since the estimate. This run now' : 'This run'} can cost up to <strong>{credits(approval.amountMc)}</strong>. You pay what it actually uses, never more; a failed run costs nothing.
            </p>
            <div className="dialog-actions">
              <button type="button" className="primary" autoFocus disabled={busy} onClick={() => void start(approval.amountMc)}>
                Approve up to {credits(approval.amountMc)}
              </button>
              <button type="button" onClick={() => setApproval(null)}>
                Cancel
              </button>
            </div>
          </div>
        </div>
      )}
      <section aria-labelledby="runs-heading" className="runs">
        <h2 id="runs-heading">Recent runs</h2>
        {runs.length === 0 && <p className="muted">Your runs will appear here.</p>}
        <ul className="run-list">
          {runs.map((r) => (
            <RunCard key={r.id} run={r} />
          ))}
        </ul>
      </section>
    </main>
  );
}

function clampInt(text: string, min: number, max: number): number {
  const n = Math.floor(Number(text));
  if (!Number.isFinite(n)) return min;
  return Math.max(min, Math.min(max, n));
}
