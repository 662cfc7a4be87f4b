// End to end with the server's test clock: the countdown follows server time, not the local clock, and the daily reset happens live.
import { expect, test } from '@playwright/test';
import path from 'node:path';
import { adminCli, screenshotPath, startApp, tempDir } from './app-process';

test('the daily reset at 00:00 UTC server time shows up live, with the countdown in server time', async ({ page }) => {
  const dataDir = tempDir('clock');
  // The server's clock is a minute before midnight UTC on 22 Nov 2026, whatever this machine's clock says.
  const app = await startApp(dataDir, ['--server-arg=--test-clock=2026-11-22T23:59:00Z']);
  try {
    await page.goto(app.launchUrl);
    const bar = page.getByRole('region', { name: 'Balance' });
    await expect(bar.getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
    await expect(bar.getByText(/Daily credits reset in/)).toHaveText(/reset in (59|[1-5]\d|\d) s|reset in 1 min 00 s/);
    await page.getByRole('link', { name: 'Wallet' }).click();
    await expect(page.getByRole('table')).toContainText('Daily free credits for 2026-11-22');

    adminCli(['clock', '--data-dir', path.join(dataDir, 'server'), '--advance', '2m']);
    await expect(page.getByRole('table')).toContainText('Daily free credits for 2026-11-23', { timeout: 5_000 });
    await expect(bar.getByTestId('available-credits')).toHaveText('60'); // yesterday's 10 expired, today's 10 arrived
    await expect(bar.getByText(/Daily credits reset in/)).toHaveText(/reset in 23 h 5\d min/);
    await page.screenshot({ path: screenshotPath('05-daily-reset-server-time') });
  } finally {
    await app.proc.stop();
  }
});
