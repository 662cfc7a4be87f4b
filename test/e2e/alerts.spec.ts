// End to end in Chromium: a creator turns on the spend-limit alert in Settings → Alerts (bad levels refused in words), sets a small daily
// spend limit, runs one image, and sees the alert in the app and as the page's system notification; a browser that refuses says so.
import { expect, test, type Page } from '@playwright/test';
import { screenshotPath, startApp, tempDir, type Proc } from './app-process';

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

const balance = (page: Page) => page.getByRole('region', { name: 'Balance' }).getByTestId('available-credits');

type Shown = { title: string; body: string; tag: string };
type Options = { body?: string; tag?: string };
type PageGlobals = { Notification: { new (title: string, options?: Options): object; permission: string; requestPermission(): Promise<string> }; __notifications: Shown[] };

/** Records each Notification the page makes (the browser shows it; the test reads what it was told to show); 'denied' plays a refusing browser. */
async function recordNotifications(page: Page, answer: 'real' | 'denied'): Promise<void> {
  await page.addInitScript((mode) => {
    const g = globalThis as unknown as PageGlobals;
    const Real = g.Notification;
    const shown: Shown[] = [];
    g.__notifications = shown;
    class Recorded extends Real {
      constructor(title: string, options?: Options) {
        super(title, options);
        shown.push({ title, body: options?.body ?? '', tag: options?.tag ?? '' });
      }
    }
    Object.defineProperty(Recorded, 'permission', { get: () => (mode === 'denied' ? 'denied' : Real.permission) });
    Object.defineProperty(Recorded, 'requestPermission', { value: () => (mode === 'denied' ? Promise.resolve('denied') : Real.requestPermission()) });
    Object.defineProperty(g, 'Notification', { value: Recorded, configurable: true, writable: true });
  }, answer);
}

const notificationsOf = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobals).__notifications);

test.describe('with notifications allowed', () => {
  test.use({ permissions: ['notifications'] });

  test('turn on the spend-limit alert, set a small daily limit, run one image: the alert shows in the app and as a notification', async ({ page }) => {
    await recordNotifications(page, 'real');
    const app = await startApp(tempDir('alerts'));
    cleanup.push(app.proc);
    await page.goto(app.launchUrl);
    await expect(balance(page)).toHaveText('60', { timeout: 30_000 });

    await page.getByRole('link', { name: 'Settings' }).click();
    const alerts = page.getByTestId('alerts');
    const toggle = alerts.getByRole('checkbox', { name: 'A spend limit nearly used' });
    await expect(toggle).not.toBeChecked(); // off until the user turns it on
    await expect(alerts.getByLabel('Alert at (% of the limit)')).toHaveValue('80');
    await expect(alerts.getByLabel('Days before they expire')).toHaveValue('3');
    await toggle.check();
    await alerts.getByLabel('Alert at (% of the limit)').fill('150');
    await alerts.getByRole('button', { name: 'Apply alerts' }).click();
    await expect(alerts.getByRole('alert')).toHaveText('The spend-limit alert level must be a whole percentage from 1 to 100.');
    await alerts.getByLabel('Alert at (% of the limit)').fill('80');
    await alerts.getByLabel('Days before they expire').fill('31');
    await alerts.getByRole('button', { name: 'Apply alerts' }).click();
    await expect(alerts.getByRole('alert')).toHaveText('The days before expiry must be a whole number from 1 to 30.');
    await alerts.getByLabel('Days before they expire').fill('3');
    await alerts.getByRole('button', { name: 'Apply alerts' }).click();
    await expect(alerts.getByRole('status')).toHaveText('Alerts saved.');
    await expect(alerts.getByTestId('notification-permission')).toHaveCount(0); // allowed: nothing to say
    await alerts.screenshot({ path: screenshotPath('43-settings-alerts') });

    const limits = page.getByTestId('spend-limits');
    await limits.getByRole('button', { name: 'Add a limit' }).click();
    await limits.getByLabel('Window').selectOption({ label: 'Each day' });
    await limits.getByLabel('at most (credits)').fill('1.2');
    await limits.getByRole('button', { name: 'Apply spend limits' }).click();
    await expect(limits.getByRole('status')).toHaveText('Spend limits applied: the credits server keeps them and checks every run against them.');

    await page.getByRole('link', { name: 'Generate' }).click();
    await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
    await page.getByLabel('Prompt').fill('a lighthouse near the limit');
    await page.getByRole('button', { name: 'Generate, up to 1 credit' }).click();
    await expect(page.getByRole('listitem', { name: /FLUX.1 Schnell: Done/ })).toBeVisible({ timeout: 20_000 });

    const banner = page.getByRole('alert', { name: 'Spend limit alert' });
    await expect(banner.locator('span')).toHaveText(/^Spend limit: 83% of your daily spend limit of 1\.2 credits is used \(1 credit spent and held\); it resets \d{4}-\d\d-\d\d 00:00 UTC\. Spend limits$/);
    const body = /^83% of your daily spend limit of 1\.2 credits is used \(1 credit spent and held\); it resets \d{4}-\d\d-\d\d 00:00 UTC\.$/;
    await expect.poll(() => notificationsOf(page)).toEqual([{ title: 'Spend limit alert', body: expect.stringMatching(body), tag: expect.stringMatching(/^spend_limit:user\|day\|all\|1200:\d+$/) }]);
    await expect(balance(page)).toHaveText('59');
    await page.screenshot({ path: screenshotPath('42-spend-limit-alert') });
  });
});

test('a browser that refuses notifications is told apart: the alerts show in the app only, and Settings says so', async ({ page }) => {
  await recordNotifications(page, 'denied');
  const app = await startApp(tempDir('alerts-denied'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  await page.getByRole('link', { name: 'Settings' }).click();
  const alerts = page.getByTestId('alerts');
  await alerts.getByRole('checkbox', { name: 'A spend limit nearly used' }).check();
  await expect(alerts.getByTestId('notification-permission')).toHaveText(/^Your browser refuses notifications for this page, so alerts show here in the app only\./);
  await alerts.getByRole('button', { name: 'Apply alerts' }).click();
  await expect(alerts.getByRole('status')).toHaveText('Alerts saved.');
  await alerts.screenshot({ path: screenshotPath('44-settings-alerts-refused') });
});
