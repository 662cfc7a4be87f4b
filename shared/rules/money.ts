// Integer millicredit arithmetic and strict parsing/formatting of decimal credit strings.

/** 1 credit = 1000 millicredits. */
export const MC_PER_CREDIT = 1000;

/**
 * The most one grant may carry: 100 million credits. With MAX_BALANCE_MC below, no account's sums come near 2^53 mc
 * (9 trillion credits): every sum of amounts an account can be asked to make stays exact.
 */
export const MAX_GRANT_MC = 100_000_000 * MC_PER_CREDIT;
/**
 * The most an account may hold across all its grants: 1 billion credits (10^12 mc), far below 2^53 / MAX_LIVE_GRANTS
 * (about 9 × 10^12 mc), so neither a balance, nor a hold, nor a price that fits in one can overflow.
 */
export const MAX_BALANCE_MC = 1_000_000_000 * MC_PER_CREDIT;

export class CreditAmountError extends Error {
  constructor(
    message: string,
    /** amount_too_large when the amount is well-formed but past a limit (`limitMc`) */
    readonly code: 'invalid_amount' | 'amount_too_large' = 'invalid_amount',
    readonly limitMc: number | null = null,
  ) {
    super(message);
    this.name = 'CreditAmountError';
  }
}

/** The error for an amount past a limit, naming the limit in credits: amountTooLarge('a grant may be', MAX_GRANT_MC). */
export function amountTooLarge(subjectAndVerb: string, limitMc: number): CreditAmountError {
  return new CreditAmountError(`${subjectAndVerb} at most ${formatCredits(limitMc)} credits`, 'amount_too_large', limitMc);
}

/** Throws unless `value` is a safe integer (optionally ≥ 0). Used at every boundary that takes millicredits. */
export function assertMc(value: unknown, what = 'amount', opts: { allowNegative?: boolean } = {}): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new CreditAmountError(`${what} must be a whole number of millicredits, got ${String(value)}`);
  }
  if (!opts.allowNegative && value < 0) {
    throw new CreditAmountError(`${what} must not be negative, got ${value}`);
  }
}

const CREDIT_STRING = /^(-)?(\d+)(?:\.(\d{1,3}))?$/;

/**
 * Parses a decimal credit string such as "9.8" or "200" into millicredits.
 * Rejects NaN, exponents, more than 3 decimals, negatives (unless allowed) and anything past a safe integer, or past
 * `maxMc` when given (then with code amount_too_large).
 */
export function parseCredits(text: string, opts: { allowNegative?: boolean; maxMc?: number; subjectAndVerb?: string } = {}): number {
  if (typeof text !== 'string') throw new CreditAmountError('credits must be given as text');
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new CreditAmountError('credits must not be empty');
  if (trimmed.length > 32) throw new CreditAmountError('credits value is too long');
  const m = CREDIT_STRING.exec(trimmed);
  if (!m) {
    if (/^-?\d+\.\d{4,}$/.test(trimmed)) {
      throw new CreditAmountError(`"${trimmed}" has more than 3 decimals; credits are counted to the thousandth`);
    }
    throw new CreditAmountError(`"${trimmed}" is not a credit amount (expected digits with up to 3 decimals, e.g. 12.5)`);
  }
  const negative = m[1] === '-';
  if (negative && !opts.allowNegative) throw new CreditAmountError(`credits must not be negative, got "${trimmed}"`);
  const whole = BigInt(m[2] ?? '0');
  const frac = BigInt((m[3] ?? '').padEnd(3, '0'));
  const mc = whole * 1000n + frac;
  if (opts.maxMc !== undefined && mc > BigInt(opts.maxMc)) throw amountTooLarge(opts.subjectAndVerb ?? 'an amount may be', opts.maxMc);
  if (mc > BigInt(Number.MAX_SAFE_INTEGER)) throw new CreditAmountError(`"${trimmed}" is too large`, 'amount_too_large', Number.MAX_SAFE_INTEGER);
  const result = Number(mc);
  return negative && result !== 0 ? -result : result;
}

