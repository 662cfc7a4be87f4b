// Token meters' costs: every unit a provider bills (tokens of each kind, searches, seconds, requests), tiers above an input threshold, per-block and proportional rounding (docs/credit-rules.md §4).
import { assertMc, CreditAmountError } from './money';
import { pricedUnitsOf, type TokenTier, type tokensMeterSchema } from '../catalog/schema';
import { contains, directionOf, isTokenUnit, joinOf, overlaps, specificFirst, USAGE_UNITS, type ExtraUnitKey, type UnitKey } from './usage-units';
import type { z } from 'zod';

export type TokensMeter = z.infer<typeof tokensMeterSchema>;
/** How much of each unit other than the four core token counts a run used (or, as prices, what each costs). */
export type UnitCounts = Partial<Record<ExtraUnitKey, number>>;

/** The usage of one run: `inputTokens` counts every input token, the cached, audio and image ones included (as providers report it). */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  /** of the input tokens, those read from the provider's prompt cache */
  cacheReadTokens?: number | undefined;
  /** of the input tokens, those written to the provider's prompt cache */
  cacheWriteTokens?: number | undefined;
  /** the other units the provider reported: input_audio_tokens, output_image_tokens, web_searches, … */
  units?: UnitCounts | undefined;
}

/** The prices of a run: a tier's, or the meter's own. A cache price left unset counts those tokens as input tokens. */
export interface TokenRates {
  inputMcPerBlock: number;
  outputMcPerBlock: number;
  cacheReadMcPerBlock?: number | undefined;
  cacheWriteMcPerBlock?: number | undefined;
  units?: UnitCounts | undefined;
}

function ratesOf(r: Pick<TokenTier, 'inputMcPerBlock' | 'outputMcPerBlock' | 'cacheReadMcPerBlock' | 'cacheWriteMcPerBlock' | 'units'>): TokenRates {
  return { inputMcPerBlock: r.inputMcPerBlock, outputMcPerBlock: r.outputMcPerBlock, cacheReadMcPerBlock: r.cacheReadMcPerBlock, cacheWriteMcPerBlock: r.cacheWriteMcPerBlock, units: r.units };
}

/** The prices that apply to a run with this many input tokens: the highest tier whose threshold the input exceeds, else the base. */
export function ratesFor(p: TokensMeter, inputTokens: number): TokenRates {
  let rates = ratesOf(p);
  for (const t of p.tiers ?? []) if (inputTokens > t.aboveInputTokens) rates = ratesOf(t);
  return rates;
}

/** Every set of prices a run with at most this many input tokens can be charged at. */
function reachableRates(p: TokensMeter, maxInputTokens: number): TokenRates[] {
  return [ratesOf(p), ...(p.tiers ?? []).filter((t) => maxInputTokens > t.aboveInputTokens).map(ratesOf)];
}

/** A priced unit: `mc` millicredits per `per` of it. */
interface UnitPrice {
  key: UnitKey;
  mc: number;
  per: number;
}

function pricesOf(p: TokensMeter, r: TokenRates): UnitPrice[] {
  const core: Partial<Record<UnitKey, number | undefined>> = { input_tokens: r.inputMcPerBlock, output_tokens: r.outputMcPerBlock, cache_read_tokens: r.cacheReadMcPerBlock, cache_write_tokens: r.cacheWriteMcPerBlock };
  return pricedUnitsOf(r).map((key) => (key in core ? { key, mc: core[key]!, per: p.blockTokens } : { key, mc: r.units![key as ExtraUnitKey]!, per: USAGE_UNITS[key].per }));
}

/** The usage of a unit as a run reports it; undefined where it reported none. */
function countOf(c: TokenCounts, key: UnitKey): number | undefined {
  switch (key) {
    case 'input_tokens':
      return c.inputTokens;
    case 'output_tokens':
      return c.outputTokens;
    case 'cache_read_tokens':
      return c.cacheReadTokens;
    case 'cache_write_tokens':
      return c.cacheWriteTokens;
    default:
      return c.units?.[key];
  }
}

