// End to end in Chromium: the rough edges of a new user's walk — refusals follow the live wallet, one click starts one run.
import { expect, test, type Page } from '@playwright/test';
import path from 'node:path';
import { adminCli, startApp, tempDir, type Proc } from './app-process';

test.describe.configure({ mode: 'serial' });

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

const balance = (page: Page) => page.getByRole('region', { name: 'Balance' }).getByTestId('available-credits');

test('after a top-up the insufficient-credits refusal goes away and Generate is enabled, without pressing refresh', async ({ page }) => {
  const dataDir = tempDir('flow-topup');
  const app = await startApp(dataDir);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
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
