// `npm test`: lint, type check, build, unit/server/main/renderer tests (vitest), a Chromium if there is none, end-to-end tests (Playwright); prints one summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { E2E_STEP, summarize, VITEST_STEP } from './test-summary.mjs';

const root = path.resolve(import.meta.dirname, '..');
const results = path.join(root, 'test-results');
rmSync(path.join(results, 'unit.json'), { force: true });
rmSync(path.join(results, 'e2e-report.json'), { force: true });
mkdirSync(results, { recursive: true });

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const steps = [];
function step(name, cmd, args) {
  const started = Date.now();
  console.log(`\n▶ ${name}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  const ok = r.status === 0;
  steps.push({ name, ok, seconds: Math.round((Date.now() - started) / 1000) });
  return ok;
}

if (!process.env.TEST_DATABASE_URL) {
  console.log('TEST_DATABASE_URL is not set: server tests run on PGlite only (set it to a PostgreSQL URL to run them there too).');
}

step('lint', npx, ['eslint', '--max-warnings', '0', '.']);
step('typecheck', npx, ['tsc', '-p', 'tsconfig.node.json', '--noEmit']);
step('typecheck (web)', npx, ['tsc', '-p', 'tsconfig.web.json', '--noEmit']);
const buildOk = step('build', 'npm', ['run', '--silent', 'build']);
step(VITEST_STEP, npx, ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${path.join(results, 'unit.json')}`]);
// a Chromium for the end-to-end tests, got as CI gets it when there is none (scripts/ensure-chromium.mjs)
const browserOk = buildOk && step('Chromium for the end-to-end tests', process.execPath, [path.join(root, 'scripts/ensure-chromium.mjs')]);
if (browserOk) step(E2E_STEP, npx, ['playwright', 'test']);

/** Counts of one runner's report; a missing or unreadable report is one failure. */
function readCounts(file, pick) {
  if (!existsSync(file)) return null;
  try {
    return pick(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return null;
  }
}
const unit = readCounts(path.join(results, 'unit.json'), (u) => ({ passed: u.numPassedTests, failed: u.numFailedTests, skipped: (u.numPendingTests ?? 0) + (u.numTodoTests ?? 0) }));
const e2e = browserOk ? readCounts(path.join(results, 'e2e-report.json'), (r) => ({ passed: r.stats.expected + (r.stats.flaky ?? 0), failed: r.stats.unexpected, skipped: r.stats.skipped })) : null;

const { passed, failed, skipped } = summarize(steps, { [VITEST_STEP]: unit, [E2E_STEP]: e2e });

console.log('\nsteps:');
for (const s of steps) console.log(`  ${s.ok ? 'ok  ' : 'FAIL'} ${s.name} (${s.seconds} s)`);
const allOk = steps.every((s) => s.ok) && failed === 0;
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(allOk ? 0 : 1);
