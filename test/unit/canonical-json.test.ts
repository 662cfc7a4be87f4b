// Canonical JSON: sorted keys, and bounds on depth and size so that no input can overflow the stack or run away.
import { describe, expect, it } from 'vitest';
import { stableJson, StableJsonLimitError } from '../../shared/api/canonical-json';
import { textProblem } from '../../shared/rules/text';

describe('stableJson', () => {
  it('sorts keys and drops undefined', () => {
    expect(stableJson({ b: 1, a: [1, undefined, { d: undefined, c: 'x' }] })).toBe('{"a":[1,null,{"c":"x"}],"b":1}');
  });

  it('refuses JSON deeper than its bound instead of overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => stableJson(deep)).toThrow(StableJsonLimitError);
    expect(() => stableJson([[[1]]], { maxDepth: 2 })).toThrow(/deeper than 2/);
    expect(stableJson([[1]], { maxDepth: 2 })).toBe('[[1]]');
  });

  it('refuses output longer than its bound', () => {
    expect(() => stableJson({ a: 'x'.repeat(100) }, { maxChars: 50 })).toThrow(/longer than 50/);
  });
});

describe('textProblem', () => {
  it.each([
    ['plain', null],
    ['emoji 😀 pairs are fine', null],
    ['nul \u0000', 'NUL'],
    ['lone high \ud800', 'surrogate'],
    ['lone low \udc00 here', 'surrogate'],
    ['reversed pair \udc00\ud800', 'surrogate'],
  ])('%s', (text, problem) => {
    const p = textProblem(text);
    if (problem === null) expect(p).toBeNull();
    else expect(p).toMatch(problem);
  });
});
