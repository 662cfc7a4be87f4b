// The page's side of what main keeps of the user's typing: loaded once, the page's old copies taken only when main has none, saves bounded.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_PLAN_COUNT, MAX_PLAN_LINES, MAX_PLAN_PROMPT_CHARS, planLinesSchema } from '../../shared/ipc/drafts-contract';

const form = (prompt: string) => ({ target: 'model:flux-schnell', prompt, count: 1, resolutionId: '', modeId: '', seconds: 5, maxOutputTokens: 1000, trainingImages: 10 });

function fakePage(main: { drafts: unknown; plan: unknown }, seed: Record<string, string>) {
  const local = new Map(Object.entries(seed));
  const saved: { method: string; input: unknown }[] = [];
  const ok = (value: unknown) => Promise.resolve({ ok: true, value });
  const credits = {
    getDrafts: () => ok(main.drafts),
    getPlanLines: () => ok(main.plan),
    saveDrafts: (input: unknown) => (saved.push({ method: 'saveDrafts', input }), ok(input)),
    savePlanLines: (input: unknown) => (saved.push({ method: 'savePlanLines', input }), ok(input)),
  };
  const localStorage = { getItem: (k: string) => local.get(k) ?? null, setItem: (k: string, v: string) => void local.set(k, v), removeItem: (k: string) => void local.delete(k) };
  vi.stubGlobal('window', { credits, addEventListener: () => {} });
  vi.stubGlobal('localStorage', localStorage);
  return { saved, local };
}

beforeEach(() => vi.resetModules());
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('kept-store', () => {
  it("takes the page's old drafts and plan once when main has none, and removes them from the page", async () => {
    const page = fakePage({ drafts: null, plan: null }, { 'credits.generateDrafts': JSON.stringify({ drafts: [form('old prompt')] }), 'credits-desk.plan.v1': JSON.stringify({ lines: [{ id: 'l1', modelId: 'flux-schnell', prompt: 'old line', count: 3, perDay: 0 }], horizonDays: 30 }) });
    const kept = await import('../../renderer/src/stores/kept-store');
    await kept.loadKept();
    expect(kept.useKeptStore.getState()).toMatchObject({ ready: true, drafts: { drafts: [{ prompt: 'old prompt' }] }, plan: { lines: [{ prompt: 'old line' }] } });
    expect(page.saved.map((s) => s.method)).toEqual(['saveDrafts', 'savePlanLines']);
    expect([...page.local.keys()]).toEqual([]);
  });

  it("keeps main's when main has some (the page's old copies are not taken over them)", async () => {
    const page = fakePage({ drafts: { drafts: [form('from main')] }, plan: { lines: [], horizonDays: 7 } }, { 'credits.generateDrafts': JSON.stringify({ drafts: [form('old prompt')] }) });
    const kept = await import('../../renderer/src/stores/kept-store');
    await kept.loadKept();
    expect(kept.useKeptStore.getState()).toMatchObject({ drafts: { drafts: [{ prompt: 'from main' }] }, plan: { lines: [], horizonDays: 7 } });
    expect(page.saved).toEqual([]);
  });

  it('saves only after the load, once edits settle', async () => {
    vi.useFakeTimers();
    const page = fakePage({ drafts: { drafts: [] }, plan: null }, {});
    const kept = await import('../../renderer/src/stores/kept-store');
    kept.keepDrafts({ drafts: [form('before the load')] }); // would overwrite what main has: ignored
    expect(kept.useKeptStore.getState().drafts.drafts).toEqual([]);
    await kept.loadKept();
    kept.keepDrafts({ drafts: [form('a')] });
    kept.keepDrafts({ drafts: [form('ab')] });
    expect(page.saved).toEqual([]);
    await vi.advanceTimersByTimeAsync(kept.SAVE_DELAY_MS);
    expect(page.saved).toEqual([{ method: 'saveDrafts', input: { drafts: [form('ab')] } }]);
  });

  it('brings a plan within what main takes: lines, numbers and texts bounded', async () => {
    fakePage({ drafts: null, plan: null }, {});
    const { savedPlan } = await import('../../renderer/src/stores/kept-store');
    const lines = Array.from({ length: MAX_PLAN_LINES + 5 }, (_, i) => ({ id: `l${i}`, modelId: 'flux-schnell', prompt: 'x'.repeat(MAX_PLAN_PROMPT_CHARS + 10), count: 1e21, perDay: -3.5, params: { count: 2 } }));
    const plan = savedPlan({ lines, horizonDays: 9999 })!;
    expect(planLinesSchema.safeParse(plan).success).toBe(true);
    expect(plan.lines).toHaveLength(MAX_PLAN_LINES);
    expect(plan.lines[0]).toMatchObject({ count: MAX_PLAN_COUNT, perDay: 0, params: { count: 2 } });
    expect(plan.lines[0]!.prompt).toHaveLength(MAX_PLAN_PROMPT_CHARS);
    expect(savedPlan('not a plan')).toBeNull();
  });
});
