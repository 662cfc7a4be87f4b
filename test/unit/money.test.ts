// Tests of millicredit parsing, formatting and exact arithmetic.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addMc, CreditAmountError, creditsText, formatCredits, mulDivCeil, parseCredits, productDivCeil, addMcRatioCeil, formatMoney } from '../../shared/rules/money';

describe('parseCredits', () => {
  it('parses whole and decimal credits into millicredits', () => {
    expect(parseCredits('200')).toBe(200_000);
    expect(parseCredits('9.8')).toBe(9_800);
    expect(parseCredits('0.001')).toBe(1);
    expect(parseCredits(' 12.50 ')).toBe(12_500);
    expect(parseCredits('-3.5', { allowNegative: true })).toBe(-3_500);
  });

  it.each([
    ['NaN', /not a credit amount/],
    ['', /empty/],
    ['1e3', /not a credit amount/],
    ['1.2345', /more than 3 decimals/],
    ['-1', /negative/],
    ['9007199254740.992', /too large/],
    ['12,5', /not a credit amount/],
    ['Infinity', /not a credit amount/],
    ['0x10', /not a credit amount/],
    ['1'.repeat(40), /too long/],
  ])('rejects %j with a clear error', (text, message) => {
    expect(() => parseCredits(text)).toThrow(CreditAmountError);
    expect(() => parseCredits(text)).toThrow(message);
  });

  it('round-trips any safe amount through formatCredits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (mc) => {
        expect(parseCredits(formatCredits(mc).replace(/,/g, ''))).toBe(mc);
      }),
    );
  });
});

describe('formatting', () => {
  it('prints credits without trailing zeros and with grouping', () => {
    expect(formatCredits(9_800)).toBe('9.8');
    expect(formatCredits(1_234_500)).toBe('1,234.5');
    expect(formatCredits(-1)).toBe('-0.001');
    expect(formatCredits(0)).toBe('0');
  });
  it('says amounts in words with the right plural', () => {
    expect(creditsText(1_000)).toBe('1 credit');
    expect(creditsText(12_400)).toBe('12.4 credits');
    expect(creditsText(0)).toBe('0 credits');
  });
  it('prints money from minor units', () => {
    expect(formatMoney({ amountMinor: 199, currency: 'USD' })).toBe('$1.99');
    expect(formatMoney({ amountMinor: 100_000, currency: 'USD' })).toBe('$1,000.00');
  });
  it('refuses fractional millicredits', () => {
    expect(() => formatCredits(1.5)).toThrow(CreditAmountError);
  });
});

describe('exact arithmetic', () => {
  it('rounds every fractional result up to the next millicredit', () => {
    expect(mulDivCeil(11_000, 12_000, 5_000)).toBe(26_400);
    expect(mulDivCeil(1, 1, 3)).toBe(1);
    expect(productDivCeil([9_800, 1000, 8_000], 1_000_000)).toBe(78_400);
    expect(addMcRatioCeil([[1, 1], [1, 1]], 3)).toBe(1);
  });
  it('refuses to leave the safe integer range', () => {
    expect(() => addMc(Number.MAX_SAFE_INTEGER, 1)).toThrow(/too large/);
    expect(() => mulDivCeil(Number.MAX_SAFE_INTEGER, 2, 1)).toThrow(/too large/);
    expect(() => addMc(0.5)).toThrow(CreditAmountError);
  });
  it('agrees with BigInt ceiling division for any inputs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 1e6 }), (a, b, d) => {
        const exact = (BigInt(a) * BigInt(b) + BigInt(d) - 1n) / BigInt(d);
        expect(mulDivCeil(a, b, d)).toBe(Number(exact));
      }),
    );
  });
});