/** Σ count × mc ÷ per over units with different `per`, rounded up once: exact, on a common denominator. */
function ratioSumCeil(terms: readonly { count: number; mc: number; per: number }[]): number {
  const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
  let den = 1n;
  for (const t of terms) den = (den / gcd(den, BigInt(t.per))) * BigInt(t.per);
  let num = 0n;
  for (const t of terms) {
    assertMc(t.count, 'count');
    assertMc(t.mc, 'price');
    num += BigInt(t.count) * BigInt(t.mc) * (den / BigInt(t.per));
  }
  const v = (num + den - 1n) / den;
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CreditAmountError('amount is too large to represent exactly', 'amount_too_large', Number.MAX_SAFE_INTEGER);
  return Number(v);
}

/** The priced unit that counts each priced unit's group: the first priced unit containing it that nothing priced contains, else itself. */
function rootsOf(keys: readonly UnitKey[]): Map<UnitKey, UnitKey> {
  const roots = keys.filter((k) => !keys.some((o) => contains(o, k)));
  return new Map(keys.map((k) => [k, roots.find((r) => r === k || contains(r, k)) ?? k]));
}

/** What a run is charged for of each priced unit (minimums applied; a priced request is one per run), before it is split into parts. */
function chargedValues(p: TokensMeter, prices: readonly UnitPrice[], c: TokenCounts): Map<UnitKey, number | undefined> {
  const values = new Map<UnitKey, number | undefined>();
  for (const { key } of prices) {
    let v = key === 'requests' ? 1 : countOf(c, key);
    const min = key in (p.unitMinimums ?? {}) ? p.unitMinimums![key as ExtraUnitKey]! : 0;
    if (v !== undefined && v > 0 && v < min) v = min;
    values.set(key, v);
  }
  return values;
}

/**
 * The joins a run left unreported although both units they join were used (a provider that says how many input tokens were cached
 * and how many were audio, but not how many cached ones were audio): each is read at both ends, none or all of what may overlap.
 */
function openJoins(prices: readonly UnitPrice[], values: Map<UnitKey, number | undefined>): { key: UnitKey; most: number }[] {
  const open: { key: UnitKey; most: number }[] = [];
  for (const a of prices) for (const b of prices) {
    const j = a.key < b.key && overlaps(a.key, b.key) ? joinOf(a.key, b.key) : undefined;
    if (!j || values.get(j) !== undefined || !values.has(j) || open.some((o) => o.key === j)) continue;
    const most = Math.min(values.get(a.key) ?? 0, values.get(b.key) ?? 0);
    if (most > 0) open.push({ key: j, most });
  }
  return open.slice(0, 4);
}

/**
 * Each priced unit's own part of the usage, genai-prices' way: a unit's count less the parts of the priced units it contains, most
 * specific first. A report that does not add up (more cached tokens than input tokens) is charged within its group's total, the
 * count of the priced unit that contains the others (the input tokens; the largest count in the group where that unit was not
 * reported): parts are taken in that order until the total is used, so what is over-reported as cached counts as input.
 */
function partsOf(prices: readonly UnitPrice[], values: Map<UnitKey, number | undefined>): Map<UnitKey, number> {
  const keys = prices.map((x) => x.key).sort(specificFirst);
  const roots = rootsOf(keys);
  const budget = new Map<UnitKey, number>();
  for (const k of keys) {
    const r = roots.get(k)!;
    const top = values.get(r);
    budget.set(r, top !== undefined ? top : Math.max(budget.get(r) ?? 0, values.get(k) ?? 0));
  }
  const parts = new Map<UnitKey, number>();
  for (const k of keys) {
    let own = values.get(k) ?? 0;
    for (const [d, v] of parts) if (contains(k, d)) own -= v;
    const r = roots.get(k)!;
    const part = Math.max(0, Math.min(own, budget.get(r)!));
    budget.set(r, budget.get(r)! - part);
    parts.set(k, part);
  }
  return parts;
}

function costOfParts(prices: readonly UnitPrice[], parts: Map<UnitKey, number>): number {
  return ratioSumCeil(prices.map((x) => ({ count: parts.get(x.key) ?? 0, mc: x.mc, per: x.per })));
}

/**
 * What a run's usage costs. Proportional: every priced unit's part at its price, one rounding up to the millicredit for the whole run;
 * a join the provider did not report is charged at the dearer of its two readings. Per block: every started block of tokens is billed
 * whole (one price for all tokens counts blocks of the total).
 */
