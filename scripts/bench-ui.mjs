// Benchmark (not a test): how instant the app feels in browser mode — keystroke → estimate painted, page load → live balance, and the embedded server's memory idle and after runs — each beside its reference.
// Usage: npm run bench:ui   (builds first; `node scripts/bench-ui.mjs` alone needs `npm run build` done) [--samples N] (default 40, at least 30)
// Goals (issue "An instant app"): keystroke → estimate ≤ 16 ms (one frame) p95, page load → live balance ≤ 300 ms p95, embedded server ≤ 200 MB idle.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';

const root = path.resolve(import.meta.dirname, '..');
const hostEntry = path.join(root, 'out/web/host.cjs');
const argAt = process.argv.indexOf('--samples');
const SAMPLES = Math.max(30, argAt > 0 ? Number(process.argv[argAt + 1]) || 40 : 40);
/** after each keystroke, time for main's debounced pre-flight to answer, so keystrokes do not overlap */
const SETTLE_MS = 350;
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const candidates = [];
  try {
    candidates.push(chromium.executablePath());
  } catch {
    // no Playwright-managed browser
  }
  candidates.push('/usr/bin/chromium', '/usr/bin/chromium-browser');
  return candidates.find((p) => p && existsSync(p));
}

/** Browser mode's host on a data dir, resolved with its launch address once it prints it. */
function startHost(dataDir) {
  const child = spawn(process.execPath, [hostEntry, '--data-dir', dataDir, '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app did not start within 60 s:\n${out}`)), 60_000);
    child.stderr.on('data', (d) => (out += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/browser mode\) at (http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], pid: child.pid, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the app exited with ${code} before it was ready:\n${out}`));
    });
  });
}

/** A process's resident memory in MB, from /proc/<pid>/status (VmRSS), or null when it cannot be read. */
function rssMb(pid) {
  try {
    const kb = Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}

/** The child processes of `pid` with their command lines, from /proc (ppid is the field after the command's closing parenthesis). */
function childrenOf(pid) {
  const kids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) kids.push({ pid: Number(name), cmd: readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // gone meanwhile
    }
  }
  return kids;
}

/** Runs sent to the embedded server after the page loads, one after another, before its memory is read again ("bounded under use"). */
const RUNS_UNDER_USE = 20;
const RUN_REQUEST = { modelId: 'flux-schnell', prompt: 'a lighthouse at dusk' };

/** Sends `count` runs to the embedded server with the app's own token (browser mode keeps it in the data dir) and waits for each to end. */
async function runsOnServer(dataDir, count) {
  const { url } = JSON.parse(readFileSync(path.join(dataDir, 'server', 'server.json'), 'utf8'));
  const token = readFileSync(path.join(dataDir, 'account-token'), 'utf8').trim();
  const call = async (method, route, body) => {
    const headers = { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json', 'idempotency-key': `bench-ui-${process.pid}-${Math.random()}` } : {}) };
    const r = await globalThis.fetch(`${url}${route}`, { method, headers, body: body ? JSON.stringify(body) : undefined, signal: globalThis.AbortSignal.timeout(60_000) });
    return { status: r.status, body: await r.json().catch(() => null) };
  };
  const counts = { settled: 0, failed: 0 };
  for (let i = 0; i < count; i++) {
    const r = await call('POST', '/v1/generations', { request: RUN_REQUEST, approvedMc: 100_000 });
    if (r.status !== 201) throw new Error(`a run was refused: ${r.status} ${JSON.stringify(r.body)}`);
    for (let g = r.body; ; g = (await call('GET', `/v1/generations/${r.body.id}`)).body) {
      if (g.status === 'succeeded' || g.status === 'partial') counts.settled++;
      else if (['failed', 'canceled', 'expired'].includes(g.status)) counts.failed++;
      else {
        await new Promise((res) => setTimeout(res, 200)); // polling the run's state between reads
        continue;
      }
      break;
    }
  }
  return counts;
}

/** A page with nothing on it, served over HTTP from 127.0.0.1 as the app is: the reference for a page load. */
function startBlankServer() {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>blank</title></head><body></body></html>');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) })));
}

// In the page, before its scripts: when the balance bar shows a live number (online, digits), the next frame's time since navigation start.
const LIVE_BALANCE_PROBE = () => {
  globalThis.__benchLiveMs = new Promise((resolve) => {
    const live = () => {
      const amount = document.querySelector('[data-testid="available-credits"]');
      return amount && /\d/.test(amount.textContent ?? '') && document.querySelector('[data-connection="online"]');
    };
    const mo = new globalThis.MutationObserver(() => {
      if (!live()) return;
      mo.disconnect();
      requestAnimationFrame(() => resolve(performance.now()));
    });
    mo.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  });
};

// In the page, before its scripts: the blank page's first frame after its document is parsed, since navigation start.
const BLANK_PROBE = () => {
  globalThis.__benchLiveMs = new Promise((resolve) => document.addEventListener('DOMContentLoaded', () => requestAnimationFrame(() => resolve(performance.now()))));
};

/**
 * In the Generate page: for each input event in the form, the time from the event to the frame after the estimate's text changed
 * (a MutationObserver sees it, then requestAnimationFrame); and a bare input outside the app, timed from its input event to the next frame.
 */
function installKeystrokeProbe() {
  const b = { samples: [], reference: [], pendingAt: null };
  globalThis.__bench = b;
  const panel = document.querySelector('.gen-form .estimate');
  const text = () => document.querySelector('[data-testid="estimate-range"]')?.textContent ?? '';
  let last = text();
  document.querySelector('.gen-form').addEventListener('input', (e) => (b.pendingAt = e.timeStamp), true);
  new globalThis.MutationObserver(() => {
    const now = text();
    if (now === last) return;
    last = now;
    if (b.pendingAt === null) return;
    const t0 = b.pendingAt;
    b.pendingAt = null;
    requestAnimationFrame(() => b.samples.push(performance.now() - t0));
  }).observe(panel, { subtree: true, childList: true, characterData: true });
  const ref = document.createElement('input');
  ref.type = 'number';
  ref.value = '5';
  ref.id = 'bench-reference';
  ref.setAttribute('aria-label', 'bench reference');
  ref.style.cssText = 'position:fixed;right:0;bottom:0;width:60px';
  ref.addEventListener('input', (e) => requestAnimationFrame(() => b.reference.push(performance.now() - e.timeStamp)));
  document.body.append(ref);
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const ms = (x) => (x === undefined ? '—' : `${x.toFixed(1)} ms`);
const mb = (x) => (x === null ? '—' : `${x.toFixed(0)} MB`);

if (!existsSync(hostEntry)) {
  console.error('bench:ui needs the built app (out/web/host.cjs): run `npm run build` first, or `npm run bench:ui`, which builds.');
  process.exit(1);
}
const executablePath = chromiumPath();
if (!executablePath) {
  console.error('No Chromium found: run `node scripts/ensure-chromium.mjs` or set CHROMIUM_PATH.');
  process.exit(1);
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'credits-bench-ui-'));
const browser = await chromium.launch({ executablePath, args: ARGS });
const blank = await startBlankServer();
const app = await startHost(dataDir);
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(app.url);
  await page.getByTestId('available-credits').filter({ hasText: /\d/ }).waitFor({ timeout: 60_000 });
  await page.locator('[data-connection="online"]').waitFor({ timeout: 60_000 });

  // Idle memory: the host (main's core in plain Node, with its web server) and the embedded credits server it forked.
  await page.waitForTimeout(3_000);
  const kids = childrenOf(app.pid);
  const serverKid = kids.find((k) => /out\/server\//.test(k.cmd)) ?? kids[0];
  const memory = { hostMb: rssMb(app.pid), serverMb: serverKid ? rssMb(serverKid.pid) : null, serverCmd: serverKid?.cmd ?? 'not found' };

  // (a) keystroke → estimate: Veo 3 is priced per second, so each step of its Seconds field changes the estimate.
  await page.getByLabel('Model').selectOption('model:veo-3');
  await page.getByLabel('Prompt').fill('a storm over the sea');
  const seconds = page.getByLabel('Seconds');
  await seconds.fill('5');
  await page.getByTestId('estimate-range').filter({ hasText: '4,200' }).waitFor({ timeout: 30_000 });
  await page.waitForTimeout(SETTLE_MS);
  await page.evaluate(installKeystrokeProbe);
  let missed = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const key = i % 2 === 0 ? 'ArrowUp' : 'ArrowDown';
    await seconds.focus();
    const before = await page.evaluate(() => globalThis.__bench.samples.length);
    await page.keyboard.press(key);
    try {
      await page.waitForFunction((n) => globalThis.__bench.samples.length > n, before, { timeout: 5_000 });
    } catch {
      missed++;
    }
    await page.waitForTimeout(SETTLE_MS);
    await page.locator('#bench-reference').focus();
    const refBefore = await page.evaluate(() => globalThis.__bench.reference.length);
    await page.keyboard.press(key);
    await page.waitForFunction((n) => globalThis.__bench.reference.length > n, refBefore, { timeout: 5_000 });
    await page.waitForTimeout(50);
  }
  const keys = await page.evaluate(() => ({ samples: globalThis.__bench.samples, reference: globalThis.__bench.reference }));
  await page.close();

  // (b) page load → live balance, each load in a fresh page, beside a blank page's load in the same browser.
  const loads = { app: [], blank: [] };
  for (let i = 0; i < SAMPLES; i++) {
    for (const [name, url, probe] of [
      ['app', app.url, LIVE_BALANCE_PROBE],
      ['blank', blank.url, BLANK_PROBE],
    ]) {
      const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await p.addInitScript(probe);
      await p.goto(url);
      loads[name].push(await p.evaluate(() => globalThis.__benchLiveMs));
      await p.close();
    }
  }

  // (c) the server under use: runs through its API with the app's own token, then its memory again
  const used = await runsOnServer(dataDir, RUNS_UNDER_USE);
  const usedMb = serverKid ? rssMb(serverKid.pid) : null;

  const rows = [
    ['keystroke → estimate painted', keys.samples, '≤ 16 ms'],
    ['  reference: input → next frame (bare rAF)', keys.reference, ''],
    ['page load → live balance shown', loads.app, '≤ 300 ms'],
    ['  reference: blank page load → first frame', loads.blank, ''],
  ];
  const w = Math.max(...rows.map((r) => r[0].length)) + 2;
  console.log(`bench:ui — browser mode in Chromium (${path.basename(executablePath)}), ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(2)}`);
  console.log(`${'measure'.padEnd(w)}${'n'.padStart(4)}${'p50'.padStart(11)}${'p95'.padStart(11)}   goal (p95)`);
  for (const [label, values, goal] of rows) console.log(`${label.padEnd(w)}${String(values.length).padStart(4)}${ms(percentile(values, 50)).padStart(11)}${ms(percentile(values, 95)).padStart(11)}   ${goal}`);
  if (missed > 0) console.log(`(${missed} keystrokes changed no estimate within 5 s and are not counted)`);
  console.log('');
  console.log(`${'idle RSS after start (VmRSS)'.padEnd(w)}${'MB'.padStart(8)}   goal`);
  console.log(`${'embedded credits server'.padEnd(w)}${mb(memory.serverMb).padStart(8)}   ≤ 200 MB   (pid ${serverKid?.pid ?? '?'}: ${memory.serverCmd.replace(root + '/', '')})`);
  console.log(`${`embedded credits server after ${used.settled} runs (${used.failed} failed)`.padEnd(w)}${mb(usedMb).padStart(8)}   bounded`);
  console.log(`${"main's core (browser-mode host)".padEnd(w)}${mb(memory.hostMb).padStart(8)}`);
} finally {
  await app.stop();
  await blank.close();
  await browser.close();
  rmSync(dataDir, { recursive: true, force: true });
}
