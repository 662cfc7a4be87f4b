// Strings that arrive from outside: refused when PostgreSQL cannot store them (NUL) or they are not well-formed Unicode (a lone surrogate).
import { z } from 'zod';

/** A high surrogate not followed by a low one, or a low one not preceded by a high one: not a character, and not storable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const NUL_MESSAGE = 'must not contain NUL characters';
export const ILL_FORMED_MESSAGE = 'must be well-formed Unicode (it holds a lone surrogate)';

/** Why a string cannot be stored as text, or null if it can. */
export function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return NUL_MESSAGE;
  if (LONE_SURROGATE.test(text)) return ILL_FORMED_MESSAGE;
  return null;
}

/** A string schema that refuses NUL characters and lone surrogates: every string a request carries is one of these. */
export function safeString() {
  return z.string().refine((s) => !s.includes('\u0000'), NUL_MESSAGE).refine((s) => !LONE_SURROGATE.test(s), ILL_FORMED_MESSAGE);
}

/** How much of a prompt or label a ledger entry keeps (the run keeps the whole). */
export const LEDGER_TEXT_MAX_CHARS = 200;

/**
 * The first `maxUnits` UTF-16 units of `text`, never ending on half of a character: a cut through a surrogate pair would leave a
 * lone surrogate, which PostgreSQL refuses in text and JSON.
 */
export function cutText(text: string, maxUnits: number = LEDGER_TEXT_MAX_CHARS): string {
  if (text.length <= maxUnits) return text;
  const code = text.charCodeAt(maxUnits - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? maxUnits - 1 : maxUnits);
}
