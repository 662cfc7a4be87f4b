// Spend limits (docs/credit-rules.md §11): credits per UTC day, week or month, for everything or one model or modality; which binds a run, and the refusal's words.
import type { Catalog, CatalogModel } from '../catalog/schema';
import { creditsText } from './money';
import { startOfUtcDay, startOfUtcWeek } from './schedule';

export const SPEND_WINDOWS = ['day', 'week', 'month'] as const;
export type SpendWindow = (typeof SPEND_WINDOWS)[number];
/** The most limits one account holds, the user's and the operator's together. */
export const MAX_SPEND_LIMITS = 20;

export type SpendScope = { kind: 'all' } | { kind: 'model'; modelId: string } | { kind: 'modality'; modality: CatalogModel['modality'] };

/** A limit as it is set: by the user (who may change it) or by the operator (who alone may). */
export interface SpendLimit {
  window: SpendWindow;
  scope: SpendScope;
  limitMc: number;
  setBy: 'user' | 'operator';
}

/** A limit with its window's spend as the server counted it at `countedAtMs`: captures charged in the window, and open holds taken in it. */
export interface SpendLimitState extends SpendLimit {
  spentMc: number;
  heldMc: number;
  windowStartMs: number;
  resetsAtMs: number;
}

/** The window containing `nowMs`: the UTC day, the week from Monday 00:00 UTC, the calendar month UTC. */
export function spendWindowOf(window: SpendWindow, nowMs: number): { startMs: number; endMs: number } {
  if (window === 'day') {
    const startMs = startOfUtcDay(nowMs);
    return { startMs, endMs: startMs + 86_400_000 };
  }
  if (window === 'week') {
    const startMs = startOfUtcWeek(nowMs);
    return { startMs, endMs: startMs + 7 * 86_400_000 };
  }
  const d = new Date(nowMs);
  return { startMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), endMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

/** The models and modalities a run touches: one model, or each block of a workflow. */
export interface RunScope {
  modelIds: readonly string[];
  modalities: readonly CatalogModel['modality'][];
}

/** The models and modalities a run touches, from the catalog (a workflow: each block's). */
export function runScopeOf(catalog: Catalog, modelId: string | null | undefined, workflowId: string | null | undefined): RunScope {
  const modelIds = modelId ? [modelId] : (catalog.workflows.find((w) => w.id === workflowId)?.blocks.map((b) => b.modelId) ?? []);
  const modalities = modelIds.flatMap((id) => catalog.models.find((m) => m.id === id)?.modality ?? []);
  return { modelIds, modalities: [...new Set(modalities)] };
}

export function limitApplies(scope: SpendScope, run: RunScope): boolean {
  if (scope.kind === 'all') return true;
  if (scope.kind === 'model') return run.modelIds.includes(scope.modelId);
  return run.modalities.includes(scope.modality);
}

/** A state read before its window ended, read again after: the new window has spent nothing yet (offline, from a cache). */
export function stateAt(s: SpendLimitState, nowMs: number): SpendLimitState {
  if (nowMs < s.resetsAtMs) return s;
  const w = spendWindowOf(s.window, nowMs);
  return { ...s, spentMc: 0, heldMc: 0, windowStartMs: w.startMs, resetsAtMs: w.endMs };
}

/** What a limit leaves in its window (never below 0: a lowered limit may already be passed). */
export function leftMc(s: SpendLimitState): number {
  return Math.max(0, s.limitMc - s.spentMc - s.heldMc);
}

/** The limit a run of up to `amountMc` would pass, the one with the least left where several would; null when none binds. */
export function bindingLimit(states: readonly SpendLimitState[], run: RunScope, amountMc: number, nowMs: number): SpendLimitState | null {
  let binding: SpendLimitState | null = null;
  for (const raw of states) {
    const s = stateAt(raw, nowMs);
    if (amountMc <= 0 || !limitApplies(s.scope, run) || s.spentMc + s.heldMc + amountMc <= s.limitMc) continue;
    if (!binding || leftMc(s) < leftMc(binding)) binding = s;
  }
  return binding;
}

const WINDOW_WORDS: Record<SpendWindow, string> = { day: 'daily', week: 'weekly', month: 'monthly' };

/** "daily limit", "weekly limit for GPT-4o", "monthly limit for video" (the operator's says so). */
export function limitName(s: SpendLimit, modelName?: (id: string) => string | undefined): string {
  const of = s.scope.kind === 'all' ? '' : s.scope.kind === 'model' ? ` for ${modelName?.(s.scope.modelId) ?? s.scope.modelId}` : ` for ${s.scope.modality}`;
  return `${s.setBy === 'operator' ? "your operator's " : 'your '}${WINDOW_WORDS[s.window]} spend limit${of}`;
}

/** The refusal a run gets from the limit that binds it: the limit, what is spent and held in its window, and when it resets. */
export function spendLimitRefusal(s: SpendLimitState, amountMc: number, modelName?: (id: string) => string | undefined): { code: 'spend_limit_reached'; message: string; details: Record<string, unknown> } {
  const resets = new Date(s.resetsAtMs).toISOString().replace('T', ' ').slice(0, 16);
  const message = `this run could cost up to ${creditsText(amountMc)}, more than the ${creditsText(leftMc(s))} left of ${limitName(s, modelName)} of ${creditsText(s.limitMc)} (${creditsText(s.spentMc)} spent and ${creditsText(s.heldMc)} held); it resets ${resets} UTC`;
  return {
    code: 'spend_limit_reached',
    message,
    details: { window: s.window, scope: s.scope, setBy: s.setBy, limitMc: s.limitMc, spentMc: s.spentMc, heldMc: s.heldMc, neededMc: amountMc, leftMc: leftMc(s), resetsAtMs: s.resetsAtMs },
  };
}
