// cutText: a prefix within the limit that never ends on half of a character, for any well-formed text and limit (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutText, LEDGER_TEXT_MAX_CHARS, textProblem } from '../../shared/rules/text';

describe('cutText', () => {
  it('keeps a well-formed prefix of at most the limit, one unit short only where a pair would be split', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }).filter((t) => textProblem(t) === null), fc.integer({ min: 1, max: 320 }), (text, max) => {
        const cut = cutText(text, max);
        expect(text.startsWith(cut)).toBe(true);
        expect(cut.length).toBeLessThanOrEqual(max);
        if (text.length <= max) expect(cut).toBe(text);
        else expect(cut.length).toBeGreaterThanOrEqual(max - 1);
        expect(textProblem(cut)).toBeNull();
      }),
      { numRuns: 2_000 },
    );
  });
  it('cuts before an emoji across the ledger limit', () => {
    expect(cutText(`${'a'.repeat(LEDGER_TEXT_MAX_CHARS - 1)}😀b`)).toBe('a'.repeat(LEDGER_TEXT_MAX_CHARS - 1));
    expect(cutText(`${'a'.repeat(LEDGER_TEXT_MAX_CHARS - 2)}😀b`)).toBe(`${'a'.repeat(LEDGER_TEXT_MAX_CHARS - 2)}😀`);
  });
});
