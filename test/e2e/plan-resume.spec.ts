// End to end in browser mode: a plan's confirmations say its price, when it is charged, the credits kept and the daily credits it ends; a cancelled plan shows no renewal and is resumed.
import { expect, test, type Page } from '@playwright/test';
import { screenshotPath, startApp, tempDir, type Proc } from './app-process';

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

const bar = (page: Page) => page.getByRole('region', { name: 'Balance' });

/** The balance popover's "Next subscription renewal", read and closed again. */
async function nextRenewal(page: Page): Promise<string> {
  await bar(page).getByRole('button', { name: 'Balance details' }).click();
  const popover = page.getByRole('dialog', { name: 'Balance details' });
  const text = (await popover.locator('dt', { hasText: 'Next subscription renewal' }).locator('xpath=following-sibling::dd[1]').innerText()).trim();
  await page.keyboard.press('Escape');
  await expect(popover).toBeHidden();
  return text;
}

test('subscribe, cancel and resume a plan, each confirmation saying the price, when it is charged, the credits and the daily credits', async ({ page }) => {
  const app = await startApp(tempDir('plan-resume'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(bar(page).getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
  await bar(page).getByRole('link', { name: 'Buy credits' }).click();
  await page.getByLabel('Your country').selectOption('US');

  // from Free: paying for Starter ends the 10 free credits a day, and the confirmation says so before the checkout
  await page.getByRole('list', { name: 'Plans' }).getByRole('listitem', { name: 'Starter' }).getByRole('button', { name: /200 credits weekly/ }).click();
  const start = page.getByRole('dialog', { name: 'Subscribe to Starter' });
  await expect(start).toContainText('Price: $4.99 a week, charged now at checkout, then every week until you cancel.');
  await expect(start).toContainText('Starter has no daily free credits: your 10 free credits a day stop when it starts.');
  await expect(start).toContainText('The credits you have now are kept until they expire');
  const popup = page.waitForEvent('popup');
  await start.getByRole('button', { name: 'Continue to checkout' }).click();
  const checkout = await popup;
  await checkout.getByRole('button', { name: 'Pay $4.99' }).click();
  await expect(checkout.getByRole('status')).toContainText('Payment received');
  await checkout.close();
  await expect(bar(page).getByTestId('available-credits')).toHaveText('260', { timeout: 15_000 });

  await page.getByRole('link', { name: 'Wallet' }).click();
  const card = page.getByRole('region', { name: 'Your plan: Starter' });
  await expect(card).toContainText('Renews on');
  const renewsOn = await nextRenewal(page);
  // a weekly plan bought just now: past 48 h the countdown says days; the page's estimate of the server's time may be a moment behind the server's
  expect(renewsOn).toMatch(/, in (6 days 23 h|7 days)$/);

  // an upgrade's words: its price, charged now; Starter's credits kept until they expire
  await card.getByLabel('Change plan to').selectOption({ label: 'Pro (weekly)' });
  const upgrade = card.getByRole('dialog', { name: 'Confirm plan change' });
  await expect(upgrade).toContainText('Price: $9.99 a week, charged now at checkout, then every week until you cancel.');
  await expect(upgrade).toContainText(/Your 200 Starter credits left are kept until they expire on \d{4}-\d{2}-\d{2}\./);
  await expect(upgrade).toContainText('Pro has no daily free credits, as Starter has none.');
  await upgrade.getByRole('button', { name: 'Keep my plan' }).click();

  await card.getByRole('button', { name: 'Cancel plan' }).click();
  const cancel = card.getByRole('dialog', { name: 'Confirm plan change' });
  await expect(cancel).toContainText(/Starter stays until the end of the paid period; on (\d{4}-\d{2}-\d{2}) the account moves to Free and nothing more is charged\./);
  const endDay = /on (\d{4}-\d{2}-\d{2}) the account/.exec(await cancel.innerText())![1]!;
  await expect(cancel).toContainText(`You can resume Starter until ${endDay}.`);
  await expect(cancel).toContainText(`Your 200 Starter credits left stay until the period ends on ${endDay}; what is left then expires.`);
  await expect(cancel).toContainText(`On Free you get 10 free credits a day from ${endDay}.`);
  await page.screenshot({ path: screenshotPath('38-plan-cancel-terms') });
  await cancel.getByRole('button', { name: 'Confirm' }).click();

  // cancelled: no renewal is promised anywhere, and it can be taken back
  await expect(card).toContainText('Ends on');
  await expect(card.getByText(/^Cancelled: Starter ends on .*, then Free\. You can resume it until then\.$/)).toBeVisible();
  await expect(card.getByRole('button', { name: 'Cancel plan' })).toHaveCount(0);
  await expect(card.getByLabel('Change plan to').getByRole('option', { name: 'Starter (weekly) — keep it' })).toHaveCount(1);
  await expect.poll(() => nextRenewal(page)).toMatch(/^none: Starter is cancelled and ends .*, then Free · Resume it on the Wallet page$/);

  await card.getByRole('button', { name: 'Resume plan' }).click();
  const resume = card.getByRole('dialog', { name: 'Resume your plan' });
  await expect(resume).toContainText(`Starter (weekly) stays, and renews on ${endDay}.`);
  await expect(resume).toContainText(`Price: $4.99 a week, charged on ${endDay}, then every week until you cancel.`);
  await expect(resume).toContainText(`Your 200 Starter credits left stay until ${endDay}, when 200 new ones come.`);
  await page.screenshot({ path: screenshotPath('39-plan-resume-terms') });
  await resume.getByRole('button', { name: 'Confirm' }).click();

  await expect(card.getByRole('status')).toContainText(`Starter (weekly) stays, and renews on ${endDay}.`);
  await expect(card).toContainText('Renews on');
  await expect(card.getByRole('button', { name: 'Cancel plan' })).toBeVisible();
  await expect(card.getByRole('button', { name: 'Resume plan' })).toHaveCount(0);
  await expect.poll(() => nextRenewal(page)).toMatch(/, in (6 days 23 h|7 days)$/);
});
