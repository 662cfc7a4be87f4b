// End to end in Chromium: build a plan on the Plan page, see its costs, funding, sentences and burn-down; stop the server, reload, and the plan still computes from the cache, saying it is offline.
import { expect, test } from '@playwright/test';
import { adminCli, screenshotPath, startApp, startServer, tempDir, type Proc } from './app-process';

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

test('a plan computes live, then offline from the cache after the server stops and the page reloads', async ({ page }) => {
  const serverDir = tempDir('plan-server');
  const server = await startServer(serverDir);
  cleanup.push(server.proc);
  const account = adminCli(['create-account', '--data-dir', serverDir, '--name', 'Planner', '--plan', 'free']);
  adminCli(['grant', '--data-dir', serverDir, '--account', account.accountId, '--credits', '200', '--kind', 'pack']);
  const app = await startApp(tempDir('plan-app'), ['--server-url', server.url, '--token', account.token]);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(page.getByRole('region', { name: 'Balance' }).getByTestId('available-credits')).toHaveText('260', { timeout: 30_000 });

  await page.getByRole('link', { name: 'Plan' }).click();
  await expect(page.getByRole('heading', { name: 'Plan' })).toBeVisible();
  await page.getByLabel('Model of line 1').selectOption('flux-schnell');
  await page.getByLabel('How many of line 1').fill('300');
  await page.getByLabel('A day of line 1').fill('20');
  await page.getByLabel('Horizon in days').fill('30');
  await expect(page.getByTestId('plan-source')).toContainText('Live figures', { timeout: 15_000 });
  const costs = page.getByRole('table', { name: 'Plan costs' });
  await expect(costs).toContainText('FLUX.1 Schnell');
  await expect(costs).toContainText('of 300');
  await expect(page.getByTestId('plan-total')).toContainText('300 typical – 300 most');
  await expect(page.getByRole('list', { name: 'What the plan says' })).toContainText(/Short by|cover the whole plan/);
  await expect(page.locator('.burn-down svg').first()).toBeVisible();
  const liveTotal = await page.getByTestId('plan-total').textContent();
  await page.screenshot({ path: screenshotPath('40-plan-live') });

  await server.proc.stop();
  await expect(page.getByRole('region', { name: 'Balance' }).getByRole('status')).toHaveText(/^Offline, as of/, { timeout: 20_000 });
  await page.reload();
  await page.getByRole('link', { name: 'Plan' }).click();
  await expect(page.getByLabel('How many of line 1')).toHaveValue('300'); // the plan itself was kept
  await expect(page.getByTestId('plan-source')).toContainText(/Offline: figures from the cache as of \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/, { timeout: 20_000 });
  await expect(page.getByTestId('plan-total')).toHaveText(liveTotal!);
  await expect(page.getByRole('table', { name: 'Plan costs' })).toContainText('FLUX.1 Schnell');
  await page.screenshot({ path: screenshotPath('41-plan-offline') });
});
