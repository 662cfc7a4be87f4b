// The Generate form's drafts: one per model, newest first, bounded, and anything malformed in storage read as none.
import { describe, expect, it } from 'vitest';
import { DEFAULT_FORM, draftFor, formForTarget, MAX_DRAFTS, parseDrafts, withDraft } from '../../renderer/src/features/generate/drafts';
import type { FormState } from '../../renderer/src/features/generate/model-options';

const form = (target: string, prompt: string): FormState => ({ target, prompt, count: 1, resolutionId: '', modeId: '', seconds: 5, maxOutputTokens: 1000, trainingImages: 10 });

describe('generate drafts', () => {
  it('keeps one draft per model, the last edited first', () => {
    let d = parseDrafts(null);
    d = withDraft(d, form('model:a', 'first'));
    d = withDraft(d, form('model:b', 'second'));
    d = withDraft(d, form('model:a', 'first, edited'));
    expect(d.drafts.map((x) => x.target)).toEqual(['model:a', 'model:b']);
    expect(draftFor(d)?.prompt).toBe('first, edited');
    expect(draftFor(d, 'model:b')?.prompt).toBe('second');
    expect(draftFor(d, 'model:c')).toBeNull();
    expect(parseDrafts(JSON.stringify(d))).toEqual(d);
  });

  it('is bounded, and reads malformed storage as no drafts', () => {
    let d = parseDrafts(null);
    for (let i = 0; i < MAX_DRAFTS + 10; i++) d = withDraft(d, form(`model:m${i}`, `p${i}`));
    expect(d.drafts).toHaveLength(MAX_DRAFTS);
    expect(draftFor(d)?.prompt).toBe(`p${MAX_DRAFTS + 9}`);
    expect(parseDrafts('{not json')).toEqual({ drafts: [] });
    expect(parseDrafts(JSON.stringify({ drafts: [{ target: 'model:a', prompt: 5 }] }))).toEqual({ drafts: [] });
    expect(withDraft(d, { ...form('model:x', 'x'), count: 0 })).toBe(d); // an impossible form is not saved
  });
});

describe('switching models', () => {
  const defaults = { count: 1, resolutionId: '', modeId: 'standard', seconds: 5, maxOutputTokens: 1000, trainingImages: 10, customModelId: '' };
  it('starts a model without a draft empty, with its defaults, and brings a model with one back as it was left', () => {
    let d = parseDrafts(null);
    d = withDraft(d, { ...form('model:flux-schnell', 'a cat [fail]'), count: 2 });
    const gpt = formForTarget(d, 'model:gpt-4o', defaults);
    expect(gpt).toEqual({ target: 'model:gpt-4o', prompt: '', ...defaults });
    d = withDraft(d, { ...gpt, prompt: 'a haiku' });
    expect(formForTarget(d, 'model:flux-schnell', defaults)).toEqual({ ...form('model:flux-schnell', 'a cat [fail]'), count: 2 });
    expect(formForTarget(d, 'model:gpt-4o', defaults).prompt).toBe('a haiku');
    expect(formForTarget(d, 'workflow:w1', {})).toEqual({ ...DEFAULT_FORM, target: 'workflow:w1' });
  });
});
