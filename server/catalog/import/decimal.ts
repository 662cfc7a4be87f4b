// Exact decimal dollars for the price importer (decimal.js): a list's $0.15 per million tokens stays 0.15, never a binary float.
import Decimal from 'decimal.js';

/**
 * Products and sums of list prices and token counts are exact at this precision; the only inexact step is dividing by the
 * exchange rate, and it rounds up (ceiling), so a credit price computed from dollars is never low.
 */
export const Dec = Decimal.clone({ precision: 120, rounding: Decimal.ROUND_CEIL, toExpNeg: -120, toExpPos: 120 });
export type Dec = Decimal;

export class PriceListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PriceListError';
  }
}

/** A price as the list wrote it: a JSON number becomes its shortest decimal form (0.15, not 0.1499999…), a decimal text stays. */
export function dec(value: number | string, what = 'price'): Dec {
  if (typeof value === 'number' && (!Number.isFinite(value) || value < 0)) throw new PriceListError(`${what} must be a non-negative number, got ${value}`);
  if (typeof value === 'string' && !/^\d{1,15}(\.\d{1,30})?$/.test(value.trim())) throw new PriceListError(`${what} must be a decimal number such as 0.04, got "${value}"`);
  return new Dec(typeof value === 'number' ? String(value) : value.trim());
}

/** Decimal text without an exponent: 0.00000015, 2.5. */
export function decText(d: Dec): string {
  return d.toFixed();
}

/** How dollars become credits: 1 credit costs `usdPerCredit`, and every price is multiplied by `markup`. */
export interface Exchange {
  usdPerCredit: Dec;
  markup: Dec;
}

export function exchange(usdPerCredit: string, markup = '1'): Exchange {
  const rate = dec(usdPerCredit, '--usd-per-credit');
  if (rate.isZero()) throw new PriceListError('--usd-per-credit must be above 0 (e.g. 0.04: 1 credit = $0.04)');
  const m = dec(markup, '--markup');
  if (m.lessThan(1)) throw new PriceListError('--markup must be at least 1 (1.2 adds 20%); selling below the list price is not an import');
  return { usdPerCredit: rate, markup: m };
}

/** Exact credits, as a decimal, for an amount of dollars. */
export function creditsOf(usd: Dec, x: Exchange): Dec {
  return usd.times(x.markup).dividedBy(x.usdPerCredit);
}

/** Millicredits for an amount of dollars, rounded up to a whole millicredit (docs/credit-rules.md §1). */
export function mcCeil(usd: Dec, x: Exchange): number {
  const mc = creditsOf(usd, x).times(1000).toDecimalPlaces(0, Decimal.ROUND_CEIL);
  if (mc.greaterThan(Number.MAX_SAFE_INTEGER)) throw new PriceListError(`a price of $${decText(usd)} is too large to hold in millicredits`);
  return mc.toNumber();
}
