// The design lives in the repo: every "docs/…md §N" a file cites exists with that section, nothing cites the design folder outside
// the repo, and the README's layout names each top-level folder of the repository and no other.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
const textFiles = tracked.filter((f) => /\.(ts|tsx|mjs|cjs|mts|md|yml|json)$/.test(f) && !f.endsWith('package-lock.json') && existsSync(path.join(root, f)));

/** "§5.7" → the heading "## §5 …" must exist (a sub-number names an item of that section's list). */
function sectionsOf(doc: string): Set<string> {
  return new Set([...readFileSync(path.join(root, doc), 'utf8').matchAll(/^## §(\d+)\b/gm)].map((m) => m[1]!));
}

describe('the design in the repo', () => {
  it('every docs reference names a file of docs/ and a section it has', () => {
    const cited: string[] = [];
    const wrong: string[] = [];
    for (const f of textFiles) {
      const text = readFileSync(path.join(root, f), 'utf8');
      for (const m of text.matchAll(/docs\/([a-z-]+\.md)((?:,? ?§\d+(?:\.\d+)?)*)/g)) {
        const doc = `docs/${m[1]}`;
        cited.push(`${f} → ${doc}`);
        if (!existsSync(path.join(root, doc))) {
          wrong.push(`${f}: ${doc} does not exist`);
          continue;
        }
        const have = sectionsOf(doc);
        for (const s of m[2]!.matchAll(/§(\d+)/g)) if (!have.has(s[1]!)) wrong.push(`${f}: ${doc} has no §${s[1]}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(cited.length).toBeGreaterThan(20);
  });

  it('nothing points outside the repo for its design', () => {
    const outside = textFiles.filter((f) => f !== 'test/unit/docs.test.ts' && /shared\/design|CREDIT-RULES|ARCHITECTURE\.md/.test(readFileSync(path.join(root, f), 'utf8')));
    expect(outside).toEqual([]);
  });

  it("the README's layout names the repository's top-level folders, and only those", () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const layout = /## Layout\n[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const named = new Set([...layout.matchAll(/^([a-z][a-z-]*)\/ /gm)].map((m) => m[1]!));
    const folders = new Set(tracked.filter((f) => f.includes('/') && !f.startsWith('.')).map((f) => f.split('/')[0]!));
    expect([...named].sort()).toEqual([...folders].sort());
  });
});
