// Token costs: per-block and proportional prices, prompt-cache read/write prices and tiers above an input threshold (CREDIT-RULES §4).
import { addMcRatioCeil } from './money';
import type { TokenTier, tokensMeterSchema } from '../catalog/schema';
import type { z } from 'zod';

export type TokensMeter = z.infer<typeof tokensMeterSchema>;

/** The tokens of one run: `inputTokens` counts every input token, the cached ones included (as providers report it). */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  /** of the input tokens, those read from the provider's prompt cache */
  cacheReadTokens?: number;
  /** of the input tokens, those written to the provider's prompt cache */
  cacheWriteTokens?: number;
}

/** The four prices of a run, per block of tokens: a tier's, or the meter's own. */
export interface TokenRates {
  inputMcPerBlock: number;
  outputMcPerBlock: number;
  cacheReadMcPerBlock: number;
  cacheWriteMcPerBlock: number;
}

function ratesOf(r: Pick<TokenTier, 'inputMcPerBlock' | 'outputMcPerBlock' | 'cacheReadMcPerBlock' | 'cacheWriteMcPerBlock'>): TokenRates {
  return {
    inputMcPerBlock: r.inputMcPerBlock,
    outputMcPerBlock: r.outputMcPerBlock,
    cacheReadMcPerBlock: r.cacheReadMcPerBlock ?? r.inputMcPerBlock,
    cacheWriteMcPerBlock: r.cacheWriteMcPerBlock ?? r.inputMcPerBlock,
  };
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

/** Splits the input into fresh, cache-read and cache-written tokens; what a provider over-reports as cached counts as fresh input. */
export function splitInput(c: TokenCounts): { fresh: number; cacheRead: number; cacheWrite: number } {
  const cacheRead = Math.min(c.cacheReadTokens ?? 0, c.inputTokens);
  const cacheWrite = Math.min(c.cacheWriteTokens ?? 0, c.inputTokens - cacheRead);
  return { fresh: c.inputTokens - cacheRead - cacheWrite, cacheRead, cacheWrite };
}

/**
 * What a run's tokens cost. Proportional: one rounding up to the millicredit for the whole run. Per block: every started block of
 * tokens is billed whole (one price for all tokens counts blocks of the total).
 */
export function tokenCostMc(p: TokensMeter, inputTokens: number, outputTokens: number, cache: { cacheReadTokens?: number; cacheWriteTokens?: number } = {}): number {
  if (p.rounding === 'proportional') {
    const r = ratesFor(p, inputTokens);
    const s = splitInput({ inputTokens, outputTokens, ...cache });
    return addMcRatioCeil([
      [s.fresh, r.inputMcPerBlock],
      [s.cacheRead, r.cacheReadMcPerBlock],
      [s.cacheWrite, r.cacheWriteMcPerBlock],
      [outputTokens, r.outputMcPerBlock],
    ], p.blockTokens);
  }
  if (p.inputMcPerBlock === p.outputMcPerBlock) {
    return Math.ceil((inputTokens + outputTokens) / p.blockTokens) * p.inputMcPerBlock;
  }
  return Math.ceil(inputTokens / p.blockTokens) * p.inputMcPerBlock + Math.ceil(outputTokens / p.blockTokens) * p.outputMcPerBlock;
}

/**
 * The most a run with at most these token counts can cost, however its input splits between fresh and cached tokens and whichever
 * tier it lands in: every input token at the dearest input price of every reachable tier. Never below tokenCostMc for counts within
 * the bounds, because within one tier the cost grows with every count.
 */
export function tokenCostBoundMc(p: TokensMeter, maxInputTokens: number, maxOutputTokens: number): number {
  if (p.rounding !== 'proportional') return tokenCostMc(p, maxInputTokens, maxOutputTokens);
  let most = 0;
  for (const r of reachableRates(p, maxInputTokens)) {
    const dearestInput = Math.max(r.inputMcPerBlock, r.cacheReadMcPerBlock, r.cacheWriteMcPerBlock);
    most = Math.max(most, addMcRatioCeil([
      [maxInputTokens, dearestInput],
      [maxOutputTokens, r.outputMcPerBlock],
    ], p.blockTokens));
  }
  return most;
}
