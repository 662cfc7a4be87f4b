// End to end in Chromium: the Training page's thumbnails load under the page's CSP, Free is refused before Start, and Cancel asks first.
import { expect, test, type Page } from '@playwright/test';
import { adminCli, startApp, startServer, tempDir, type Proc } from './app-process';
import { png } from './png';

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

/** Console messages saying the page's Content-Security-Policy refused something ("… violates the following Content Security Policy directive …"). */
function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (/violates the following Content Security Policy/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}

test('the picked images show as thumbnails that load, with no CSP violation', async ({ page }) => {
  const violations = cspViolations(page);
  const app = await startApp(tempDir('training-thumbs'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await page.getByRole('link', { name: 'Training' }).click();
  await page.getByLabel('Training images').setInputFiles([
    { name: 'red.png', mimeType: 'image/png', buffer: png(40, 30, [220, 30, 30]) },
    { name: 'blue.png', mimeType: 'image/png', buffer: png(20, 50, [30, 30, 220]) },
  ]);
  const thumbs = page.getByRole('list', { name: 'Picked images' }).getByRole('img');
  await expect(thumbs).toHaveCount(2);
  // each thumbnail decoded its own image: its natural size is the file's
  await expect.poll(() => thumbs.evaluateAll((els: any[]) => els.map((i) => [i.alt, i.complete, i.naturalWidth, i.naturalHeight]))).toEqual([
    ['red.png', true, 40, 30],
    ['blue.png', true, 20, 50],
  ]);
  expect(violations).toEqual([]);
});

test('Free: training is refused before Start, with the reason and the plans that include it', async ({ page }) => {
  const app = await startApp(tempDir('training-free'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await page.getByRole('link', { name: 'Training' }).click();
  await expect(page.getByTestId('training-allowance')).toHaveText('Custom model training is not in your plan', { timeout: 30_000 });
  await page.getByLabel('Training images').setInputFiles([{ name: 'face.png', mimeType: 'image/png', buffer: png(8, 8, [10, 200, 10]) }]);
  await page.getByLabel('Model name').fill('My face');
  const form = page.getByRole('region', { name: 'Train a custom model' });
  await expect(form.getByRole('alert')).toHaveText('AI Photos Train Model is not included in the Free plan. Starter, Pro, Ultra and Max include it.');
  await expect(form.getByRole('button', { name: 'Start training…' })).toBeDisabled();
  await expect(form.getByText('Costs up to')).toHaveCount(0);
});

test('Cancel asks first: dismissed, the job keeps running; confirmed, it is canceled and the allowance comes back', async ({ page }) => {
  const serverDir = tempDir('training-cancel-server');
  // 20 times faster: a one-image job takes about a minute, a percent every 0.6 s
  const server = await startServer(serverDir, ['--training-speed', '20']);
  cleanup.push(server.proc);
  const account = adminCli(['create-account', '--data-dir', serverDir, '--name', 'Trainer', '--plan', 'pro']);
  const app = await startApp(tempDir('training-cancel-app'), ['--server-url', server.url, '--token', account.token]);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await page.getByRole('link', { name: 'Training' }).click();
  const tracker = page.getByTestId('training-allowance');
  await expect(tracker).toHaveText(/^1 of 1 left this week/, { timeout: 30_000 });
  await page.getByLabel('Training images').setInputFiles([{ name: 'face.png', mimeType: 'image/png', buffer: png(8, 8, [200, 150, 10]) }]);
  await page.getByLabel('Model name').fill('My face');
  await page.getByRole('button', { name: 'Start training…' }).click();
  await page.getByRole('dialog', { name: 'Confirm training' }).getByRole('button', { name: 'Confirm' }).click();
  await expect(tracker).toHaveText(/^0 of 1 left this week/);

  const job = page.getByRole('list', { name: 'Training jobs' }).getByRole('listitem', { name: 'My face' });
  const bar = job.getByRole('progressbar', { name: 'My face progress' });
  await expect(bar).toHaveAttribute('aria-valuenow', /^[1-9]\d?$/, { timeout: 20_000 });

  // dismissed: nothing is canceled, the job goes on
  await job.getByRole('button', { name: 'Cancel' }).click();
  const ask = page.getByRole('dialog', { name: 'Cancel training?' });
  await expect(ask.getByRole('paragraph')).toHaveText([
    '“My face” stops and its progress is lost: no model is made, and it cannot be resumed.',
    'The training it took from your allowance is given back, to the period it was taken from.',
  ]);
  await ask.getByRole('button', { name: 'Keep training' }).click();
  await expect(ask).toHaveCount(0);
  const after = Number(await bar.getAttribute('aria-valuenow'));
  await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 20_000 }).toBeGreaterThan(after);
  await expect(tracker).toHaveText(/^0 of 1 left this week/);

  // confirmed: canceled, and its allowance given back
  await job.getByRole('button', { name: 'Cancel' }).click();
  await ask.getByRole('button', { name: 'Cancel training' }).click();
  await expect(job).toContainText('you canceled this training; its allowance or credits were given back');
  await expect(bar).toHaveCount(0);
  await expect(tracker).toHaveText(/^1 of 1 left this week/);
});
