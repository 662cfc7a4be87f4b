// End to end in Chromium: 100,000 history entries open and scroll as one row per run; a run expands to its entries; details; CSV
// export; a generated run is one row with its cost; low-balance and expiry warnings; the balance popover.
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
  // the seed is 48,000 runs (a hold and a charge each) and 4,000 grants: one row per run, one per grant
  await expect(page.getByTestId('history-count')).toHaveText('48,000 runs and 4,000 other entries', { timeout: 90_000 });
  const list = page.getByRole('list', { name: 'History entries' });
  const rows = list.locator('.history-row');
  await expect(rows.first()).toContainText('Seeded bonus 100000');
  await expect(rows.nth(1)).toContainText('Charged 1 credit from bonus credits');
  expect(await rows.count()).toBeLessThan(80); // virtualized: only what is on screen
  await page.screenshot({ path: screenshotPath('20-history-100k') });

  // a run expands in place: the rows below move down to make room, and move back when it closes
  const run = rows.nth(1).getByRole('button', { expanded: false });
  const below = async () => (await rows.nth(2).boundingBox())!.y;
  const y0 = await below();
  await run.click();
  await expect(rows.nth(1).getByRole('button', { expanded: true })).toBeVisible();
  await expect(rows.nth(1).getByRole('list', { name: /Ledger entries of/ }).getByRole('listitem')).toHaveCount(2);
  await expect.poll(below).toBeGreaterThan(y0 + 50);
  const panel = (await rows.nth(1).boundingBox())!;
  expect(await below()).toBeGreaterThanOrEqual(panel.y + panel.height - 1); // no overlap
  await rows.nth(1).getByRole('button', { expanded: true }).click();
  await expect.poll(below).toBe(y0);

  for (let i = 0; i < 10; i++) await list.evaluate((el, step) => el.scrollBy(0, step), 150_000);
  await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(rows.last()).toContainText(/In progress|Charged|Credits added/, { timeout: 10_000 });
  await expect(rows.last()).not.toContainText('…', { timeout: 10_000 });

  await list.evaluate((el) => el.scrollTo(0, 0));
  await page.getByLabel('Search prompts').fill('seeded prompt number 47999');
  await expect(page.getByTestId('history-count')).toHaveText('1 run', { timeout: 10_000 });
  await rows.first().getByRole('button', { expanded: false }).click();
  const entries = rows.first().getByRole('list', { name: /Ledger entries of/ });
  await expect(entries.getByRole('listitem')).toHaveText([/Held for a run/, /Charged/]);
  await entries.getByRole('button', { name: /Charged/ }).click();
  const details = page.getByRole('complementary', { name: /Entry \d+/ });
  await expect(details).toContainText('seeded prompt number 47999');
  await expect(details).toContainText('Estimate (most)');
  await page.screenshot({ path: screenshotPath('21-history-entry-details') });

  await page.getByLabel('Search prompts').fill('');
  await page.getByRole('checkbox', { name: 'Charged' }).check();
  await expect(page.getByTestId('history-count')).toHaveText('48,000 runs', { timeout: 10_000 });
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^credits-history-\d{4}-\d{2}-\d{2}\.csv$/);
  // the export keeps one line per ledger entry: the 48,000 charges
  await expect(page.getByRole('status').filter({ hasText: 'Exported 48,000 entries.' })).toBeVisible();
});

test('a run is one row in History with its cost and funding, and expands to its ledger entries; a failed run is one refunded row', async ({ page }) => {
  const dataDir = tempDir('history-run');
  const app = await startApp(dataDir);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(bar(page).getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
  await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  await page.getByLabel('Prompt').fill('a red kite over the dunes');
  await page.getByRole('button', { name: 'Generate, up to 1 credit' }).click();
  await expect(page.getByRole('listitem', { name: /FLUX.1 Schnell: Done/ })).toBeVisible({ timeout: 20_000 });
  await page.getByLabel('Prompt').fill('a kite that will [fail]');
  await page.getByRole('button', { name: 'Generate, up to 1 credit' }).click();
  await expect(page.getByRole('listitem', { name: /FLUX.1 Schnell: Failed/ })).toBeVisible({ timeout: 20_000 });

  await page.getByRole('link', { name: 'History' }).click();
  // the signup trial and the day's free credits, and two runs: four rows, not one per ledger entry
  await expect(page.getByTestId('history-count')).toHaveText('2 runs and 2 other entries', { timeout: 10_000 });
  const rows = page.getByRole('list', { name: 'History entries' }).locator('.history-row');
  await expect(rows).toHaveCount(4);
  const kite = rows.filter({ hasText: 'a red kite over the dunes' });
  await expect(kite).toHaveCount(1);
  await expect(kite.getByTestId('run-summary')).toHaveText('Charged 1 credit from daily credits · 1 output · 2 entries');
  const failed = rows.filter({ hasText: 'a kite that will [fail]' });
  await expect(failed).toHaveCount(1);
  await expect(failed.getByTestId('run-summary')).toContainText('Refunded — 0 credits (1 credit returned)');

  const disclosure = kite.getByRole('button', { name: /a red kite over the dunes/ });
  await expect(disclosure).toHaveAttribute('aria-expanded', 'false');
  await disclosure.click();
  await expect(disclosure).toHaveAttribute('aria-expanded', 'true');
  const entries = kite.getByRole('list', { name: 'Ledger entries of FLUX.1 Schnell' });
  await expect(entries.getByRole('listitem')).toHaveText([/Held for a run.*\(1 held\)/, /Charged.*-1/]);
  await entries.getByRole('button', { name: /Charged/ }).click();
  const details = page.getByRole('complementary', { name: /Entry \d+/ });
  await expect(details).toContainText('a red kite over the dunes');
  await expect(details).toContainText('Funded by');
  await page.screenshot({ path: screenshotPath('25-history-run-expanded') });

  // credits added while History is open arrive by the stream: one more row, and the open run stays open
  adminCli(['grant', '--data-dir', path.join(dataDir, 'server'), '--account', 'local', '--credits', '5', '--note', 'Top-up while reading']);
  await expect(page.getByTestId('history-count')).toHaveText('2 runs and 3 other entries', { timeout: 10_000 });
  await expect(rows.first()).toContainText('Top-up while reading');
  await expect(disclosure).toHaveAttribute('aria-expanded', 'true');
  await expect(entries.getByRole('listitem')).toHaveCount(2);
  // the open run moved down a row and kept its height: the row after it starts below its entries
  await expect(rows.nth(2)).toContainText('a red kite over the dunes');
  const bottomOfKite = async () => { const b = (await rows.nth(2).boundingBox())!; return b.y + b.height; };
  await expect.poll(async () => (await rows.nth(3).boundingBox())!.y - (await bottomOfKite())).toBeGreaterThanOrEqual(-1);
  expect((await rows.nth(2).boundingBox())!.height).toBeGreaterThan(100);
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
