// End to end in Chromium: a creator sets a weekly spend limit in Settings (a week rather than a day, so that a window ends during the test only at a Monday's midnight), spends under it, and the next run is refused before the click in the limit's own words.
import { expect, test, type Page } from '@playwright/test';
import { screenshotPath, startApp, tempDir, type Proc } from './app-process';

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

const balance = (page: Page) => page.getByRole('region', { name: 'Balance' }).getByTestId('available-credits');

test('set a weekly spend limit, spend under it, and be refused with its words before the click', async ({ page }) => {
  const app = await startApp(tempDir('limits'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });

  await page.getByRole('link', { name: 'Settings' }).click();
  const section = page.getByTestId('spend-limits');
  await section.getByRole('button', { name: 'Add a limit' }).click();
  await section.getByLabel('Window').selectOption({ label: 'Each week' });
  await section.getByLabel('Runs it covers').selectOption({ label: 'everything' });
  await section.getByLabel('at most (credits)').fill('0');
  await section.getByRole('button', { name: 'Apply spend limits' }).click();
  await expect(section.getByRole('alert')).toHaveText('A spend limit must be more than 0 credits; remove it to have none.');
  await section.getByLabel('at most (credits)').fill('1.5');
  await section.getByRole('button', { name: 'Apply spend limits' }).click();
  await expect(section.getByRole('status')).toHaveText('Spend limits applied: the credits server keeps them and checks every run against them.');
  // a window ending more than a day away is named by its day, and a week's ends on a Monday
  await expect(section.locator('.limit-list li')).toHaveText(/^Each week, everything: 0 of 1\.5 credits used · resets (on Mon \d{1,2} [A-Z][a-z]{2}|in \d+ h \d\d min|in \d+ min \d\d s)$/);

  await page.getByRole('link', { name: 'Generate' }).click();
  await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  await page.getByLabel('Prompt').fill('a lighthouse under the limit');
  await page.getByRole('button', { name: 'Generate, up to 1 credit' }).click();
  await expect(page.getByRole('listitem', { name: /FLUX.1 Schnell: Done/ })).toBeVisible({ timeout: 20_000 });
  await expect(balance(page)).toHaveText('59');

  await page.getByLabel('Prompt').fill('one more lighthouse');
  const refusal = page.locator('p.refusal[data-code="spend_limit_reached"]');
  await expect(refusal).toHaveText(/^This run could cost up to 1 credit, more than the 0\.5 credits left of your weekly spend limit of 1\.5 credits \(1 credit spent and 0 credits held\); it resets \d{4}-\d\d-\d\d 00:00 UTC\.$/);
  await expect(page.getByRole('button', { name: /^Generate/ })).toBeDisabled();
  await page.screenshot({ path: screenshotPath('40-spend-limit-refused') });

  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(section.locator('.limit-list li')).toHaveText(/^Each week, everything: 1 of 1\.5 credits used · resets /);
  await page.screenshot({ path: screenshotPath('41-spend-limits-settings'), fullPage: true });
});
