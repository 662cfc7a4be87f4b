// The Plan page: what the user means to make, and what main computes from the cache (works with the server stopped).
import { useEffect, useState } from 'react';
import { findPlan } from '../../../../shared/catalog/lookup';
import type { PlanView } from '../../../../shared/ipc/contract';
import type { TypedNumbers } from '../generate/model-options';
import { useAppStore } from '../../stores/app-store';
import { PlanEditor } from './PlanEditor';
import { linesFromHistory, loadPlan, savePlan, toInput, type EditPlan } from './plan-lines';
import { PlanResults, PlanSource } from './PlanResults';

/** edits settle for this long before main recomputes, so typing stays smooth */
const RECOMPUTE_DELAY_MS = 150;

export function PlanPage() {
  const catalog = useAppStore((s) => s.catalogView?.catalog ?? null);
  const planId = useAppStore((s) => s.catalogView?.planId ?? null);
  const accountPlan = catalog && planId ? (findPlan(catalog, planId) ?? null) : null;
  // each line's number fields as typed (empty or out of range while editing), by line id: such a line is left out until put right
  const [typed, setTyped] = useState<Record<string, TypedNumbers>>({});
  const runs = useAppStore((s) => s.runs);
  const [plan, setPlan] = useState<EditPlan>(loadPlan);
  const [view, setView] = useState<PlanView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    savePlan(plan);
    let live = true;
    const t = setTimeout(() => {
      void window.credits?.planCosts(toInput(plan, catalog, accountPlan, typed)).then((r) => {
        if (!live) return;
        if (r.ok) {
          setView(r.value);
          setError(null);
        } else setError(r.error.message);
      });
    }, RECOMPUTE_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [plan, catalog, accountPlan, typed]);
  return (
    <main className="page plan-page" aria-labelledby="plan-title">
      <h1 id="plan-title">Plan</h1>
      <p className="muted">List what you mean to make; the figures use the same rules as the server, from your saved price list and balance.</p>
      <PlanEditor plan={plan} catalog={catalog} accountPlan={accountPlan} typed={typed} setTyped={setTyped} onChange={setPlan} onFromHistory={() => setPlan((p) => ({ ...p, lines: linesFromHistory(runs).length ? linesFromHistory(runs) : p.lines }))} />
      {error && <p role="alert">{error}</p>}
      {view && <PlanSource view={view} />}
      {view && <PlanResults view={view} />}
    </main>
  );
}
