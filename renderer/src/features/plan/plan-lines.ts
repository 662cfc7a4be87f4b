// The plan the user edits: its lines and horizon, kept by main (kept-store) so that a reload, a restart or the server stopping does not lose it.
import type { Catalog, Plan } from '../../../../shared/catalog/schema';
import type { GenerationView, PlanInput } from '../../../../shared/ipc/contract';
import type { RunRequest } from '../../../../shared/rules/pricing';
import { cutText } from '../../../../shared/rules/text';
import { MAX_PLAN_LINES } from '../../../../shared/ipc/drafts-contract';
import { keepPlan, savedPlan, useKeptStore } from '../../stores/kept-store';
import { defaultsFor, numberFields, numberProblem, rangeHint, type NumberKey, type NumberSpec, type TypedNumbers } from '../generate/model-options';

export interface EditLine {
  id: string;
  modelId: string;
  prompt: string;
  count: number;
  /** 0 = all on the first day */
  perDay: number;
  /** each run's own numbers, as the Generate form takes them for the model (images, seconds, output tokens); absent: the model's defaults */
  params?: Partial<Record<NumberKey, number>> | undefined;
}

export interface EditPlan {
  lines: EditLine[];
  horizonDays: number;
}

export const MAX_LINES = MAX_PLAN_LINES;
let seq = 0;
export const newLineId = () => `line-${Date.now().toString(36)}-${++seq}`;

/** The plan main keeps (loaded at start by kept-store), or a new one. */
export function loadPlan(): EditPlan {
  const kept = useKeptStore.getState().plan;
  if (kept) return { lines: kept.lines.slice(0, MAX_LINES), horizonDays: kept.horizonDays };
  return { lines: [{ id: newLineId(), modelId: 'flux-schnell', prompt: '', count: 10, perDay: 0 }], horizonDays: 30 };
}

/** The plan as edited: to main once edits settle (numbers and texts brought within what main keeps). */
export function savePlan(plan: EditPlan): void {
  const saved = savedPlan(plan);
  if (saved) keepPlan(saved);
}

/** One of a line's number fields: the Generate form's spec for its model and plan, the text shown, its range and what is wrong with it. */
export interface LineNumber {
  spec: NumberSpec;
  text: string;
  hint: string;
  problem: string | null;
}

/** The number fields a line's model takes (the Generate form's, within the account's plan), as typed or else as the line holds them. */
export function lineNumbers(line: EditLine, catalog: Catalog | null, accountPlan: Plan | null, typed: TypedNumbers = {}): LineNumber[] {
  const model = catalog?.models.find((m) => m.id === line.modelId) ?? null;
  if (!model) return [];
  const defaults = defaultsFor(model);
  return numberFields(model.pricing, accountPlan).map((spec) => {
    const text = typed[spec.key] ?? String(line.params?.[spec.key] ?? defaults[spec.key]);
    return { spec, text, hint: rangeHint(spec), problem: numberProblem(text, spec) };
  });
}

/**
 * What main plans: each line's request with the numbers its model takes (the model's defaults where the line set none). A line
 * whose number is empty or out of range is left out until it is put right (its field says what is wrong), as Generate estimates
 * nothing then. Without the catalog, lines go as model and prompt.
 */
export function toInput(plan: EditPlan, catalog: Catalog | null = null, accountPlan: Plan | null = null, typed: Readonly<Record<string, TypedNumbers>> = {}): PlanInput {
  const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.floor(Number.isFinite(n) ? n : lo)));
  const lines: PlanInput['lines'] = [];
  for (const l of plan.lines) {
    if (!l.modelId) continue;
    const numbers = lineNumbers(l, catalog, accountPlan, typed[l.id]);
    if (numbers.some((n) => n.problem)) continue;
    const request: RunRequest = { modelId: l.modelId, prompt: l.prompt };
    for (const n of numbers) request[n.spec.key] = Number(n.text);
    lines.push({ id: l.id, request, count: clamp(l.count, 1, 100_000), ...(l.perDay > 0 ? { perDay: clamp(l.perDay, 1, 10_000) } : {}) });
  }
  return { horizonDays: clamp(plan.horizonDays, 1, 400), lines };
}

/** The numbers a run was made with (images, seconds, output tokens), for a line made from it; undefined when it had none. */
function runParams(request: GenerationView['request']): EditLine['params'] {
  const params: NonNullable<EditLine['params']> = {};
  for (const key of ['count', 'seconds', 'maxOutputTokens'] as const) if (typeof request[key] === 'number') params[key] = request[key];
  return Object.keys(params).length ? params : undefined;
}

/** Lines from recent runs (with the numbers of each model's latest): one per model, with as many runs a day as were made a day on average over the days seen. */
export function linesFromHistory(runs: readonly GenerationView[]): EditLine[] {
  const byModel = new Map<string, { n: number; days: Set<string>; prompt: string; params: EditLine['params'] }>();
  for (const r of runs) {
    if (!r.modelId || r.status === 'failed' || r.status === 'canceled' || r.status === 'expired') continue;
    const m = byModel.get(r.modelId) ?? { n: 0, days: new Set<string>(), prompt: r.request.prompt ?? '', params: runParams(r.request) };
    m.n++;
    m.days.add(new Date(r.createdAtMs).toISOString().slice(0, 10));
    byModel.set(r.modelId, m);
  }
  return [...byModel].slice(0, MAX_LINES).map(([modelId, m]) => ({ id: newLineId(), modelId, prompt: cutText(m.prompt), count: m.n * 30, perDay: Math.max(1, Math.round(m.n / m.days.size)), ...(m.params ? { params: m.params } : {}) }));
}