export function tokenCostMc(p: TokensMeter, inputTokens: number, outputTokens: number, more: Omit<TokenCounts, 'inputTokens' | 'outputTokens'> = {}): number {
  if (p.rounding === 'proportional') {
    const c: TokenCounts = { ...more, inputTokens, outputTokens };
    const prices = pricesOf(p, ratesFor(p, inputTokens));
    const values = chargedValues(p, prices, c);
    const open = openJoins(prices, values);
    let most = 0;
    for (let mask = 0; mask < 1 << open.length; mask++) {
      const v = new Map(values);
      open.forEach((o, i) => v.set(o.key, mask & (1 << i) ? o.most : 0));
      most = Math.max(most, costOfParts(prices, partsOf(prices, v)));
    }
    return most;
  }
  if (p.inputMcPerBlock === p.outputMcPerBlock) {
    return Math.ceil((inputTokens + outputTokens) / p.blockTokens) * p.inputMcPerBlock;
  }
  return Math.ceil(inputTokens / p.blockTokens) * p.inputMcPerBlock + Math.ceil(outputTokens / p.blockTokens) * p.outputMcPerBlock;
}

/** The most of a unit other than tokens one run is charged for: one request, else the meter's limit (never below its minimum). */
export function unitLimitOf(p: TokensMeter, key: ExtraUnitKey): number {
  if (key === 'requests') return 1;
  return Math.max(p.unitLimits?.[key] ?? 0, p.unitMinimums?.[key] ?? 0);
}

/**
 * A reported usage held to what the run may be charged for: the input and output no more than the request allowed (`maxInputTokens`,
 * `maxOutputTokens`), no kind of input or output token more than the input or output, other units no more than the meter's limits.
 */
export function clampTokenCounts(p: TokensMeter, c: TokenCounts, maxInputTokens: number, maxOutputTokens: number): TokenCounts {
  const inputTokens = Math.min(c.inputTokens, maxInputTokens);
  const outputTokens = Math.min(c.outputTokens, maxOutputTokens);
  const units: UnitCounts = {};
  for (const [k, v] of Object.entries(c.units ?? {}) as [ExtraUnitKey, number][]) {
    const dir = directionOf(k);
    const most = isTokenUnit(k) ? (dir === 'output' ? outputTokens : inputTokens) : unitLimitOf(p, k);
    units[k] = Math.min(v, most);
  }
  const cacheReadTokens = Math.min(c.cacheReadTokens ?? 0, inputTokens);
  const cacheWriteTokens = Math.min(c.cacheWriteTokens ?? 0, inputTokens - cacheReadTokens);
  return { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, ...(Object.keys(units).length > 0 ? { units } : {}) };
}

/** a / b > c / d for prices per different quantities */
function dearer(a: UnitPrice, b: UnitPrice): boolean {
  return BigInt(a.mc) * BigInt(b.per) > BigInt(b.mc) * BigInt(a.per);
}

/**
 * The most a run with at most these token counts can cost, however its usage splits among the units the meter prices and whichever
 * tier it lands in: every input token at the dearest input price, every output token at the dearest output price, and each other
 * unit at its limit (`otherUnits: false`, for a typical run: requests only) at the dearest price of its group. Never below tokenCostMc
 * of a usage held to the same bounds (clampTokenCounts), because each group's parts never add up to more than its top unit's count.
 */
export function tokenCostBoundMc(p: TokensMeter, maxInputTokens: number, maxOutputTokens: number, opts: { otherUnits?: boolean } = {}): number {
  if (p.rounding !== 'proportional') return tokenCostMc(p, maxInputTokens, maxOutputTokens);
  let most = 0;
  for (const r of reachableRates(p, maxInputTokens)) {
    const prices = pricesOf(p, r);
    const roots = rootsOf(prices.map((x) => x.key));
    const groups = new Map<UnitKey, { cap: number; dearest: UnitPrice }>();
    for (const x of prices) {
      const root = roots.get(x.key)!;
      const dir = directionOf(x.key);
      const cap = isTokenUnit(x.key) ? (dir === 'output' ? maxOutputTokens : maxInputTokens) : opts.otherUnits === false && x.key !== 'requests' ? 0 : unitLimitOf(p, x.key as ExtraUnitKey);
      const g = groups.get(root);
      if (!g) groups.set(root, { cap, dearest: x });
      else groups.set(root, { cap: Math.max(g.cap, cap), dearest: dearer(x, g.dearest) ? x : g.dearest });
    }
    most = Math.max(most, ratioSumCeil([...groups.values()].map((g) => ({ count: g.cap, mc: g.dearest.mc, per: g.dearest.per }))));
  }
  return most;
}