/** Formats millicredits as a decimal credit string with no trailing zeros: 9800 → "9.8". */
/** one formatter for every amount: building one per call (what toLocaleString does) costs more than the rest of the work */
const GROUPED = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCredits(mc: number): string {
  assertMc(mc, 'amount', { allowNegative: true });
  const sign = mc < 0 ? '-' : '';
  const abs = Math.abs(mc);
  const whole = Math.floor(abs / MC_PER_CREDIT);
  const frac = abs % MC_PER_CREDIT;
  const wholeText = GROUPED.format(whole);
  if (frac === 0) return `${sign}${wholeText}`;
  return `${sign}${wholeText}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
}

/** "1 credit", "12.4 credits": an amount in words for messages and buttons. */
export function creditsText(mc: number): string {
  return `${formatCredits(mc)} credit${mc === MC_PER_CREDIT ? '' : 's'}`;
}

/** Whole credits to millicredits, checked. */
export function credits(n: number): number {
  const mc = n * MC_PER_CREDIT;
  assertMc(mc, 'credits', { allowNegative: true });
  return mc;
}

/** Adds millicredit amounts, refusing to leave the safe-integer range. */
export function addMc(...values: number[]): number {
  let total = 0n;
  for (const v of values) {
    assertMc(v, 'amount', { allowNegative: true });
    total += BigInt(v);
  }
  return toSafe(total);
}

/** ceil(a × b / d) for non-negative integers, computed exactly. All price computations round up (docs/credit-rules.md §1). */
export function mulDivCeil(a: number, b: number, d: number): number {
  assertMc(a, 'factor');
  assertMc(b, 'factor');
  if (!Number.isSafeInteger(d) || d <= 0) throw new CreditAmountError(`divisor must be a positive integer, got ${d}`);
  const num = BigInt(a) * BigInt(b);
  const den = BigInt(d);
  return toSafe((num + den - 1n) / den);
}

/** ceil(Π factors / d) for non-negative integers, computed exactly. */
export function productDivCeil(factors: readonly number[], d: number): number {
  if (!Number.isSafeInteger(d) || d <= 0) throw new CreditAmountError(`divisor must be a positive integer, got ${d}`);
  let num = 1n;
  for (const f of factors) {
    assertMc(f, 'factor');
    num *= BigInt(f);
  }
  const den = BigInt(d);
  return toSafe((num + den - 1n) / den);
}

/** ceil(Σ aᵢ × bᵢ / d) for non-negative integers, computed exactly: one rounding for the whole sum. */
export function addMcRatioCeil(terms: ReadonlyArray<readonly [number, number]>, d: number): number {
  if (!Number.isSafeInteger(d) || d <= 0) throw new CreditAmountError(`divisor must be a positive integer, got ${d}`);
  let num = 0n;
  for (const [a, b] of terms) {
    assertMc(a, 'factor');
    assertMc(b, 'factor');
    num += BigInt(a) * BigInt(b);
  }
  const den = BigInt(d);
  return toSafe((num + den - 1n) / den);
}

function toSafe(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new CreditAmountError('amount is too large to represent exactly', 'amount_too_large', Number.MAX_SAFE_INTEGER);
  }
  return Number(v);
}

/** Money in integer minor units with an ISO 4217 currency code. */
export interface Money {
  amountMinor: number;
  currency: string;
}

/** Formats integer minor units (2-decimal currencies) as e.g. "$1.99". */
export function formatMoney(m: Money): string {
  assertMc(m.amountMinor, 'money amount');
  const whole = Math.floor(m.amountMinor / 100);
  const cents = String(m.amountMinor % 100).padStart(2, '0');
  const symbol = m.currency === 'USD' ? '$' : m.currency === 'EUR' ? '€' : m.currency === 'GBP' ? '£' : `${m.currency} `;
  return `${symbol}${whole.toLocaleString('en-US')}.${cents}`;
}
