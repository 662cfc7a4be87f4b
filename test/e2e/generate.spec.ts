// End to end in Chromium: estimate, approve, run on the local engine, the balance falls by the final cost; failures refund; offline refuses.
import { expect, test, type Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { adminCli, screenshotPath, startApp, startServer, tempDir, type Proc } from './app-process';

test.describe.configure({ mode: 'serial' });

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

const balance = (page: Page) => page.getByRole('region', { name: 'Balance' }).getByTestId('available-credits');

test('generate an image: see the estimate, approve, watch the balance fall by the final cost', async ({ page }) => {
  const app = await startApp(tempDir('gen'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  await expect(page.getByRole('heading', { name: 'Generate' })).toBeVisible();

  await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  await page.getByLabel('Prompt').fill('a lighthouse on a cliff at dusk');
  await expect(page.getByTestId('estimate-range')).toHaveText('1 credit');
  const button = page.getByRole('button', { name: 'Generate, up to 1 credit' });
  await expect(button).toBeEnabled();
  // 1 credit is under the default auto-approve limit (5): no confirmation is asked.
  await button.click();
  const card = page.getByRole('listitem', { name: /FLUX.1 Schnell: Done/ });
  await expect(card).toBeVisible({ timeout: 20_000 });
  await expect(card.getByTestId('run-cost')).toHaveText('Charged 1 credit of an estimated up to 1 credit · Used 1 image');
  await expect(card.getByTestId('run-usage')).toHaveText('· Used 1 image');
  await expect(card.getByRole('img')).toHaveCount(1);
  await expect(card.getByText('Local preview')).toBeVisible();
  await expect(balance(page)).toHaveText('59');
  // the image really loads through main
  const loaded = await card.getByRole('img').evaluate((img) => { const i = img as unknown as { complete: boolean; naturalWidth: number }; return i.complete && i.naturalWidth === 1024; });
  expect(loaded).toBe(true);
  await page.screenshot({ path: screenshotPath('10-generate-image-charged') });
});

test('over the auto-approve limit the user is asked; an injected failure is refunded in full', async ({ page }) => {
  const dataDir = tempDir('gen-fail');
  const app = await startApp(dataDir);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Auto-approve runs up to (credits)').fill('0');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await page.getByLabel('Auto-approve runs up to (credits)').fill('1.2345');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toContainText('more than 3 decimals');

  await page.getByRole('link', { name: 'Generate' }).click();
  await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  await page.getByLabel('Prompt').fill('this one will [fail]');
  await page.getByRole('button', { name: 'Generate, up to 1 credit' }).click();
  const dialog = page.getByRole('dialog', { name: 'Approve this run?' });
  await expect(dialog).toContainText('can cost up to 1 credit');
  await page.screenshot({ path: screenshotPath('11-approve-dialog') });
  await dialog.getByRole('button', { name: 'Approve up to 1 credit' }).click();
  const card = page.getByRole('listitem', { name: /FLUX.1 Schnell: Failed/ });
  await expect(card).toBeVisible({ timeout: 20_000 });
  await expect(card.getByTestId('run-cost')).toHaveText('Refunded 1 credit — nothing was charged');
  await expect(card).toContainText('refunded in full');
  await expect(balance(page)).toHaveText('60');
  await page.screenshot({ path: screenshotPath('12-failed-run-refunded') });
});

test('offline, the estimate still shows and running is refused', async ({ page }) => {
  const serverDir = tempDir('gen-remote');
  const server = await startServer(serverDir);
  cleanup.push(server.proc);
  const account = adminCli(['create-account', '--data-dir', serverDir, '--name', 'Ode', '--plan', 'free']);
  const app = await startApp(tempDir('gen-offline-app'), ['--server-url', server.url, '--token', account.token]);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  await page.getByLabel('Prompt').fill('a quiet harbor');
  await expect(page.getByRole('button', { name: 'Generate, up to 1 credit' })).toBeEnabled();

  await server.proc.stop();
  await expect(page.getByRole('region', { name: 'Balance' }).getByRole('status')).toHaveText(/^Offline/, { timeout: 15_000 });
  await page.getByLabel('Prompt').fill('a quiet harbor at night');
  await expect(page.getByTestId('estimate-range')).toHaveText('1 credit');
  await expect(page.getByRole('alert')).toContainText("You're offline");
  await expect(page.getByRole('button', { name: 'Generate, up to 1 credit' })).toBeDisabled();
  await page.screenshot({ path: screenshotPath('13-offline-estimate-refused') });
});

test('a model outside the plan and a batch over the plan limit are refused before anything is sent', async ({ page }) => {
  const app = await startApp(tempDir('gen-plan'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  await page.getByLabel('Model').selectOption({ label: 'GPT-4o — 7 / 5K tokens (not in Free; in Starter, Pro, Ultra, Max)' });
  await page.getByLabel('Prompt').fill('a haiku');
  await expect(page.getByRole('alert')).toContainText('GPT-4o is not included in the Free plan');
  await expect(page.getByRole('button', { name: 'Generate, up to 7 credits' })).toBeDisabled();
  await page.getByLabel('Model').selectOption({ label: 'Veo 3 — 840 / second (2 a day on Free)' });
  await page.getByLabel('Prompt').fill('a storm');
  await expect(page.getByRole('alert')).toContainText(/can cost up to 4,200 credits; you have 60 credits available/);
  await expect(page.getByRole('button', { name: /Generate, up to 4,200 credits/ })).toBeDisabled();

  await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  const images = page.getByLabel('Images');
  await expect(images).toHaveAttribute('max', '1');
  await expect(page.getByText('only 1 on your plan')).toBeVisible();
  await images.fill('4');
  await expect(images).toHaveValue('4'); // shown as typed, and refused before anything is sent: over the plan's batch size
  await expect(page.getByText('Must be 1 on your plan', { exact: true })).toBeVisible();
  await expect(page.getByTestId('estimate-blocked')).toHaveText('No estimate: Images must be 1 on your plan.');
  await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeDisabled();
});

test('a run waiting for the engine says how many runs are ahead and when it should start', async ({ page }) => {
  const dir = tempDir('queue');
  // one local run at a time, each taking 6 s: the second run waits behind the first
  const engines = path.join(dir, 'engines.json');
  writeFileSync(engines, JSON.stringify({ local: { concurrency: 1, latencyMs: 6_000 } }));
  const app = await startApp(dir, [`--server-arg=--engines=${engines}`]);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  for (const prompt of ['first in line', 'second in line']) {
    await page.getByLabel('Prompt').fill(prompt);
    const button = page.getByRole('button', { name: 'Generate, up to 1 credit' });
    await expect(button).toBeEnabled();
    await button.click();
  }
  const waiting = page.getByRole('listitem').filter({ hasText: 'second in line' });
  await expect(waiting.getByTestId('run-queue')).toHaveText(/^Waiting · next to start · starts in about \d+ s$/, { timeout: 10_000 });
  await page.screenshot({ path: screenshotPath('14-generate-queued') });
  // when its turn comes it runs, and the place goes away
  await expect(waiting.getByTestId('run-queue')).toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByRole('listitem', { name: /FLUX.1 Schnell: Done/ })).toHaveCount(2, { timeout: 30_000 });
});
