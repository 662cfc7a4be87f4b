// Small server helpers: random ids and tokens, hashing, unique-violation detection, row→view mapping.
import { createHash, randomBytes } from 'node:crypto';

export const newId = (prefix: string): string => `${prefix}_${randomBytes(12).toString('base64url')}`;
export const newToken = (): string => `cdk_${randomBytes(32).toString('base64url')}`;
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** True for a PostgreSQL unique violation, through drizzle's wrapping, on either driver. */
export function isUniqueViolation(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    if (typeof cur === 'object' && (cur as { code?: unknown }).code === '23505') return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/** Stable JSON (sorted keys) so that equal requests hash equally. */
export { stableJson } from '../shared/api/canonical-json';
