// The plan the user edits: its lines and horizon, kept in this window's storage so that a reload (or the server stopping) does not lose it.
import type { GenerationView, PlanInput } from '../../../../shared/ipc/contract';
import { cutText } from '../../../../shared/rules/text';

export interface EditLine {
  id: string;
  modelId: string;
  prompt: string;
  count: number;
  /** 0 = all on the first day */
  perDay: number;
}

export interface EditPlan {
  lines: EditLine[];
  horizonDays: number;
}

const KEY = 'credits-desk.plan.v1';
export const MAX_LINES = 50;
let seq = 0;
export const newLineId = () => `line-${Date.now().toString(36)}-${++seq}`;

export function loadPlan(): EditPlan {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? 'null') as EditPlan | null;
    if (raw && Array.isArray(raw.lines) && typeof raw.horizonDays === 'number') return { lines: raw.lines.slice(0, MAX_LINES), horizonDays: raw.horizonDays };
  } catch {
    // a damaged saved plan: start a new one
  }
  return { lines: [{ id: newLineId(), modelId: 'flux-schnell', prompt: '', count: 10, perDay: 0 }], horizonDays: 30 };
}

export function savePlan(plan: EditPlan): void {
  localStorage.setItem(KEY, JSON.stringify(plan));
}

export function toInput(plan: EditPlan): PlanInput {
  const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.floor(Number.isFinite(n) ? n : lo)));
  return {
    horizonDays: clamp(plan.horizonDays, 1, 400),
    lines: plan.lines.filter((l) => l.modelId).map((l) => ({ id: l.id, request: { modelId: l.modelId, prompt: l.prompt }, count: clamp(l.count, 1, 100_000), ...(l.perDay > 0 ? { perDay: clamp(l.perDay, 1, 10_000) } : {}) })),
  };
}

/** Lines from recent runs: one per model, with as many runs a day as were made a day on average over the days seen. */
export function linesFromHistory(runs: readonly GenerationView[]): EditLine[] {
  const byModel = new Map<string, { n: number; days: Set<string>; prompt: string }>();
  for (const r of runs) {
    if (!r.modelId || r.status === 'failed' || r.status === 'canceled' || r.status === 'expired') continue;
    const m = byModel.get(r.modelId) ?? { n: 0, days: new Set<string>(), prompt: r.request.prompt ?? '' };
    m.n++;
    m.days.add(new Date(r.createdAtMs).toISOString().slice(0, 10));
    byModel.set(r.modelId, m);
  }
  return [...byModel].slice(0, MAX_LINES).map(([modelId, m]) => ({ id: newLineId(), modelId, prompt: cutText(m.prompt), count: m.n * 30, perDay: Math.max(1, Math.round(m.n / m.days.size)) }));
}
