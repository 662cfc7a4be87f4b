// End to end in Chromium: 100,000 history entries open and scroll; one opens its details; CSV export; low-balance and expiry warnings; the balance popover.
import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { adminCli, ROOT, screenshotPath, startApp, startServer, tempDir, type Proc } from './app-process';

test.describe.configure({ mode: 'serial' });

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

const bar = (page: Page) => page.getByRole('region', { name: 'Balance' });

test('history with 100,000 entries opens, scrolls, filters and shows details', async ({ page }) => {
  test.setTimeout(180_000);
  const dataDir = tempDir('history');
  const first = await startApp(dataDir); // creates the local account
  await page.goto(first.launchUrl);
  await expect(bar(page).getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
  await first.proc.stop();
  const seed = spawnSync(process.execPath, [path.join(ROOT, 'out/server/seed-history.cjs'), '--data-dir', path.join(dataDir, 'server'), '--entries', '100000'], { encoding: 'utf8', timeout: 60_000 });
  expect(seed.status, seed.stderr).toBe(0);

  const app = await startApp(dataDir);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await page.getByRole('link', { name: 'History' }).click();
  await expect(page.getByTestId('history-count')).toHaveText('100,000 entries', { timeout: 90_000 });
  const list = page.getByRole('list', { name: 'History entries' });
  await expect(list.getByRole('listitem').first()).toContainText('Seeded bonus 100000');
  expect(await list.getByRole('listitem').count()).toBeLessThan(80); // virtualized: only what is on screen
  await page.screenshot({ path: screenshotPath('20-history-100k') });

  for (let i = 0; i < 10; i++) await list.evaluate((el, step) => el.scrollBy(0, step), 150_000);
  await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(list.getByRole('listitem').last()).toContainText(/Held for a run|Charged|Credits added/, { timeout: 10_000 });
  await expect(list.getByRole('listitem').last()).not.toContainText('…', { timeout: 10_000 });

  await list.evaluate((el) => el.scrollTo(0, 0));
  await page.getByLabel('Search prompts').fill('seeded prompt number 99999');
  await expect(page.getByTestId('history-count')).toHaveText('1 entry', { timeout: 10_000 });
  await list.getByRole('listitem').first().getByRole('button').click();
  const details = page.getByRole('complementary', { name: /Entry \d+/ });
  await expect(details).toContainText('seeded prompt number 99999');
  await expect(details).toContainText('Estimate (most)');
  await page.screenshot({ path: screenshotPath('21-history-entry-details') });

  await page.getByLabel('Search prompts').fill('');
  await page.getByRole('checkbox', { name: 'Charged' }).check();
  await expect(page.getByTestId('history-count')).toHaveText('48,000 entries', { timeout: 10_000 });
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^credits-history-\d{4}-\d{2}-\d{2}\.csv$/);
  await expect(page.getByRole('status').filter({ hasText: 'Exported 48,000 entries.' })).toBeVisible();
});

test('low balance and expiring credits warn in a banner and the balance bar; the popover explains the balance', async ({ page }) => {
  const serverDir = tempDir('warn-server');
  const server = await startServer(serverDir);
  cleanup.push(server.proc);
  const account = adminCli(['create-account', '--data-dir', serverDir, '--name', 'Wren', '--plan', 'free']);
  const inTwoDays = new Date(Date.now() + 2 * 86_400_000).toISOString();
  adminCli(['grant', '--data-dir', serverDir, '--account', account.accountId, '--credits', '12', '--kind', 'pack', '--expires', inTwoDays]);
  const app = await startApp(tempDir('warn-app'), ['--server-url', server.url, '--token', account.token]);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(bar(page).getByTestId('available-credits')).toHaveText('72', { timeout: 30_000 });
  const expiring = page.getByRole('status', { name: 'Credits expiring' });
  await expect(expiring).toContainText('12 credits expire soon');
  await expect(bar(page).getByTestId('expiring-line')).toContainText('12 credits expire');
  await page.screenshot({ path: screenshotPath('22-expiring-warning') });

  // Set the warning level above the balance: the banner appears once.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Warn when the balance falls below (credits)').fill('100');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert', { name: 'Low balance' })).toContainText('72 credits left, below your warning level of 100');
  await page.screenshot({ path: screenshotPath('23-low-balance-warning') });

  await page.getByRole('link', { name: 'Generate' }).click();
  await bar(page).getByRole('button', { name: 'Balance details' }).click();
  const pop = page.getByRole('dialog', { name: 'Balance details' });
  await expect(pop).toContainText('72 available');
  await expect(pop.getByRole('progressbar', { name: 'Daily free used' })).toHaveAttribute('aria-valuenow', '0');
  await expect(pop).toContainText('Next daily reset');
  await expect(pop).toContainText('no subscription');
  await page.screenshot({ path: screenshotPath('24-balance-popover') });
  await page.keyboard.press('Escape');
  await expect(pop).toBeHidden();
});
