// The spend-limit rules: each window's bounds, a cached state read after its window ended, which limit binds, and the refusal's words.
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../shared/catalog/index';
import { bindingLimit, runScopeOf, spendLimitRefusal, spendWindowOf, stateAt, type SpendLimitState } from '../../shared/rules/spend-limits';

const at = (iso: string) => Date.parse(iso);
const state = (over: Partial<SpendLimitState>): SpendLimitState => ({ window: 'day', scope: { kind: 'all' }, limitMc: 10_000, setBy: 'user', spentMc: 0, heldMc: 0, windowStartMs: at('2026-11-25T00:00:00Z'), resetsAtMs: at('2026-11-26T00:00:00Z'), ...over });

describe('spend windows', () => {
  it('the UTC day, the week from Monday 00:00 UTC, the calendar month UTC', () => {
    const now = at('2026-12-06T23:59:59Z'); // a Sunday
    expect(spendWindowOf('day', now)).toEqual({ startMs: at('2026-12-06T00:00:00Z'), endMs: at('2026-12-07T00:00:00Z') });
    expect(spendWindowOf('week', now)).toEqual({ startMs: at('2026-11-30T00:00:00Z'), endMs: at('2026-12-07T00:00:00Z') });
    expect(spendWindowOf('week', at('2026-12-07T00:00:00Z')).startMs).toBe(at('2026-12-07T00:00:00Z'));
    expect(spendWindowOf('month', at('2026-12-31T12:00:00Z'))).toEqual({ startMs: at('2026-12-01T00:00:00Z'), endMs: at('2027-01-01T00:00:00Z') });
    expect(spendWindowOf('month', at('2028-02-29T12:00:00Z')).endMs).toBe(at('2028-03-01T00:00:00Z'));
  });
  it('a cached state read after its window ended starts the new window from nothing', () => {
    const s = state({ spentMc: 9_000, heldMc: 500 });
    expect(stateAt(s, at('2026-11-25T23:00:00Z'))).toBe(s);
    expect(stateAt(s, at('2026-11-26T00:00:00Z'))).toMatchObject({ spentMc: 0, heldMc: 0, windowStartMs: at('2026-11-26T00:00:00Z'), resetsAtMs: at('2026-11-27T00:00:00Z') });
  });
});

describe('the limit that binds', () => {
  const image = runScopeOf(defaultCatalog, 'flux-schnell', null);
  it('is none while the run fits, the one with the least left among those it passes, and only limits that cover the run', () => {
    const now = at('2026-11-25T12:00:00Z');
    const day = state({ spentMc: 6_000 });
    const week = state({ window: 'week', limitMc: 50_000, spentMc: 48_500, resetsAtMs: at('2026-11-30T00:00:00Z') });
    const video = state({ scope: { kind: 'modality', modality: 'video' }, limitMc: 1 });
    expect(bindingLimit([day, week, video], image, 1_500, now)).toBeNull();
    expect(bindingLimit([day, week, video], image, 4_500, now)).toBe(week); // passes both: the week has 1.5 left, the day 4
    expect(bindingLimit([day, week, video], image, 4_001, now)).toBe(week);
    expect(bindingLimit([day, state({ scope: { kind: 'model', modelId: 'flux-schnell' }, limitMc: 500 })], image, 1_000, now)?.limitMc).toBe(500);
    expect(bindingLimit([video], runScopeOf(defaultCatalog, null, 'storyboard-4-panel'), 1_000, now)).toBeNull();
    expect(bindingLimit([day], image, 0, now)).toBeNull(); // a run free on the plan spends nothing
    expect(bindingLimit([state({ spentMc: 9_999 })], image, 1, at('2026-11-26T00:00:01Z'))).toBeNull(); // the day reset
  });
  it('a refusal names the limit, the spent and held credits, and when it resets', () => {
    const r = spendLimitRefusal(state({ window: 'month', scope: { kind: 'model', modelId: 'flux-schnell' }, setBy: 'operator', spentMc: 9_000, heldMc: 800, resetsAtMs: at('2026-12-01T00:00:00Z') }), 1_000, (id) => defaultCatalog.models.find((m) => m.id === id)?.name);
    expect(r.message).toBe("this run could cost up to 1 credit, more than the 0.2 credits left of your operator's monthly spend limit for FLUX.1 Schnell of 10 credits (9 credits spent and 0.8 credits held); it resets 2026-12-01 00:00 UTC");
    expect(r.details).toMatchObject({ leftMc: 200, neededMc: 1_000, resetsAtMs: at('2026-12-01T00:00:00Z') });
  });
});
