// Benchmark (not a test): the history view with 100,000 entries (48,000 runs and 4,000 grants, one row each) in Chromium, printing the
// time to open it and the longest task while scrolling.
// Usage: npm run build && npm run bench   (targets: both under 100 ms)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';

const root = path.resolve(import.meta.dirname, '..');
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 100_000);
const SCROLL_STEPS = 120;
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function startHost(dataDir) {
  const child = spawn(process.execPath, [path.join(root, 'out/web/host.cjs'), '--data-dir', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('app did not start')), 60_000);
    child.stdout.on('data', (d) => {
      const m = String(d).match(/(http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/);
      if (m) {
        clearTimeout(t);
        resolve({ url: m[1], stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) });
      }
    });
  });
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'credits-bench-'));
const browser = await chromium.launch({ executablePath, args: ARGS });
try {
  let app = await startHost(dataDir);
  let page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(app.url);
  await page.getByTestId('available-credits').filter({ hasText: '60' }).waitFor({ timeout: 60_000 });
  await page.close();
  await app.stop();
  const seed = spawnSync(process.execPath, [path.join(root, 'out/server/seed-history.cjs'), '--data-dir', path.join(dataDir, 'server'), '--entries', String(ENTRIES)], { encoding: 'utf8' });
  if (seed.status !== 0) throw new Error(seed.stderr);

  app = await startHost(dataDir);
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const syncStart = Date.now();
  await page.goto(app.url);
  await page.getByRole('link', { name: 'History' }).click();
  // one row per run: the seed's runs and grants are counted, not its entries
  await page.getByTestId('history-count').filter({ hasText: /^\d{1,3},\d{3} runs and [\d,]+ other entries$/ }).waitFor({ timeout: 180_000 });
  const syncMs = Date.now() - syncStart;

  // Opening the view with the history already held by main: click → first row painted.
  await page.getByRole('link', { name: 'Generate' }).click();
  const opens = [];
  for (let i = 0; i < 5; i++) {
    await page.getByRole('link', { name: 'Generate' }).click();
    await page.getByRole('heading', { name: 'Generate' }).waitFor();
    const ms = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const t0 = performance.now();
          const link = [...document.querySelectorAll('a')].find((a) => a.textContent === 'History');
          const done = () => {
            const row = document.querySelector('[aria-label="History entries"] .row-button');
            if (row) requestAnimationFrame(() => resolve(performance.now() - t0));
            else requestAnimationFrame(done);
          };
          link.click();
          requestAnimationFrame(done);
        }),
    );
    opens.push(ms);
  }

  // Scrolling: long tasks (> 50 ms, from the Long Tasks API) and the longest frame, while scrolling through the list.
  const scroll = await page.evaluate(async (steps) => {
    const longTasks = [];
    const obs = new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
    obs.observe({ type: 'longtask', buffered: false });
    const el = document.querySelector('[aria-label="History entries"]');
    let last = performance.now();
    let longestFrame = 0;
    for (let i = 0; i < steps; i++) {
      el.scrollTop = (el.scrollHeight * i) / steps + (i % 7) * 37;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      longestFrame = Math.max(longestFrame, now - last);
      last = now;
    }
    await new Promise((r) => setTimeout(r, 300));
    obs.disconnect();
    return { longestTaskMs: longTasks.length ? Math.max(...longTasks) : 0, longTasks: longTasks.length, longestFrameMs: longestFrame };
  }, SCROLL_STEPS);
  await app.stop();

  const med = [...opens].sort((a, b) => a - b)[Math.floor(opens.length / 2)];
  console.log(`history entries:                 ${ENTRIES.toLocaleString('en-US')}`);
  console.log(`first sync from the server:      ${syncMs} ms`);
  console.log(`open history view (median of 5): ${med.toFixed(1)} ms   (all: ${opens.map((x) => x.toFixed(1)).join(', ')})   target < 100 ms`);
  console.log(`longest task while scrolling:    ${scroll.longestTaskMs ? `${scroll.longestTaskMs.toFixed(1)} ms` : 'none over 50 ms'} (${scroll.longTasks} long tasks in ${SCROLL_STEPS} jumps)   target < 100 ms`);
  console.log(`longest frame while scrolling:   ${scroll.longestFrameMs.toFixed(1)} ms`);
} finally {
  await browser.close();
}
