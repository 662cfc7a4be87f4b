// The README's word on `npm run admin -- clock`: it needs a server started with a test clock, and says how to start one with the flag server/config.ts reads.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const config = readFileSync(path.join(root, 'server/config.ts'), 'utf8');

describe('the README on the test clock', () => {
  it('names the flag the server reads for a test clock', () => {
    expect(config).toContain("'test-clock': { type: 'string' }");
    expect(config).toContain('CREDITS_TEST_CLOCK');
  });

  it('says, where it lists the admin clock, that it needs a server started with --test-clock, and how to start one (server and browser mode)', () => {
    const clockLine = readme.split('\n').find((l) => l.includes('npm run admin -- …'));
    expect(clockLine).toBeDefined();
    expect(clockLine).toContain('`clock` needs a server started with a test clock');
    expect(readme).toContain('npm run server -- --data-dir DIR --test-clock now');
    expect(readme).toContain('npm start -- --server-arg=--test-clock=now');
    expect(readme).toContain('npm run admin -- clock --data-dir DIR --advance 1d');
  });
});
