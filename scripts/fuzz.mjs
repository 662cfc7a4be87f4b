// `npm run fuzz -- --requests N [--seed S] [--driver pglite|postgres] [--verbose]`: the HTTP fuzz test (server/http/fuzz.test.ts) with more requests than npm test sends.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';

const MAX_REQUESTS = 10_000_000;
const { values } = parseArgs({
  options: { requests: { type: 'string', default: '100000' }, seed: { type: 'string' }, driver: { type: 'string' }, verbose: { type: 'boolean', default: false } },
  strict: true,
});
const requests = Number(values.requests);
if (!Number.isInteger(requests) || requests < 1 || requests > MAX_REQUESTS) {
  console.error(`--requests takes a whole number from 1 to ${MAX_REQUESTS}, got ${values.requests}`);
  process.exit(2);
}
if (values.seed !== undefined && !Number.isInteger(Number(values.seed))) {
  console.error(`--seed takes a whole number, got ${values.seed}`);
  process.exit(2);
}
if (values.driver !== undefined && !['pglite', 'postgres'].includes(values.driver)) {
  console.error('--driver is pglite or postgres (postgres needs TEST_DATABASE_URL)');
  process.exit(2);
}
// without it the server tests run on PGlite only, and a postgres-only run would find no test at all
if (values.driver === 'postgres' && !process.env.TEST_DATABASE_URL) {
  console.error('--driver postgres needs TEST_DATABASE_URL, the PostgreSQL server to fuzz (a scratch database is made there and dropped), e.g.\n  TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run fuzz -- --driver postgres');
  process.exit(2);
}

const root = path.resolve(import.meta.dirname, '..');
const env = {
  ...process.env,
  FUZZ_REQUESTS: String(requests),
  ...(values.seed !== undefined ? { FUZZ_SEED: values.seed } : {}),
  ...(values.driver !== undefined ? { FUZZ_DRIVER: values.driver } : {}),
  ...(values.verbose ? { FUZZ_VERBOSE: '1' } : {}),
};
console.log(`fuzzing every route with ${requests} requests${values.seed ? ` (seed ${values.seed})` : ''}${values.driver ? ` on ${values.driver}` : ''}`);
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const r = spawnSync(npx, ['vitest', 'run', 'server/http/fuzz.test.ts'], { cwd: root, stdio: 'inherit', env });
process.exit(r.status ?? 1);
