// Canonical JSON (sorted keys, no undefined): the exact bytes that catalog signatures, cache MACs and request hashes are computed over.

/** Deeper than this is refused: canonicalising recurses, and no document of this API nests anywhere near it. */
export const STABLE_JSON_MAX_DEPTH = 64;
/** Longer output than this is refused: a bound on the work one document can cause (the catalog is about 100 KB). */
export const STABLE_JSON_MAX_CHARS = 16 * 1024 * 1024;

/** A value too deep or too large to canonicalise: the caller answers it as bad input, never as a crash. */
export class StableJsonLimitError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'StableJsonLimitError';
  }
}

export interface StableJsonLimits {
  maxDepth?: number;
  maxChars?: number;
}

export function stableJson(value: unknown, limits: StableJsonLimits = {}): string {
  const maxDepth = limits.maxDepth ?? STABLE_JSON_MAX_DEPTH;
  const maxChars = limits.maxChars ?? STABLE_JSON_MAX_CHARS;
  let chars = 0;
  const count = (text: string): string => {
    chars += text.length;
    if (chars > maxChars) throw new StableJsonLimitError(`JSON longer than ${maxChars} characters`);
    return text;
  };
  const walk = (v: unknown, depth: number): string => {
    if (v === null || typeof v !== 'object') return count(JSON.stringify(v) ?? 'null');
    if (depth >= maxDepth) throw new StableJsonLimitError(`JSON nested deeper than ${maxDepth} levels`);
    if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? count('null') : walk(x, depth + 1))).join(',')}]`;
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${count(JSON.stringify(k))}:${walk(x, depth + 1)}`).join(',')}}`;
  };
  return walk(value, 0);
}
