// End to end in Chromium: the training allowance tracker, the form's checks before upload, a job's progress to done, the allowance dropping, the new model; and offline.
import { randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { adminCli, screenshotPath, startApp, startServer, tempDir, type Proc } from './app-process';

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

/** The weekly allowance renews next Monday 00:00 UTC: "Monday 00:00" later in the week, its date on a Monday itself (renewsText). */
const MONDAY = (() => {
  const now = new Date();
  if (now.getUTCDay() !== 1) return 'Monday 00:00';
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 7));
  return `${next.getUTCDate()} ${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][next.getUTCMonth()]} ${next.getUTCFullYear()}`;
})();

const png = () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(3000)]);

test('start a training, watch its progress to done, see the allowance drop and the new model', async ({ page }) => {
  const serverDir = tempDir('train-server');
  // 300 times faster: a one-image job takes about 4 s
  const server = await startServer(serverDir, ['--training-speed', '300']);
  cleanup.push(server.proc);
  const account = adminCli(['create-account', '--data-dir', serverDir, '--name', 'Trainer', '--plan', 'pro']);
  const app = await startApp(tempDir('train-app'), ['--server-url', server.url, '--token', account.token]);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await page.getByRole('link', { name: 'Training' }).click();
  const tracker = page.getByTestId('training-allowance');
  await expect(tracker).toHaveText(new RegExp(`^1 of 1 left this week · renews ${MONDAY}`), { timeout: 30_000 });

  // checked before upload: a text file named .png is refused with its reason; the real images show as thumbnails
  await page.getByLabel('Training images').setInputFiles([
    { name: 'face-1.png', mimeType: 'image/png', buffer: png() },
    { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('these are my notes, not an image at all') },
    { name: 'face-2.png', mimeType: 'image/png', buffer: png() },
  ]);
  await expect(page.getByRole('alert').filter({ hasText: 'notes.png' })).toContainText('not a JPEG, PNG or WebP image');
  await expect(page.getByRole('list', { name: 'Picked images' }).getByRole('img')).toHaveCount(2);
  await page.getByLabel('Model name').fill('My face');
  await expect(page.getByTestId('training-uses')).toHaveText('Uses 1 of your 1 training left this week');
  await page.getByRole('button', { name: 'Start training…' }).click();
  await page.getByRole('dialog', { name: 'Confirm training' }).getByRole('button', { name: 'Confirm' }).click();

  const job = page.getByRole('list', { name: 'Training jobs' }).getByRole('listitem', { name: 'My face' });
  const bar = job.getByRole('progressbar', { name: 'My face progress' });
  await expect(bar).toHaveAttribute('aria-valuenow', /^([1-9]\d?)$/, { timeout: 20_000 });
  await expect(job.getByTestId('training-stage')).toContainText(/(Preparing images|Training|Saving the model) · \d+% · \d+ s left/);
  await page.screenshot({ path: screenshotPath('50-training-progress') });
  await expect(job.getByTestId('training-done')).toContainText('Done: model “My face” (lora:trn_', { timeout: 30_000 });
  await expect(tracker).toHaveText(new RegExp(`^0 of 1 left this week · renews ${MONDAY}`), { timeout: 10_000 });
  await page.screenshot({ path: screenshotPath('51-training-done') });

  // the new model can be chosen on Generate for a model that takes custom models
  await page.getByRole('link', { name: 'Generate' }).click();
  await page.getByLabel('Model', { exact: true }).selectOption('model:flux-schnell');
  await page.getByLabel('Trained style (LoRA)').selectOption({ label: 'My face' });
  await expect(page.getByLabel('Trained style (LoRA)')).toHaveValue(/^lora:trn_/);
  await page.getByRole('link', { name: 'Training' }).click();

  // the tracker in the balance popover too
  await page.getByRole('region', { name: 'Balance' }).getByRole('button', { name: 'Details' }).click();
  await expect(page.getByRole('dialog', { name: 'Balance details' }).getByTestId('training-allowance')).toHaveText(new RegExp(`^0 of 1 left this week · renews ${MONDAY}`));
  await page.keyboard.press('Escape');

  // offline: the tracker is cached and dated, the job list kept, and starting is refused before anything is sent
  await server.proc.stop();
  await expect(page.getByRole('region', { name: 'Balance' }).getByRole('status')).toHaveText(/^Offline, as of/, { timeout: 20_000 });
  await expect(tracker).toContainText('(offline: as of');
  await expect(page.getByRole('status').filter({ hasText: "You're offline. Training needs the credits server." })).toBeVisible();
  await expect(job.getByTestId('training-done')).toBeVisible();
});
