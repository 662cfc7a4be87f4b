// End to end in Chromium: the estimate follows each keystroke from the page's own pre-flight while main cannot answer at all (its process stopped), and main's answer agrees once it can.
import { expect, test } from '@playwright/test';
import { startApp, tempDir, type Proc } from './app-process';

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

test('a keystroke updates the estimate before main answers; main, stopped meanwhile, then says the same', async ({ page }) => {
  const app = await startApp(tempDir('gen-instant'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(page.getByRole('region', { name: 'Balance' }).getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
  await page.getByLabel('Model').selectOption({ label: 'Veo 3 — 840 / second (2 a day on Free)' });
  await page.getByLabel('Prompt').fill('a storm');
  const seconds = page.getByLabel('Seconds');
  await seconds.fill('5');
  const estimate = page.getByTestId('estimate-range');
  const refusal = page.getByRole('alert');
  await expect(estimate).toHaveText('4,200 credits');
  await expect(refusal).toHaveText(/^This run can cost up to 4,200 credits; you have 60 credits available\. Buy /);

  const pid = app.proc.child.pid!;
  process.kill(pid, 'SIGSTOP'); // main (browser mode's host) answers nothing from here on
  try {
    await seconds.focus();
    await page.keyboard.press('ArrowUp');
    await expect(seconds).toHaveValue('6');
    // well within main's heartbeat and the bridge's patience: nothing but the page itself can have priced this
    await expect(estimate).toHaveText('5,040 credits', { timeout: 1_000 });
    await expect(refusal).toHaveText(/^This run can cost up to 5,040 credits; you have 60 credits available\. Buy /);
    await expect(page.getByRole('button', { name: 'Generate, up to 5,040 credits' })).toBeDisabled();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  // main answers the same request now; its answer replaces the page's own, and they agree
  await page.waitForTimeout(1_000);
  await expect(estimate).toHaveText('5,040 credits');
  await expect(refusal).toHaveText(/^This run can cost up to 5,040 credits; you have 60 credits available\. Buy /);
});
