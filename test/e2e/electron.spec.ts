// The real Electron app, where an Electron binary exists: reported as skipped (not passed) where none does.
import { _electron as electron, expect, test } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, screenshotPath } from './app-process';

async function binary(): Promise<string | null> {
  const { electronBinary, hasDisplay } = (await import(path.join(ROOT, 'scripts/electron-binary.mjs'))) as { electronBinary(): string | null; hasDisplay(): boolean };
  return hasDisplay() ? electronBinary() : null;
}

test('the Electron window shows the balance bar from the embedded server', async () => {
  const exe = await binary();
  test.skip(!exe, 'no Electron binary (or no display) on this machine: run where one can be had');
  const app = await electron.launch({ executablePath: exe!, args: [ROOT], env: { ...process.env, CREDITS_USER_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'credits-electron-')) } });
  try {
    const page = await app.firstWindow();
    await expect(page.getByRole('region', { name: 'Balance' }).getByTestId('available-credits')).not.toHaveText('—', { timeout: 30_000 });
    const isolated = await page.evaluate(() => {
      const w = globalThis as unknown as { require?: unknown; credits?: { getWalletView?: unknown } };
      return typeof w.require === 'undefined' && typeof w.credits?.getWalletView === 'function';
    });
    expect(isolated).toBe(true);
    await page.screenshot({ path: screenshotPath('electron-window') });
  } finally {
    await app.close();
  }
});
