// End to end in Chromium: the page tells at once that the app itself stopped, within seconds that it hangs, and the balance bar stays inside a 1280×800 window with its longest status.
import { expect, test, type Page } from '@playwright/test';
import { adminCli, screenshotPath, startApp, startServer, tempDir, type Proc } from './app-process';

test.describe.configure({ mode: 'serial' });

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

const bar = (page: Page) => page.getByRole('region', { name: 'Balance' });
/** the page's word for a bridge to main that closed: said within a second or two of the app stopping */
const APP_STOPPED = 'The app stopped: start it again and reload';
const NOTICE_MS = 2_000;
/** the page's word for a bridge whose app stopped answering (hung, or its machine asleep) while the socket stays open */
const APP_NOT_ANSWERING = 'The app is not answering: this page reconnects when it does';
/** the bridge hears from the app every 2 s and gives up on it after 10 s of silence */
const HUNG_NOTICE_MS = 20_000;

test('when the app stops (Ctrl+C), the page says so at once and disables what needs it', async ({ page }) => {
  const app = await startApp(tempDir('conn-stop'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(bar(page).getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
  const status = bar(page).getByRole('status');
  await expect(status).toHaveText('Up to date');
  await page.getByLabel('Prompt').fill('a lighthouse at dusk');
  await expect(page.getByRole('button', { name: 'Generate, up to 1 credit' })).toBeEnabled();

  const exited = app.proc.stop('SIGINT');
  const stoppedAt = Date.now();
  await expect(status).toHaveText(APP_STOPPED, { timeout: NOTICE_MS });
  const noticedMs = Date.now() - stoppedAt;
  await exited;
  process.stdout.write(`the page said the app stopped ${noticedMs} ms after SIGINT\n`);
  await expect(page.getByRole('button', { name: /^Generate/ })).toBeDisabled();
  await expect(bar(page).getByRole('button', { name: 'Refresh balance' })).toBeDisabled();
  await expect(bar(page).getByTestId('available-credits')).toHaveText('60'); // what it last knew stays, marked as such
  await page.screenshot({ path: screenshotPath('16-app-stopped') });
});

test('when the app hangs (SIGSTOP), the page says it is not answering within seconds, and comes back when it answers again', async ({ page }) => {
  const app = await startApp(tempDir('conn-hung-app'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(bar(page).getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
  const status = bar(page).getByRole('status');
  await expect(status).toHaveText('Up to date');

  const pid = app.proc.child.pid!;
  process.kill(pid, 'SIGSTOP');
  try {
    const stoppedAt = Date.now();
    await expect(status).toHaveText(APP_NOT_ANSWERING, { timeout: HUNG_NOTICE_MS });
    process.stdout.write(`the page said the app was not answering ${Date.now() - stoppedAt} ms after SIGSTOP\n`);
    await expect(page.getByRole('button', { name: /^Generate/ })).toBeDisabled();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await expect(status).toHaveText('Up to date', { timeout: 30_000 });
  await expect(bar(page).getByRole('button', { name: 'Refresh balance' })).toBeEnabled();
});

test('at 1280×800 the balance bar stays inside the window while it says the server is not answering', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  const serverDir = tempDir('conn-hung');
  const server = await startServer(serverDir, ['--sse-heartbeat-ms', '300']);
  cleanup.push(server.proc);
  const account = adminCli(['create-account', '--data-dir', serverDir, '--name', 'Hana', '--plan', 'free']);
  // a full bar: four grants (three listed, "and 1 more") and credits expiring within days
  const soon = new Date(Date.now() + 2 * 86_400_000).toISOString();
  adminCli(['grant', '--data-dir', serverDir, '--account', account.accountId, '--credits', '500', '--kind', 'pack', '--expires', soon, '--paid']);
  adminCli(['grant', '--data-dir', serverDir, '--account', account.accountId, '--credits', '25', '--kind', 'bonus', '--expires', soon]);
  const app = await startApp(tempDir('conn-hung-app'), ['--server-url', server.url, '--token', account.token, '--request-timeout-ms', '1500', '--stream-idle-ms', '1500']);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  const status = bar(page).getByRole('status');
  await expect(status).toHaveText('Up to date', { timeout: 30_000 });

  const pid = server.proc.child.pid!;
  process.kill(pid, 'SIGSTOP');
  try {
    // the longest status: not answering, offline, with the reason and what still works
    await expect(status).toHaveText(/^Server not answering, as of/, { timeout: 10_000 });
    await expect(status).toHaveAttribute('data-connection', 'offline', { timeout: 10_000 });
    await expect(bar(page).getByTestId('offline-works')).toBeVisible();
    const box = (await bar(page).boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(800);
    expect(box.x + box.width).toBeLessThanOrEqual(1280);
    // shortened text keeps its whole wording within reach
    for (const detail of await bar(page).locator('.status-detail').all()) expect(await detail.getAttribute('title')).toBe(await detail.evaluate((el) => el.textContent));
    await page.screenshot({ path: screenshotPath('17-not-answering-1280x800') });
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await expect(status).toHaveText('Up to date', { timeout: 20_000 });
});
