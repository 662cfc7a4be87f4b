// The Generate form's drafts, one per model or workflow, kept by main (kept-store) so they survive navigation and restarts (bounded).
import { draftsSchema, generateDraftSchema, MAX_DRAFTS, type Drafts } from '../../../../shared/ipc/drafts-contract';
import { keepDrafts, LEGACY_DRAFTS_KEY, useKeptStore } from '../../stores/kept-store';
import type { FormState } from './model-options';

/** where earlier versions kept the drafts in the page; taken over by main once (kept-store) */
export const DRAFTS_STORAGE_KEY = LEGACY_DRAFTS_KEY;
export { MAX_DRAFTS, type Drafts };

const formSchema = generateDraftSchema;

/** The saved drafts from their stored text; anything unreadable or malformed counts as none (never an error to the user). */
export function parseDrafts(text: string | null): Drafts {
  if (!text) return { drafts: [] };
  try {
    const parsed = draftsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : { drafts: [] };
  } catch {
    return { drafts: [] };
  }
}

/** `form` as the newest draft (replacing that target's older one), at most MAX_DRAFTS kept. */
export function withDraft(d: Drafts, form: FormState): Drafts {
  const clean = formSchema.safeParse(form);
  if (!clean.success) return d;
  return { drafts: [clean.data, ...d.drafts.filter((x) => x.target !== form.target)].slice(0, MAX_DRAFTS) };
}

/** The draft for `target`, or the last edited one when no target is asked for. */
export function draftFor(d: Drafts, target?: string): FormState | null {
  return (target === undefined ? d.drafts[0] : d.drafts.find((x) => x.target === target)) ?? null;
}

/** The form before anything is edited; a model's own defaults go over it. */
export const DEFAULT_FORM: FormState = { target: 'model:flux-schnell', prompt: '', count: 1, resolutionId: '', modeId: '', seconds: 5, maxOutputTokens: 1000, trainingImages: 10 };

/**
 * The form on switching to `target`: its own draft as it was left, else a fresh form with the model's defaults. Nothing carries over
 * from the model switched away from (its prompt stays in its own draft).
 */
export function formForTarget(d: Drafts, target: string, defaults: Partial<FormState>): FormState {
  return draftFor(d, target) ?? { ...DEFAULT_FORM, ...defaults, target };
}

/** The drafts main keeps, as loaded at start and edited since. */
export function loadDrafts(): Drafts {
  return useKeptStore.getState().drafts;
}

/** `form` as the newest draft: in the page at once, to main once edits settle. */
export function saveDraft(form: FormState): void {
  const now = loadDrafts();
  const next = withDraft(now, form);
  // the same form again (the page opening with its last draft) is nothing new to send
  if (next !== now && JSON.stringify(next.drafts[0]) !== JSON.stringify(now.drafts[0])) keepDrafts(next);
}
