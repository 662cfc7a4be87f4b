// The generation view: pick a model, set its parameters within the plan, see the estimate as a range, approve, and follow the run.
import { useEffect, useId, useMemo, useState } from 'react';
import { findPlan } from '../../../../shared/catalog/lookup';
import { MAX_PROMPT_CHARS } from '../../../../shared/rules/pricing';
import { creditsText as credits } from '../../../../shared/rules/money';
import { useAppStore } from '../../stores/app-store';
import { useWalletStore } from '../../stores/wallet-store';
import { blockingNumber, defaultsFor, numberFields, selectedModel, toRequest, type FormState, type NumberKey, type TypedNumbers } from './model-options';
import { EstimatePanel, ModelSelect, ParamFields } from './GenerateFields';
import { CustomModelField } from './CustomModelField';
import { RunCard } from './RunCard';
import { Modal } from '../../ui/Modal';
import { DEFAULT_FORM, draftFor, formForTarget, loadDrafts, saveDraft } from './drafts';
import { usePreflight, useStartRun, type Approval } from './use-run';
import { localPreflight } from './local-preflight';

export function GeneratePage() {
  const catalogView = useAppStore((s) => s.catalogView);
  const walletView = useWalletStore((s) => s.view);
  const settings = useAppStore((s) => s.settings);
  const connection = walletView?.connection;
  const catalog = catalogView?.catalog ?? null;
  const plan = catalog && catalogView?.planId ? (findPlan(catalog, catalogView.planId) ?? null) : null;
  // the last edited draft comes back after navigating away or restarting; each model keeps its own
  const [form, setForm] = useState<FormState>(() => draftFor(loadDrafts()) ?? DEFAULT_FORM);
  // number fields as typed (empty, not whole, out of range): shown as they are, and nothing is estimated until they are in range
  const [typed, setTyped] = useState<TypedNumbers>({});
  useEffect(() => saveDraft(form), [form]);
  const model = selectedModel(catalog, form.target);
  const p = model?.pricing;
  const blocked = blockingNumber(numberFields(p, plan), form, typed);
  const request = useMemo(() => (blocked ? null : toRequest(catalog, form)), [catalog, form, blocked]);
  const ids = { prompt: useId(), estimate: useId() };
  // the estimate on screen at every keystroke, from the shared rules; main's answer replaces it when it arrives
  const local = useMemo(() => localPreflight(request, catalogView, walletView, settings), [request, catalogView, walletView, settings]);
  const preflight = usePreflight(request, walletView, catalogView, local);
  const run = useStartRun(request);
  const est = blocked ? null : (preflight?.estimate ?? null);

  const pick = (target: string) => {
    // each model's draft is its own: one without a draft starts empty, with the model's defaults
    setForm(formForTarget(loadDrafts(), target, defaultsFor(selectedModel(catalog, target))));
    setTyped({});
    run.setError(null);
  };
  const onNumber = (key: NumberKey, text: string) => {
    setTyped((t) => ({ ...t, [key]: text }));
    const n = Number(text);
    if (text.trim() !== '' && Number.isInteger(n)) setForm((f) => ({ ...f, [key]: n }));
  };
  const onGenerate = () => {
    if (!est || blocked || run.busy) return;
    if (preflight?.autoApprove) void run.start(est.maxMc);
    else run.setApproval({ amountMc: est.maxMc, reason: 'confirm' });
  };

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
          <ModelSelect catalog={catalog} plan={plan} value={form.target} onPick={pick} />
          <div className="field">
            <label htmlFor={ids.prompt}>Prompt</label>
            <textarea id={ids.prompt} value={form.prompt} maxLength={p?.meter === 'tokens' ? p.maxPromptChars : MAX_PROMPT_CHARS} rows={4} onChange={(e) => setForm({ ...form, prompt: e.target.value })} placeholder="Describe what you want" />
          </div>
          <ParamFields pricing={p} plan={plan} form={form} setForm={setForm} typed={typed} onNumber={onNumber} />
          {selectedModel(catalog, form.target)?.customModels && <CustomModelField value={form.customModelId ?? ''} onChange={(customModelId) => setForm({ ...form, customModelId })} />}
          <EstimatePanel id={ids.estimate} preflight={preflight} error={run.error} blocked={blocked} model={model} />
          {/* busy is aria-disabled, not disabled: a disabled button drops the keyboard's focus to the page */}
          <button type="submit" className="primary" disabled={!est || !!preflight?.refusal || !form.prompt.trim()} aria-disabled={run.busy || undefined} aria-describedby={ids.estimate}>
            {est ? `Generate, up to ${credits(est.maxMc)}` : 'Generate'}
          </button>
          {!form.prompt.trim() && <span className="hint"> Write a prompt to generate.</span>}
        </form>
      )}
      {run.approval && <ApprovalDialog approval={run.approval} busy={run.busy} onApprove={() => void run.start(run.approval!.amountMc)} onCancel={() => run.setApproval(null)} />}
      <RecentRuns />
    </main>
  );
}

function ApprovalDialog({ approval, busy, onApprove, onCancel }: { approval: Approval; busy: boolean; onApprove(): void; onCancel(): void }) {
  return (
    <Modal title={approval.reason === 'price_changed' ? 'The price changed' : 'Approve this run?'} onClose={onCancel}>
      <p>
        {approval.reason === 'price_changed' ? 'The price list changed since the estimate. This run now' : 'This run'} can cost up to <strong>{credits(approval.amountMc)}</strong>. You pay what it actually uses, never more; a failed run costs nothing.
      </p>
      <div className="dialog-actions">
        <button type="button" className="primary" disabled={busy} onClick={onApprove}>
          Approve up to {credits(approval.amountMc)}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}

/** The runs as the store holds them: every update arrives as a generation event, applied there. */
function RecentRuns() {
  const runs = useAppStore((s) => s.runs);
  return (
    <section aria-labelledby="runs-heading" className="runs">
      <h2 id="runs-heading">Recent runs</h2>
      {runs.length === 0 && <p className="muted">Your runs will appear here.</p>}
      <ul className="run-list">
        {runs.map((r) => (
          <RunCard key={r.id} run={r} />
        ))}
      </ul>
    </section>
  );
}
