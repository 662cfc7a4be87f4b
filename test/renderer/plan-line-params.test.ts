// A Plan line takes the numbers the Generate form takes for its model (images, seconds, output tokens), in the same ranges, and the planner prices them.
import { describe, expect, it } from 'vitest';
import { defaultCatalog, findPlan } from '../../shared/catalog/index';
import { planCosts } from '../../shared/rules/planner';
import { lineNumbers, toInput, type EditLine } from '../../renderer/src/features/plan/plan-lines';

const starter = findPlan(defaultCatalog, 'starter')!;
const line = (id: string, modelId: string, params?: EditLine['params']): EditLine => ({ id, modelId, prompt: 'x', count: 1, perDay: 0, ...(params ? { params } : {}) });

describe('a plan line’s numbers', () => {
  it('are the Generate form’s fields for the model, shown as typed, with their range and what is wrong', () => {
    expect(lineNumbers(line('a', 'veo-3'), defaultCatalog, starter).map((n) => [n.spec.label, n.text, n.hint, n.problem])).toEqual([['Seconds', '5', '1 to 10', null]]);
    expect(lineNumbers(line('a', 'flux-schnell', { count: 3 }), defaultCatalog, starter).map((n) => [n.spec.label, n.text, n.hint, n.problem])).toEqual([['Images', '3', '1 to 4 on your plan', null]]);
    expect(lineNumbers(line('a', 'gpt-4o'), defaultCatalog, starter).map((n) => [n.spec.label, n.text])).toEqual([['Maximum output tokens', '1000']]);
    expect(lineNumbers(line('a', 'veo-3'), defaultCatalog, starter, { seconds: '' })[0]!.problem).toBe('Enter a number between 1 and 10');
    expect(lineNumbers(line('a', 'flux-schnell'), defaultCatalog, starter, { count: '8' })[0]!.problem).toBe('Must be between 1 and 4 on your plan');
  });

  it('go into each line’s request, the model’s defaults where none was set; a line with a number out of range is left out', () => {
    const plan = { horizonDays: 30, lines: [line('v', 'veo-3', { seconds: 8 }), line('f', 'flux-schnell', { count: 4 }), line('t', 'gpt-4o', { maxOutputTokens: 6000 }), line('d', 'veo-3'), line('bad', 'veo-3')] };
    const input = toInput(plan, defaultCatalog, starter, { bad: { seconds: '11' } });
    expect(input.lines.map((l) => [l.id, l.request])).toEqual([
      ['v', { modelId: 'veo-3', prompt: 'x', seconds: 8 }],
      ['f', { modelId: 'flux-schnell', prompt: 'x', count: 4 }],
      ['t', { modelId: 'gpt-4o', prompt: 'x', maxOutputTokens: 6000 }],
      ['d', { modelId: 'veo-3', prompt: 'x', seconds: 5 }],
    ]);
    // without the catalog (not synced yet) the lines go as they did: model and prompt
    expect(toInput(plan).lines[0]!.request).toEqual({ modelId: 'veo-3', prompt: 'x' });
  });

  it('are priced by the planner: 8 seconds cost 8 seconds, 4 images 4 images', () => {
    const input = toInput({ horizonDays: 30, lines: [line('v', 'veo-3', { seconds: 8 }), line('v5', 'veo-3'), line('f', 'flux-schnell', { count: 4 })] }, defaultCatalog, starter);
    const r = planCosts({ catalog: defaultCatalog, planId: 'starter', grants: [], nowMs: Date.parse('2026-12-08T10:00:00Z'), horizonDays: 30, lines: input.lines.map((l) => ({ id: l.id, request: l.request, count: l.count })) });
    expect(r.lines.map((l) => [l.id, l.unitMaxMc])).toEqual([
      ['v', 8 * 840_000],
      ['v5', 5 * 840_000],
      ['f', 4 * 1000],
    ]);
  });
});
