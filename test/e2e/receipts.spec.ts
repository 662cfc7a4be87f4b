// End to end in browser mode with the test provider: buy a pack, open its receipt in History (card, amount, country, credits and expiry) and save it as a download.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { screenshotPath, startApp, tempDir, type Proc } from './app-process';

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

const bar = (page: Page) => page.getByRole('region', { name: 'Balance' });

test('buy a pack, open its receipt in History and save it', async ({ page }) => {
  const app = await startApp(tempDir('receipts'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(bar(page).getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
  await bar(page).getByRole('link', { name: 'Buy credits' }).click();
  await page.getByLabel('Your country').selectOption('US');

  const popup = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Buy 200 credits' }).click();
  const checkout = await popup;
  await expect(checkout.getByRole('button', { name: 'Pay $1.99' })).toContainText('Visa •••• 4242');
  await checkout.getByRole('button', { name: 'Pay $1.99' }).click();
  await expect(checkout.getByRole('status')).toContainText('Payment received');
  await checkout.close();
  await expect(bar(page).getByTestId('available-credits')).toHaveText('260', { timeout: 15_000 });

  await page.getByRole('link', { name: 'History' }).click();
  const purchaseRow = page.getByRole('list', { name: 'History entries' }).getByRole('listitem').filter({ hasText: '$1.99' });
  await expect(purchaseRow).toHaveCount(1, { timeout: 15_000 });
  await purchaseRow.getByRole('button').click();
  const receipt = page.getByRole('region', { name: 'Receipt' });
  await expect(receipt).toContainText('200 credits (credit pack)');
  await expect(receipt).toContainText('$1.99 USD');
  await expect(receipt).toContainText('Visa •••• 4242');
  await expect(receipt).toContainText('United States (US)');
  await expect(receipt).toContainText('Credits expire');
  await receipt.scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('37-history-receipt') });

  const download = page.waitForEvent('download');
  await receipt.getByRole('button', { name: 'Save receipt' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^credits-desk-receipt-pur_[A-Za-z0-9_-]+\.txt$/);
  const text = readFileSync((await file.path())!, 'utf8');
  expect(text).toContain('Credits Desk — Receipt');
  expect(text).toMatch(/Amount paid: +\$1\.99 USD/);
  expect(text).toMatch(/Paid with: +Visa •••• 4242/);
  expect(text).toMatch(/Billing country: +United States \(US\)/);
  expect(text).toMatch(/Credits added: +200 credits/);
  await expect(receipt.getByRole('status')).toHaveText(`Downloaded ${file.suggestedFilename()}`);
});
