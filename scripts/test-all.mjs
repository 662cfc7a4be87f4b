// `npm test`: lint, type check, build, unit/server/main/renderer tests (vitest), end-to-end tests (Playwright); prints one summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

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

const lintOk = step('lint', npx, ['eslint', '--max-warnings', '0', '.']);
const typesOk = step('typecheck', npx, ['tsc', '-p', 'tsconfig.node.json', '--noEmit']) && step('typecheck (web)', npx, ['tsc', '-p', 'tsconfig.web.json', '--noEmit']);
const buildOk = step('build', 'npm', ['run', '--silent', 'build']);
step('unit, server, main and renderer tests', npx, ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${path.join(results, 'unit.json')}`]);
if (buildOk) step('end-to-end tests (Chromium, browser mode)', npx, ['playwright', 'test']);

let passed = 0;
let failed = 0;
let skipped = 0;
const unitFile = path.join(results, 'unit.json');
if (existsSync(unitFile)) {
  const u = JSON.parse(readFileSync(unitFile, 'utf8'));
  passed += u.numPassedTests;
  failed += u.numFailedTests;
  skipped += (u.numPendingTests ?? 0) + (u.numTodoTests ?? 0);
} else failed++;
const e2eFile = path.join(results, 'e2e-report.json');
if (existsSync(e2eFile)) {
  const e = JSON.parse(readFileSync(e2eFile, 'utf8')).stats;
  passed += e.expected + (e.flaky ?? 0);
  failed += e.unexpected;
  skipped += e.skipped;
} else if (buildOk) failed++;

console.log('\nsteps:');
for (const s of steps) console.log(`  ${s.ok ? 'ok  ' : 'FAIL'} ${s.name} (${s.seconds} s)`);
const allOk = steps.every((s) => s.ok) && failed === 0 && lintOk && typesOk;
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(allOk ? 0 : 1);
