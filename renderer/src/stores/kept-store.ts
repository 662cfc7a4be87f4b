// What the user typed, kept by main (Generate drafts, Plan lines): loaded once at start (taking the page's own old copies once), saved debounced.
import { create } from 'zustand';
import {
  draftsSchema,
  MAX_PLAN_COUNT,
  MAX_PLAN_HORIZON_DAYS,
  MAX_PLAN_LINES,
  MAX_PLAN_PER_DAY,
  MAX_PLAN_PROMPT_CHARS,
  planLineParamsSchema,
  type Drafts,
  type PlanLines,
} from '../../../shared/ipc/drafts-contract';
import { cutText } from '../../../shared/rules/text';

/** where earlier versions kept them in the page's localStorage (per origin: browser mode's changes with every port) */
export const LEGACY_DRAFTS_KEY = 'credits.generateDrafts';
export const LEGACY_PLAN_KEY = 'credits-desk.plan.v1';
/** edits settle for this long before they are sent to main */
export const SAVE_DELAY_MS = 400;

export interface KeptState {
  drafts: Drafts;
  /** null: no plan saved yet (the Plan page starts its own) */
  plan: PlanLines | null;
  /** loaded from main (or, without it, from the page's storage): until then nothing is saved, so a new page cannot overwrite */
  ready: boolean;
}

export const useKeptStore = create<KeptState>(() => ({ drafts: { drafts: [] }, plan: null, ready: false }));

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

function readLegacy(key: string): unknown {
  try {
    const text = storage()?.getItem(key);
    return text ? (JSON.parse(text) as unknown) : null;
  } catch {
    return null;
  }
}

/** The page's old drafts, if readable; anything malformed counts as none. */
export function legacyDrafts(raw: unknown): Drafts | null {
  const parsed = draftsSchema.safeParse(raw);
  return parsed.success && parsed.data.drafts.length > 0 ? parsed.data : null;
}

const whole = (n: unknown, lo: number, hi: number, fallback: number) => (typeof n === 'number' && Number.isFinite(n) ? Math.max(lo, Math.min(hi, Math.floor(n))) : fallback);
const text = (s: unknown, max: number) => (typeof s === 'string' ? cutText(s, max) : '');

/** A plan as main takes it: at most MAX_PLAN_LINES lines, numbers whole and in range, texts cut to their bounds; null if it is no plan at all. */
export function savedPlan(raw: unknown): PlanLines | null {
  if (!raw || typeof raw !== 'object') return null;
  const p = raw as { lines?: unknown; horizonDays?: unknown };
  if (!Array.isArray(p.lines)) return null;
  const lines = p.lines.slice(0, MAX_PLAN_LINES).flatMap((l: unknown, i): PlanLines['lines'] => {
    if (!l || typeof l !== 'object') return [];
    const x = l as Record<string, unknown>;
    const params = planLineParamsSchema.safeParse(x.params);
    return [
      {
        id: text(x.id, 80) || `line-kept-${i + 1}`,
        modelId: text(x.modelId, 120),
        prompt: text(x.prompt, MAX_PLAN_PROMPT_CHARS),
        count: whole(x.count, 0, MAX_PLAN_COUNT, 0),
        perDay: whole(x.perDay, 0, MAX_PLAN_PER_DAY, 0),
        ...(params.success && x.params ? { params: params.data } : {}),
      },
    ];
  });
  return { lines, horizonDays: whole(p.horizonDays, 0, MAX_PLAN_HORIZON_DAYS, 30) };
}

let loading: Promise<void> | null = null;

/**
 * Loads what main keeps, once per page (later calls get the same promise). Where main has nothing yet and the page's storage has
 * some, those are taken once: sent to main, and removed from the page once main has them. Never fails: without main, the page's own.
 */
export function loadKept(): Promise<void> {
  loading ??= (async () => {
    const credits = typeof window === 'undefined' ? undefined : window.credits;
    const oldDrafts = legacyDrafts(readLegacy(LEGACY_DRAFTS_KEY));
    const oldPlan = savedPlan(readLegacy(LEGACY_PLAN_KEY));
    if (!credits) {
      useKeptStore.setState({ drafts: oldDrafts ?? { drafts: [] }, plan: oldPlan, ready: true });
      return;
    }
    const [d, p] = await Promise.all([credits.getDrafts(), credits.getPlanLines()]);
    let drafts = d.ok ? d.value : oldDrafts;
    let plan = p.ok ? p.value : oldPlan;
    if (d.ok && d.value === null && oldDrafts) {
      const r = await credits.saveDrafts(oldDrafts);
      if (r.ok) storage()?.removeItem(LEGACY_DRAFTS_KEY);
      drafts = oldDrafts;
    }
    if (p.ok && p.value === null && oldPlan) {
      const r = await credits.savePlanLines(oldPlan);
      if (r.ok) storage()?.removeItem(LEGACY_PLAN_KEY);
      plan = oldPlan;
    }
    useKeptStore.setState({ drafts: drafts ?? { drafts: [] }, plan, ready: true });
  })();
  return loading;
}

const timers: { drafts: ReturnType<typeof setTimeout> | null; plan: ReturnType<typeof setTimeout> | null } = { drafts: null, plan: null };

/** Sends one kind to main now; if main cannot take it (the app stopped), the page keeps a copy, taken again when main has none. */
function send(kind: 'drafts' | 'plan'): void {
  const t = timers[kind];
  if (t) clearTimeout(t);
  timers[kind] = null;
  const s = useKeptStore.getState();
  const credits = window.credits;
  const fallback = () => {
    try {
      storage()?.setItem(kind === 'drafts' ? LEGACY_DRAFTS_KEY : LEGACY_PLAN_KEY, JSON.stringify(kind === 'drafts' ? s.drafts : s.plan));
    } catch {
      // storage full or refused: it lives on in the page until it closes
    }
  };
  if (!credits) return fallback();
  const saved = kind === 'drafts' ? credits.saveDrafts(s.drafts) : s.plan ? credits.savePlanLines(s.plan) : null;
  void saved?.then((r) => {
    if (!r.ok) fallback();
  });
}

function schedule(kind: 'drafts' | 'plan'): void {
  const t = timers[kind];
  if (t) clearTimeout(t);
  timers[kind] = setTimeout(() => send(kind), SAVE_DELAY_MS);
}

/** The drafts as now edited: kept in the page at once, sent to main once edits settle. Ignored before the load (it would overwrite). */
export function keepDrafts(drafts: Drafts): void {
  if (!useKeptStore.getState().ready) return;
  useKeptStore.setState({ drafts });
  schedule('drafts');
}

export function keepPlan(plan: PlanLines): void {
  if (!useKeptStore.getState().ready) return;
  useKeptStore.setState({ plan });
  schedule('plan');
}

/** Sends what is still waiting (the page is being hidden or closed). */
export function flushKept(): void {
  if (timers.drafts) send('drafts');
  if (timers.plan) send('plan');
}

if (typeof window !== 'undefined') window.addEventListener('pagehide', flushKept);

/** Another account took over in main (the page reloads): what is still waiting is dropped, never sent to the other account. */
export function stopKeeping(): void {
  for (const kind of ['drafts', 'plan'] as const) {
    const t = timers[kind];
    if (t) clearTimeout(t);
    timers[kind] = null;
  }
  useKeptStore.setState({ ready: false });
}
