// End to end in Chromium: the rough edges of a new user's walk — refusals follow the live wallet, one click starts one run, a hung server.
import { expect, test, type Page } from '@playwright/test';
import path from 'node:path';
import { adminCli, screenshotPath, startApp, startServer, tempDir, type Proc } from './app-process';

test.describe.configure({ mode: 'serial' });

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

const balance = (page: Page) => page.getByRole('region', { name: 'Balance' }).getByTestId('available-credits');

/** Resolves once the server has sent `n` heartbeats on a stream of this account's own: the server's time passing, as the app's stream sees it. */
async function heartbeats(serverUrl: string, token: string, n: number): Promise<void> {
  const ctrl = new AbortController();
  const res = await fetch(`${serverUrl}/v1/wallet/events`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: ctrl.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while ((text.match(/^: ping$/gm)?.length ?? 0) < n) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended after ${text.length} characters`);
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    ctrl.abort();
  }
}

test('after a top-up the insufficient-credits refusal goes away and Generate is enabled, without pressing refresh', async ({ page }) => {
  const dataDir = tempDir('flow-topup');
  const app = await startApp(dataDir);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  await expect(page.getByRole('region', { name: 'Balance' }).getByTestId('plan-name')).toHaveText('Free plan'); // the user's plan, named where the balance is
  await page.getByLabel('Model').selectOption({ label: 'Veo 3 — 840 / second (2 a day on Free)' });
  await page.getByLabel('Prompt').fill('a storm over the sea');
  await expect(page.getByRole('alert')).toContainText(/can cost up to 4,200 credits; you have 60 credits available/);
  const button = page.getByRole('button', { name: /Generate, up to 4,200 credits/ });
  await expect(button).toBeDisabled();

  adminCli(['grant', '--data-dir', path.join(dataDir, 'server'), '--account', 'local', '--credits', '5000', '--note', 'Top-up']);
  await expect(balance(page)).toHaveText('5,060', { timeout: 5_000 });
  await expect(page.getByRole('alert')).toHaveCount(0, { timeout: 5_000 });
  await expect(button).toBeEnabled();
});

test('two clicks on Generate within 120 ms start exactly one run; main refuses a second identical start', async ({ page }) => {
  const app = await startApp(tempDir('flow-double'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  await page.getByLabel('Prompt').fill('one click, one run');
  const button = page.getByRole('button', { name: 'Generate, up to 1 credit' });
  await expect(button).toBeEnabled();
  // every start the page sends to main, kept so that the test can wait for main's answers
  await page.evaluate(() => {
    const w = globalThis as unknown as { credits: Record<string, unknown> & { startGeneration(i: unknown): Promise<unknown> }; startsSent: Promise<unknown>[] };
    const bridge = w.credits;
    w.startsSent = [];
    w.credits = {
      ...bridge,
      startGeneration: (i: unknown) => {
        const answer = bridge.startGeneration(i);
        w.startsSent.push(answer);
        return answer;
      },
    };
  });
  // two clicks in the same task (before React re-renders), then a third 120 ms later
  await button.evaluate(async (el) => {
    const b = el as unknown as { click(): void };
    b.click();
    b.click();
    await new Promise((r) => setTimeout(r, 120));
    b.click();
  });
  await expect(page.getByRole('listitem', { name: /FLUX.1 Schnell: Done/ })).toHaveCount(1, { timeout: 20_000 });
  // main has answered every start the three clicks sent: exactly one was accepted
  const starts = await page.evaluate(() => Promise.all((globalThis as unknown as { startsSent: Promise<{ ok: boolean }>[] }).startsSent));
  expect(starts.filter((a) => a.ok)).toHaveLength(1);
  await expect(page.getByRole('listitem').filter({ hasText: 'one click, one run' })).toHaveCount(1);
  await expect(balance(page)).toHaveText('59');

  // main's own gate, whatever the renderer does: two identical starts at once, one run
  const answers = await page.evaluate(async () => {
    const w = globalThis as unknown as { credits: { startGeneration(i: unknown): Promise<{ ok: boolean; error?: { code: string } }> } };
    const input = { request: { modelId: 'flux-schnell', prompt: 'from the bridge twice', count: 1, resolutionId: '1024x1024', modeId: 'standard' }, approvedMc: 1000 };
    return Promise.all([w.credits.startGeneration(input), w.credits.startGeneration(input)]);
  });
  expect(answers.filter((a) => a.ok)).toHaveLength(1);
  expect(answers.find((a) => !a.ok)?.error?.code).toBe('duplicate_start');
  await expect(page.getByRole('listitem').filter({ hasText: 'from the bridge twice' })).toHaveCount(1, { timeout: 20_000 });
});

test('a hung server (SIGSTOP, socket open) is called "not answering" within seconds; a busy Approve stops with a clear message', async ({ page }) => {
  const serverDir = tempDir('flow-hung');
  const server = await startServer(serverDir, ['--sse-heartbeat-ms', '300']);
  cleanup.push(server.proc);
  const account = adminCli(['create-account', '--data-dir', serverDir, '--name', 'Hana', '--plan', 'free']);
  const app = await startApp(tempDir('flow-hung-app'), ['--server-url', server.url, '--token', account.token, '--request-timeout-ms', '1500', '--stream-idle-ms', '1500']);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  const status = page.getByRole('region', { name: 'Balance' }).getByRole('status');
  await expect(status).toHaveText('Up to date');
  // quiet but healthy: the heartbeat keeps the stream alive well past the idle limit (10 heartbeats: 3 s, twice the 1.5 s limit)
  await status.evaluate((el) => {
    const w = globalThis as unknown as { statusSeen: string[]; MutationObserver: new (cb: () => void) => { observe(n: unknown, o: Record<string, boolean>): void } };
    const node = el as unknown as { textContent: string };
    w.statusSeen = [];
    new w.MutationObserver(() => w.statusSeen.push(node.textContent)).observe(el, { subtree: true, childList: true, characterData: true });
  });
  await heartbeats(server.url, account.token, 10);
  await expect(status).toHaveText('Up to date');
  expect(await page.evaluate(() => (globalThis as unknown as { statusSeen: string[] }).statusSeen.filter((t) => t !== 'Up to date'))).toEqual([]); // not even for a moment

  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Auto-approve runs up to (credits)').fill('0');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await page.getByRole('link', { name: 'Generate' }).click();
  await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  await page.getByLabel('Prompt').fill('sent while the server hangs');
  await page.getByRole('button', { name: 'Generate, up to 1 credit' }).click();
  const dialog = page.getByRole('dialog', { name: 'Approve this run?' });
  await expect(dialog).toBeVisible();

  const pid = server.proc.child.pid!;
  process.kill(pid, 'SIGSTOP');
  try {
    const stoppedAt = Date.now();
    await dialog.getByRole('button', { name: 'Approve up to 1 credit' }).click();
    await expect(page.getByRole('alert').filter({ hasText: "couldn't confirm the run" })).toContainText('The credits server is not answering', { timeout: 5_000 });
    await expect(dialog).toHaveCount(0);
    await expect(status).toHaveText(/^Server not answering, as of/, { timeout: 8_000 });
    expect(Date.now() - stoppedAt).toBeLessThan(9_000);
    await expect(page.getByTestId('offline-works')).toContainText('Still works offline: your last known balance');
    await expect(balance(page)).toHaveText('60');
    await expect(page.getByRole('alert').filter({ hasText: 'saved price list' })).toContainText('The credits server is not answering.');
    await page.screenshot({ path: screenshotPath('15-server-not-answering') });
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await expect(status).toHaveText('Up to date', { timeout: 20_000 });
  // the run sent while it hung reached the server once: it is found by its key, run and charged once
  await expect(page.getByRole('listitem', { name: /FLUX.1 Schnell: Done/ })).toHaveCount(1, { timeout: 20_000 });
  await expect(balance(page)).toHaveText('59');
});

test('opened without its token (or with a stale one), the app says what is missing and how to fix it', async ({ browser }) => {
  const app = await startApp(tempDir('flow-notoken'));
  cleanup.push(app.proc);
  const base = app.launchUrl.replace(/#token=.*$/, '');
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(base);
    const problem = page.getByRole('alert').filter({ hasText: 'launch token' });
    await expect(problem).toContainText('This page was opened without its launch token', { timeout: 10_000 });
    await expect(problem).toContainText('it ends in #token=');
    const stale = await context.newPage();
    await stale.goto(`${base}#token=from-an-earlier-start`);
    await expect(stale.getByRole('alert').filter({ hasText: 'launch token' })).toContainText('was refused', { timeout: 10_000 });
  } finally {
    await context.close();
  }
});

