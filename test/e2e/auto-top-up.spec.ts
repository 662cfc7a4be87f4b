// End to end in browser mode with the test provider: save a card at a checkout, turn auto top-up on, cross the threshold with a run and see the top-up and its receipt; a card that needs authentication pauses it until confirmed in the app.
import { expect, test, type Page } from '@playwright/test';
import { screenshotPath, startApp, tempDir, type Proc } from './app-process';

test.describe.configure({ mode: 'serial' });

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

const bar = (page: Page) => page.getByRole('region', { name: 'Balance' });

/** A fresh app with 60 credits, and a 200-credit pack bought at the checkout with the card saved for auto top-up (260 credits). */
async function withSavedCard(page: Page, name: string, pay: (checkout: Page) => Promise<void>): Promise<void> {
  const app = await startApp(tempDir(name));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(bar(page).getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
  await bar(page).getByRole('link', { name: 'Buy credits' }).click();
  await page.getByLabel('Your country').selectOption('US');
  await page.getByLabel('Save the card I pay with for auto top-up').check();
  const popup = page.waitForEvent('popup');
  await page.getByRole('list', { name: 'Credit packs' }).getByRole('listitem', { name: '200 credits' }).getByRole('button', { name: 'Buy 200 credits' }).click();
  const checkout = await popup;
  await expect(checkout.getByText('the card is saved for auto top-up')).toBeVisible();
  await pay(checkout);
  await checkout.close();
  await expect(bar(page).getByTestId('available-credits')).toHaveText('260', { timeout: 15_000 });
}

async function turnOn(page: Page, thresholdCredits: string): Promise<void> {
  const section = page.getByTestId('auto-top-up');
  await section.getByLabel('Turn auto top-up on').check();
  await section.getByLabel('Pack to buy').selectOption({ label: '1,100 credits — $9.99' });
  await section.getByLabel('When available credits fall below').fill(thresholdCredits);
  await section.getByLabel('At most this many top-ups a month').fill('2');
  await section.getByRole('button', { name: 'Save auto top-up' }).click();
  await expect(section.getByRole('status')).toHaveText('Auto top-up is on.');
}

async function runOneImage(page: Page, prompt: string): Promise<void> {
  await page.getByRole('link', { name: 'Generate' }).click();
  await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  await page.getByLabel('Prompt').fill(prompt);
  await page.getByRole('button', { name: 'Generate, up to 1 credit' }).click();
  await expect(page.getByRole('listitem', { name: /FLUX.1 Schnell: Done/ }).first()).toBeVisible({ timeout: 20_000 });
}

test('turn auto top-up on, cross the threshold with a run: one pack is bought with the saved card, with its receipt', async ({ page }) => {
  await withSavedCard(page, 'topup', async (checkout) => {
    await checkout.getByRole('button', { name: 'Pay $1.99' }).click();
    await expect(checkout.getByRole('status')).toContainText('Payment received');
  });
  const section = page.getByTestId('auto-top-up');
  await expect(section.getByTestId('saved-card')).toHaveText('Saved card: visa •••• 4242');
  await turnOn(page, '259.5');
  await runOneImage(page, 'a lighthouse that crosses the threshold');
  // 260 − 1 + 1,100: the top-up came in live
  await expect(bar(page).getByTestId('available-credits')).toHaveText('1,359', { timeout: 15_000 });
  // the in-app alert, however main heard of the top-up (its ledger entry on the stream, a history sync, the wallet's count)
  await expect(page.getByText(/Auto top-up: bought 1,100 credits \(\$9\.99\)/)).toHaveCount(1, { timeout: 15_000 });
  await page.getByRole('link', { name: 'Store' }).click();
  await expect(section).toContainText('This month: 1 of 2 top-ups.');
  await page.getByRole('link', { name: 'History' }).click();
  const row = page.getByRole('list', { name: 'History entries' }).getByRole('listitem').filter({ hasText: '$9.99' });
  await expect(row).toHaveCount(1, { timeout: 15_000 });
  await row.click();
  await expect(page.getByText(/Auto top-up: run gen_\S+ took your available credits below your auto top-up threshold/)).toBeVisible();
  await page.screenshot({ path: screenshotPath('45-auto-top-up-receipt') });
});

test('a top-up the bank wants confirmed pauses auto top-up; confirming it in the app pays it and auto top-up goes on', async ({ page }) => {
  await withSavedCard(page, 'topup-auth', async (checkout) => {
    await checkout.getByRole('button', { name: 'Pay with a card that needs authentication' }).click();
    await checkout.getByRole('button', { name: 'Complete authentication' }).click();
    await expect(checkout.getByRole('status')).toContainText('Payment received');
  });
  const section = page.getByTestId('auto-top-up');
  await expect(section.getByTestId('saved-card')).toHaveText('Saved card: visa •••• 3220');
  await turnOn(page, '259.5');
  await runOneImage(page, 'a lighthouse that needs the bank');
  await page.getByRole('link', { name: 'Store' }).click();
  const paused = section.getByRole('alert');
  await expect(paused).toContainText('Auto top-up is paused: your bank asks you to confirm this payment.', { timeout: 15_000 });
  await page.screenshot({ path: screenshotPath('46-auto-top-up-paused') });
  const popup = page.waitForEvent('popup');
  await paused.getByRole('link', { name: 'Confirm the payment' }).click();
  const checkout = await popup;
  await checkout.getByRole('button', { name: 'Pay with a card that needs authentication' }).click();
  await checkout.getByRole('button', { name: 'Complete authentication' }).click();
  await expect(checkout.getByRole('status')).toContainText('Payment received');
  await checkout.close();
  await expect(bar(page).getByTestId('available-credits')).toHaveText('1,359', { timeout: 15_000 });
  await expect(section.getByRole('alert')).toHaveCount(0);
});
