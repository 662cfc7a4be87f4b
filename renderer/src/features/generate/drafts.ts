// The Generate form's drafts, one per model or workflow, kept in localStorage so they survive navigation and restarts (bounded).
import { z } from 'zod';
import { MAX_PROMPT_CHARS } from '../../../../shared/rules/pricing';
import type { FormState } from './model-options';

export const DRAFTS_STORAGE_KEY = 'credits.generateDrafts';
/** drafts kept, the most recently edited first; older ones are dropped */
export const MAX_DRAFTS = 30;

const formSchema = z.object({
  target: z.string().min(1).max(120),
  prompt: z.string().max(MAX_PROMPT_CHARS),
  count: z.int().min(1).max(1000),
  resolutionId: z.string().max(80),
  modeId: z.string().max(80),
  seconds: z.int().min(1).max(3600),
  maxOutputTokens: z.int().min(1).max(1_000_000),
  trainingImages: z.int().min(1).max(1000),
  customModelId: z.string().max(80).optional(),
});

const draftsSchema = z.object({ drafts: z.array(formSchema).max(MAX_DRAFTS) });
export type Drafts = z.infer<typeof draftsSchema>;

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

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function loadDrafts(): Drafts {
  return parseDrafts(storage()?.getItem(DRAFTS_STORAGE_KEY) ?? null);
}

export function saveDraft(form: FormState): void {
  const s = storage();
  if (!s) return;
  try {
    s.setItem(DRAFTS_STORAGE_KEY, JSON.stringify(withDraft(loadDrafts(), form)));
  } catch {
    // storage full or refused: the draft lives on in the page until it closes
  }
}
