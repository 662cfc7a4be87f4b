// `npm run check:electron`: Electronegativity over main/ and the renderer page, offline; fails on any finding not explained below.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

/**
 * Findings we have looked at, with the reason each is acceptable. Matched by check id and file (not line, so edits above
 * them do not break the list). An explanation that no longer matches any finding fails the check too: remove it.
 */
export const EXPLAINED = [
  {
    id: 'PRELOAD_JS_CHECK',
    file: 'main/security.ts',
    reason:
      'The preload (main/preload.ts) runs sandboxed with context isolation and exposes, through contextBridge, one named function per IPC method of the contract and one on<Event> per event: no ipcRenderer, no generic send/invoke, no Node. Main validates every input with zod and checks the sender frame (isAllowedSender).',
  },
  {
    id: 'OPEN_EXTERNAL_JS_CHECK',
    file: 'main/index.ts',
    reason:
      'shell.openExternal is only ever called by openExternalIfAllowed (main/security.ts): http(s) only, no credentials in the URL, and the origin must be exactly the credits server or a configured https checkout origin (test/main/electron-security.test.ts).',
  },
  {
    id: 'OPEN_EXTERNAL_JS_CHECK',
    file: 'main/core/purchases.ts',
    reason:
      'The store hands a checkout URL to the openExternal it was given: in Electron that is openExternalIfAllowed (main/index.ts → main/security.ts), so only the credits server (the test provider\'s page) or a configured https checkout origin opens; browser mode passes none.',
  },
  {
    id: 'PROTOCOL_HANDLER_JS_CHECK',
    file: 'main/index.ts',
    reason:
      'The app registers itself for creditsdesk:// (setAsDefaultProtocolClient) so that a checkout can return to it. A link is only parsed by purchaseIdOfLink (main/core/purchases.ts): creditsdesk://purchase/<purchase id> makes the app read that purchase from its server again; anything else is ignored. No protocol.handle serves content for it.',
  },
  {
    id: 'CSP_GLOBAL_CHECK',
    file: 'renderer/index.html',
    reason:
      "The CSP's script-src is 'self' (no unsafe-inline, no unsafe-eval, no hosts); the evaluator notes that 'self' is weak when the origin serves JSONP or user uploads. The app's origin serves only its own bundle (file:// in app.asar; in browser mode the host, where run outputs are sent with their own image, audio, text or JSON type and nosniff, so the browser will not run them as script).",
  },
];

/** Checks that reach the network: the release list (Electron updates come through package.json and npm instead). */
const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];

function electronVersion() {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const spec = pkg.devDependencies?.electron ?? pkg.dependencies?.electron;
  const m = /(\d+\.\d+\.\d+)/.exec(spec ?? '');
  if (!m) throw new Error('no electron version in package.json');
  return m[1];
}

/** Electronegativity fetches translations at start: answer "offline" at once, so the check never touches the network. */
function loadOffline() {
  const dir = path.dirname(require.resolve('@doyensec/electronegativity/package.json'));
  const gotPath = require.resolve('got', { paths: [dir] });
  const offline = () => Promise.reject(new Error('offline by design'));
  offline.head = offline;
  require.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: offline };
  return require(path.join(dir, 'dist/runner.js'));
}

/** main/ and the renderer page, copied to a scratch folder: the tool scans one folder, and the CSP lives in the page. */
function stage() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'credits-electronegativity-'));
  cpSync(path.join(root, 'main'), path.join(dir, 'main'), { recursive: true });
  mkdirSync(path.join(dir, 'renderer'));
  cpSync(path.join(root, 'renderer/index.html'), path.join(dir, 'renderer/index.html'));
  return dir;
}

export async function checkElectron(input) {
  const run = loadOffline();
  const dir = input ? path.resolve(input) : stage();
  const log = console.log;
  console.log = () => {}; // its progress and "no translations" lines; the result is returned below
  let result;
  try {
    result = await run({ input: dir, electronVersionOverride: electronVersion(), excludeFromScan: EXCLUDED_CHECKS, isRelative: true });
  } finally {
    console.log = log;
    if (!input) rmSync(dir, { recursive: true, force: true });
  }
  const findings = result.issues.map((i) => {
    const file = String(i.file).split(path.sep).join('/');
    const explained = EXPLAINED.find((e) => e.id === i.id && e.file === file);
    return { id: i.id, file, line: i.location.line, severity: i.severity.name, confidence: i.confidence.name, manualReview: !!i.manualReview, description: i.description, reason: explained?.reason ?? null };
  });
  const stale = input ? [] : EXPLAINED.filter((e) => !findings.some((f) => f.id === e.id && f.file === e.file));
  return {
    checks: { global: result.globalChecks, atomic: result.atomicChecks },
    errors: result.errors.map((e) => ({ file: String(e.file), message: e.message, tolerable: e.tolerable })),
    findings,
    unexplained: findings.filter((f) => f.reason === null),
    stale,
  };
}

async function main() {
  const { values } = parseArgs({ options: { json: { type: 'boolean' }, input: { type: 'string' } }, strict: true });
  const r = await checkElectron(values.input);
  const ok = r.unexplained.length === 0 && r.stale.length === 0 && r.errors.filter((e) => !e.tolerable).length === 0;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ok, ...r })}\n`);
  } else {
    console.log(`Electronegativity: ${r.checks.atomic} atomic and ${r.checks.global} global checks over ${values.input ?? 'main/ and renderer/index.html'} (offline; skipped: ${EXCLUDED_CHECKS.join(', ')})`);
    for (const e of r.errors) console.log(`  ${e.tolerable ? 'warning' : 'ERROR'} parsing ${e.file}: ${e.message}`);
    for (const f of r.findings) {
      console.log(`  ${f.reason ? 'explained  ' : 'UNEXPLAINED'} ${f.id} ${f.file}:${f.line} (${f.severity}, ${f.confidence})`);
      console.log(`      ${f.reason ?? f.description}`);
    }
    for (const s of r.stale) console.log(`  STALE explanation ${s.id} ${s.file}: no such finding any more; remove it from scripts/check-electron.mjs`);
    console.log(`${r.findings.length} findings, ${r.unexplained.length} unexplained${ok ? '' : ' — FAILED'}`);
  }
  process.exit(ok ? 0 : 1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((e) => {
    console.error(e);
    process.exit(2);
  });
}
