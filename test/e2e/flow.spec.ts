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

test('two clicks on Generate within 120 ms start exactly one run; main refuses a second identical start', async ({ page }) => {
  const app = await startApp(tempDir('flow-double'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  await page.getByLabel('Prompt').fill('one click, one run');
  const button = page.getByRole('button', { name: 'Generate, up to 1 credit' });
  await expect(button).toBeEnabled();
  // two clicks in the same task (before React re-renders), then a third 120 ms later
  await button.evaluate(async (el) => {
    const b = el as unknown as { click(): void };
    b.click();
    b.click();
    await new Promise((r) => setTimeout(r, 120));
    b.click();
  });
  await expect(page.getByRole('listitem', { name: /FLUX.1 Schnell: Done/ })).toHaveCount(1, { timeout: 20_000 });
  await page.waitForTimeout(1_500);
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
