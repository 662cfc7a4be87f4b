// The renderer's first paint loads only what the shell and balance bar need: its static imports never reach zod (whose schemas cost ~70 ms to build at load).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const ENTRY = 'renderer/src/main.tsx';
/** packages the first paint must not load: parsing and building them delays the live balance */
const HEAVY_PACKAGES = ['zod', 'recharts', 'axios'];
const EXTENSIONS = ['.ts', '.tsx', '/index.ts', '/index.tsx'];

/** The specifiers a module imports for its value (not `import type`, not dynamic `import()`), with their kind. */
function staticImports(source: string): string[] {
  const out: string[] = [];
  const re = /^\s*(import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(re)) {
    const clause = m[0];
    // `import { type A, type B } from` brings no value: only types
    const names = /\{([^}]*)\}/.exec(clause)?.[1];
    if (names && !/\*|\bdefault\b/.test(clause.split('{')[0]!) && names.split(',').every((n) => n.trim() === '' || n.trim().startsWith('type '))) continue;
    out.push(m[2]!);
  }
  return out;
}

function resolveLocal(from: string, spec: string): string {
  const base = path.resolve(path.dirname(path.join(ROOT, from)), spec);
  for (const ext of ['', ...EXTENSIONS]) if (existsSync(base + ext) && !base.endsWith('/') && (ext !== '' || /\.[cm]?[jt]sx?$|\.css$|\.svg$/.test(base))) return path.relative(ROOT, base + ext);
  throw new Error(`${from}: cannot resolve ${spec}`);
}

/** Every module the entry loads before its first render, and the chain that brought each package. */
function firstPaintClosure(): Map<string, string[]> {
  const chains = new Map<string, string[]>([[ENTRY, [ENTRY]]]);
  const stack = [ENTRY];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (!/\.tsx?$/.test(file)) continue;
    for (const spec of staticImports(readFileSync(path.join(ROOT, file), 'utf8'))) {
      const key = spec.startsWith('.') ? resolveLocal(file, spec) : spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
      if (chains.has(key)) continue;
      chains.set(key, [...chains.get(file)!, key]);
      if (spec.startsWith('.')) stack.push(key);
    }
  }
  return chains;
}

describe("the renderer's first paint", () => {
  it('loads no heavy package through a static import', () => {
    const closure = firstPaintClosure();
    expect(closure.has('renderer/src/features/balance-bar/BalanceBar.tsx')).toBe(true); // the walk really follows the app
    expect(closure.has('react-dom')).toBe(true);
    const heavy = HEAVY_PACKAGES.filter((p) => closure.has(p)).map((p) => closure.get(p)!.join(' -> '));
    expect(heavy).toEqual([]);
  });

  it('the walk tells value imports from type-only ones', () => {
    expect(staticImports("import type { A } from './a';\nimport { type B, type C } from './b';\nimport { d } from './d';\nimport { type E, f } from './e';\nexport { g } from './g';")).toEqual(['./d', './e', './g']);
  });
});
