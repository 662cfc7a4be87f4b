// End to end in Chromium: the app in browser mode shows the wallet live, follows admin grants, and shows the cached balance offline.
import { expect, test, type Page } from '@playwright/test';
import path from 'node:path';
import { adminCli, screenshotPath, startApp, startServer, tempDir, type Proc } from './app-process';

test.describe.configure({ mode: 'serial' });

const balance = (page: Page) => page.getByRole('region', { name: 'Balance' });

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

test('a new user on the embedded server sees the trial credits; an admin grant shows up live', async ({ page }) => {
  const dataDir = tempDir('embedded');
  const app = await startApp(dataDir);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  const bar = balance(page);
  await expect(bar.getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
  await expect(bar.getByRole('list', { name: 'Credits by grant' })).toContainText('Signup trial');
  await expect(bar.getByRole('list', { name: 'Credits by grant' })).toContainText('50');
  await expect(bar.getByRole('list', { name: 'Credits by grant' })).toContainText('Daily free');
  await expect(bar.getByRole('status')).toHaveText('Up to date');
  await expect(bar).toContainText(/Daily credits reset in \d+/);
  await page.getByRole('link', { name: 'Wallet' }).click();
  await expect(page.getByRole('heading', { name: 'Wallet' })).toBeVisible();
  await page.screenshot({ path: screenshotPath('01-new-user-trial-credits') });

  // The token is not left in the address bar.
  expect(page.url()).not.toContain('token=');

  const before = Date.now();
  const r = adminCli(['grant', '--data-dir', path.join(dataDir, 'server'), '--account', 'local', '--credits', '25', '--note', 'Welcome bonus']);
  expect(r.grantId).toMatch(/^g_/);
  await expect(bar.getByTestId('available-credits')).toHaveText('85', { timeout: 2_000 });
  expect(Date.now() - before).toBeLessThan(2_000 + 1_000); // 2 s from the grant, plus the CLI's own start
  await expect(bar.getByRole('list', { name: 'Credits by grant' })).toContainText('Bonus');
  await page.screenshot({ path: screenshotPath('02-after-admin-grant') });
});

test('the embedded server is restarted if it dies, and the bar comes back live', async ({ page }) => {
  const dataDir = tempDir('restart');
  const app = await startApp(dataDir);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  const bar = balance(page);
  await expect(bar.getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
  const { pid } = JSON.parse(require('node:fs').readFileSync(path.join(dataDir, 'server', 'server.json'), 'utf8')) as { pid: number };
  process.kill(pid, 'SIGKILL');
  await expect(bar.getByRole('status')).not.toHaveText('Up to date', { timeout: 10_000 });
  await expect(bar.getByTestId('available-credits')).toHaveText('60'); // still shown while it restarts
  await expect(bar.getByRole('status')).toHaveText('Up to date', { timeout: 30_000 });
});

test('with a remote server: stop it and see the cached balance marked offline; restart the app with it down and see the cache at once', async ({ page, browser }) => {
  const serverDir = tempDir('remote-server');
  const server = await startServer(serverDir);
  cleanup.push(server.proc);
  const account = adminCli(['create-account', '--data-dir', serverDir, '--name', 'Grace', '--plan', 'free']);
  adminCli(['grant', '--data-dir', serverDir, '--account', account.accountId, '--credits', '200', '--kind', 'pack']);

  const appDir = tempDir('remote-app');
  const app = await startApp(appDir, ['--server-url', server.url, '--token', account.token]);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  const bar = balance(page);
  await expect(bar.getByTestId('available-credits')).toHaveText('260', { timeout: 30_000 });
  await expect(bar).toContainText('Grace');
  await expect(bar.getByRole('list', { name: 'Credits by grant' })).toContainText('Credit pack');

  await server.proc.stop();
  await expect(bar.getByRole('status')).toHaveText(/^Offline, as of \d{1,2}:\d{2}/, { timeout: 15_000 });
  await expect(bar.getByTestId('available-credits')).toHaveText('260');
  await page.screenshot({ path: screenshotPath('03-server-stopped-offline') });

  // Restart the app with the server still down: the cached balance shows at once, marked offline.
  await app.proc.stop();
  const again = await startApp(appDir, ['--server-url', server.url]);
  cleanup.push(again.proc);
  const page2 = await browser.newPage();
  const started = Date.now();
  await page2.goto(again.launchUrl);
  const bar2 = balance(page2);
  await expect(bar2.getByTestId('available-credits')).toHaveText('260', { timeout: 3_000 });
  const shownAfterMs = Date.now() - started;
  await expect(bar2.getByRole('status')).toHaveText(/^(Offline|Connecting|Reconnecting), as of \d{1,2}:\d{2}/);
  await expect(bar2.getByRole('status')).toHaveText(/^Offline, as of/, { timeout: 15_000 });
  await page2.screenshot({ path: screenshotPath('04-restart-offline-from-cache') });
  test.info().annotations.push({ type: 'cached balance shown after', description: `${shownAfterMs} ms` });
  await page2.close();
});
