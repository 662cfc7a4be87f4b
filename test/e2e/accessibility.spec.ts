// End to end in Chromium: dialogs and the balance popover trap focus, close on Escape and give focus back to their opener.
import { expect, test, type Page } from '@playwright/test';
import { startApp, tempDir, type Proc } from './app-process';

test.describe.configure({ mode: 'serial' });

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

const bar = (page: Page) => page.getByRole('region', { name: 'Balance' });

/** Starts the app on a fresh account with auto-approve at 0, so that every run asks for approval. */
async function openApp(page: Page, name: string): Promise<void> {
  const app = await startApp(tempDir(name));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(bar(page).getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel(/Auto-approve runs up to/).fill('0');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await page.getByRole('link', { name: 'Generate' }).click();
}

test('the approval dialog and the balance popover trap focus, close on Escape and return focus to their opener', async ({ page }) => {
  await openApp(page, 'a11y-dialogs');
  await page.getByLabel('Prompt').fill('a lighthouse on a cliff at dusk');
  const generate = page.getByRole('button', { name: /^Generate, up to/ });
  await expect(generate).toBeEnabled();
  await generate.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Approve this run?' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: /^Approve up to/ })).toBeFocused();
  // Tab and Shift+Tab stay inside the dialog
  for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
    await page.keyboard.press(key);
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(generate).toBeFocused();

  const details = bar(page).getByRole('button', { name: 'Balance details' });
  await details.focus();
  await page.keyboard.press('Enter');
  const popover = page.getByRole('dialog', { name: 'Balance details' });
  await expect(popover).toBeVisible();
  expect(await popover.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  await page.keyboard.press('Escape');
  await expect(popover).toBeHidden();
  await expect(details).toBeFocused();
});
