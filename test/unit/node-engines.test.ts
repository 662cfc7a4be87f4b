// The Node versions package.json and the README state stay true: the Node running the tests satisfies `engines`, and every
// locked package that asks for a newer Node than the one we test on is named in the README (they print EBADENGINE on npm ci).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
// npm's own range rules (semver ships with the tooling; it has no type declarations here)
const semver = createRequire(path.join(root, 'package.json'))('semver') as { satisfies(v: string, range: string): boolean; validRange(range: string): string | null };
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

describe('Node versions', () => {
  it('the Node the tests run on satisfies engines, which admits Node 20.19+ and 22.12+', () => {
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
    expect(semver.satisfies('20.20.0', pkg.engines.node)).toBe(true);
    expect(semver.satisfies('22.12.0', pkg.engines.node)).toBe(true);
    expect(semver.satisfies('21.7.0', pkg.engines.node)).toBe(false);
    expect(readme).toContain('Node 20.20');
    expect(readme).toContain('need Node 22.12+');
  });

  it('names in the README every locked package that refuses Node 20.20', () => {
    const refusing = new Set<string>();
    for (const [key, v] of Object.entries(lock.packages)) {
      const range = !v.engines || Array.isArray(v.engines) ? undefined : v.engines.node;
      if (!key || !range || !semver.validRange(range)) continue;
      if (!semver.satisfies('20.20.0', range)) refusing.add(key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length));
    }
    expect(refusing.size).toBeGreaterThan(0);
    for (const name of refusing) expect(readme, `${name} wants a newer Node: say so in the README`).toContain(`\`${name}\``);
  });
});
