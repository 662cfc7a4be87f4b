// Named statements (drizzle's .prepare(name)): PostgreSQL plans each once per connection, and pg refuses a name used with two texts, so each name is given in one place only.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SERVER = path.resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('named statements', () => {
  it('each name is given once in the server, so one name never carries two texts', () => {
    const places = new Map<string, string[]>();
    for (const file of sources(SERVER)) {
      const text = readFileSync(file, 'utf8');
      // .prepare('name') on a query, or { name: 'name' } for loadGrants
      for (const m of text.matchAll(/\.prepare\('([a-z_]+)'\)|\bname: '([a-z_]+)' \}/g)) {
        const name = m[1] ?? m[2]!;
        places.set(name, [...(places.get(name) ?? []), path.relative(SERVER, file)]);
      }
    }
    expect(places.size).toBeGreaterThanOrEqual(10); // the hot paths' statements are named
    for (const [name, where] of places) expect(where, `the statement name ${name}`).toHaveLength(1);
  });
});