test('a remote server without an account token: the bar says which token is missing and how to give it', async ({ page }) => {
  const serverDir = tempDir('flow-noacct');
  const server = await startServer(serverDir);
  cleanup.push(server.proc);
  const app = await startApp(tempDir('flow-noacct-app'), ['--server-url', server.url]);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(page.getByRole('region', { name: 'Balance' })).toContainText(`No account token for the credits server at ${server.url}`, { timeout: 15_000 });
  await expect(page.getByRole('region', { name: 'Balance' })).toContainText('CREDITS_TOKEN=<token> (browser mode: --token <token>)');
});

test('the Generate draft is kept per model across navigation and a reload', async ({ page }) => {
  const app = await startApp(tempDir('flow-draft'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  await page.getByLabel('Prompt').fill('a lighthouse, kept');
  await page.getByLabel('Model').selectOption({ label: 'Veo 3 — 840 / second (2 a day on Free)' });
  await page.getByLabel('Prompt').fill('a storm, kept for Veo');
  await page.getByRole('link', { name: 'Wallet' }).click();
  await expect(page.getByRole('heading', { name: 'Wallet' })).toBeVisible();
  await page.getByRole('link', { name: 'Generate' }).click();
  await expect(page.getByLabel('Prompt')).toHaveValue('a storm, kept for Veo');
  await page.reload();
  await expect(page.getByLabel('Prompt')).toHaveValue('a storm, kept for Veo', { timeout: 15_000 });
  await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  await expect(page.getByLabel('Prompt')).toHaveValue('a lighthouse, kept');
});

test('progress moves smoothly with the time left when the local engine can tell how long a run takes', async ({ page }) => {
  const app = await startApp(tempDir('flow-progress'), ['--server-arg=--engine-latency-ms=5000']);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  await page.getByLabel('Prompt').fill('a slow lighthouse');
  await page.getByRole('button', { name: 'Generate, up to 1 credit' }).click();
  const card = page.getByRole('listitem', { name: /FLUX.1 Schnell: Running/ });
  await expect(card.getByTestId('run-progress')).toHaveText(/^\d+% · about \d s left$/, { timeout: 10_000 });
  // every value the bar takes from now on, with the page's clock (the one the bar is drawn from)
  await card.getByRole('progressbar').evaluate((el) => {
    const w = globalThis as unknown as { progressSeen: [number, number][]; MutationObserver: new (cb: () => void) => { observe(n: unknown, o: Record<string, unknown>): void } };
    const bar = el as unknown as { getAttribute(name: string): string | null };
    w.progressSeen = [[Date.now(), Number(bar.getAttribute('aria-valuenow'))]];
    new w.MutationObserver(() => w.progressSeen.push([Date.now(), Number(bar.getAttribute('aria-valuenow'))])).observe(el, { attributes: true, attributeFilter: ['aria-valuenow'] });
  });
  await expect(page.getByRole('listitem', { name: /FLUX.1 Schnell: Done/ })).toBeVisible({ timeout: 20_000 });
  const seen = await page.evaluate(() => (globalThis as unknown as { progressSeen: [number, number][] }).progressSeen);
  const running = seen.filter(([, pct]) => pct < 100); // the engine's own 100% may land just before the run is done
  // smooth, not a jump that sits: several steps, never back, and at the pace of a 5 s run (1 point per 50 ms) however fast the machine draws
  expect(running.length).toBeGreaterThanOrEqual(3);
  expect(running.every(([, pct], i) => i === 0 || pct >= running[i - 1]![1])).toBe(true);
  // the pace from the changes the page drew (timed as drawn; 99 is where the bar waits for the end)
  const drawn = seen.slice(1).filter(([, pct]) => pct < 99);
  expect(drawn.length).toBeGreaterThanOrEqual(2);
  const [[t0, p0], [t1, p1]] = [drawn[0]!, drawn.at(-1)!];
  expect(Math.abs(p1 - p0 - (t1 - t0) / 50)).toBeLessThanOrEqual(5);
});

test('Settings refuse an out-of-range value with the allowed range in credits, and keep the saved one', async ({ page }) => {
  const app = await startApp(tempDir('flow-settings'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  await page.getByRole('link', { name: 'Settings' }).click();
  const field = page.getByLabel('Auto-approve runs up to (credits)');
  await expect(field).toHaveValue('5');
  await field.fill('2000000');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toHaveText('The auto-approve limit may be at most 1,000,000 credits');
  await page.getByLabel('Warn when the balance falls below (credits)').fill('5000000');
  await field.fill('3');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toHaveText('The low-balance warning level may be at most 1,000,000 credits');
  await page.reload();
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByLabel('Auto-approve runs up to (credits)')).toHaveValue('5', { timeout: 10_000 }); // nothing was saved, nothing clamped
});

test('at 900×600 with many grants the balance bar stays on screen, and Details lists them in separate columns', async ({ page }) => {
  await page.setViewportSize({ width: 900, height: 600 });
  const dataDir = tempDir('flow-small');
  const app = await startApp(dataDir);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  for (let i = 1; i <= 6; i++) adminCli(['grant', '--data-dir', path.join(dataDir, 'server'), '--account', 'local', '--credits', String(i), '--note', `Bonus ${i}`]);
  await expect(balance(page)).toHaveText('81', { timeout: 10_000 });
  const bar = page.getByRole('region', { name: 'Balance' });
  await expect(bar.getByTestId('grants-more')).toHaveText('and 5 more (see Details)');
  for (const name of ['Refresh balance', 'Balance details']) {
    const box = (await bar.getByRole('button', { name }).boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(600);
  }
  const barBox = (await bar.boundingBox())!;
  expect(barBox.y).toBeGreaterThanOrEqual(0);
  expect(barBox.y + barBox.height).toBeLessThanOrEqual(600);
  await page.screenshot({ path: screenshotPath('16-small-window-many-grants') });

  await bar.getByRole('button', { name: 'Balance details' }).click();
  const table = page.getByRole('dialog', { name: 'Balance details' }).getByRole('table');
  const cells = table.getByRole('row').nth(1).getByRole('cell');
  const a = (await cells.nth(0).boundingBox())!;
  const b = (await cells.nth(1).boundingBox())!;
  // where each cell's text ends and starts (not the cells' boxes, which touch)
  const textEdge = (el: unknown, side: string) => {
    const doc = (globalThis as unknown as { document: { createRange(): { selectNodeContents(n: unknown): void; getBoundingClientRect(): Record<'left' | 'right', number> } } }).document;
    const r = doc.createRange();
    r.selectNodeContents(el);
    return r.getBoundingClientRect()[side as 'left' | 'right'];
  };
  const textA = await cells.nth(0).evaluate(textEdge, 'right');
  const textB = await cells.nth(1).evaluate(textEdge, 'left');
  expect(b.x).toBeGreaterThanOrEqual(a.x + a.width - 1);
  expect(textB - textA).toBeGreaterThanOrEqual(8); // a visible gap between one column's text and the next
});

test('the spend chart in History has axes with units and a tooltip per bar', async ({ page }) => {
  const app = await startApp(tempDir('flow-chart'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  await page.getByLabel('Prompt').fill('one for the chart');
  await page.getByRole('button', { name: 'Generate, up to 1 credit' }).click();
  await expect(page.getByRole('listitem', { name: /FLUX.1 Schnell: Done/ })).toBeVisible({ timeout: 20_000 });
  await page.getByRole('link', { name: 'History' }).click();
  const chart = page.locator('figure.spend-chart');
  await expect(chart.getByTestId('spend-summary')).toHaveText('1 credit spent in the last 30 days; most on FLUX.1 Schnell.', { timeout: 10_000 });
  await expect(chart.locator('.recharts-label')).toContainText('credits'); // the y axis's unit
  const today = new Date().toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const ticks = await chart.locator('.recharts-cartesian-axis-tick-value').allTextContents();
  expect(ticks).toContain(today); // the x axis: days
  expect(ticks).toContain('1'); // the y axis: credits
  await expect(chart.locator('.recharts-legend-wrapper')).toContainText('FLUX.1 Schnell');
  const bar = chart.locator('.recharts-bar-rectangle path, .recharts-bar-rectangle rect').last();
  await bar.hover();
  await expect(chart.locator('.recharts-tooltip-wrapper')).toContainText(today);
  await expect(chart.locator('.recharts-tooltip-wrapper')).toContainText('FLUX.1 Schnell : 1 credit');
  await page.screenshot({ path: screenshotPath('17-history-spend-chart') });
});
