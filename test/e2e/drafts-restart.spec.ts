// End to end in Chromium: what the user typed (a Generate prompt, a Plan line) comes back after the app restarts on a new port, kept by main.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startApp, tempDir, type Proc } from './app-process';

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

/** what the page's own storage and address are, in the page (the test's types have no DOM) */
interface PageGlobals {
  location: { origin: string };
  localStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
  sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
}

/** main's store file (conf, electron-store's format): what main has kept, read as the text on disk */
const mainStore = (dataDir: string) => {
  try {
    return readFileSync(path.join(dataDir, 'wallet-cache.json'), 'utf8');
  } catch {
    return '';
  }
};

const PROMPT = 'a lighthouse at dawn, kept across restarts';
const LINE = 'twelve storyboard frames';

async function openGenerate(page: Page, url: string) {
  await page.goto(url);
  await expect(page.getByRole('heading', { name: 'Generate' })).toBeVisible();
  await expect(page.getByLabel('Prompt', { exact: true })).toBeVisible({ timeout: 30_000 });
}

test('a Generate prompt and a Plan line survive stopping the app and starting it again on a new port', async ({ page, browser }) => {
  const dataDir = tempDir('drafts');
  const first = await startApp(dataDir);
  cleanup.push(first.proc);
  await openGenerate(page, first.launchUrl);
  await page.getByLabel('Prompt', { exact: true }).fill(PROMPT);
  await page.getByRole('link', { name: 'Plan' }).click();
  await page.getByLabel('Prompt of line 1').fill(LINE);
  await page.getByLabel('How many of line 1').fill('12');
  // main has both once the page's (debounced) saves reach it
  await expect.poll(() => mainStore(dataDir), { timeout: 10_000 }).toContain(PROMPT);
  await expect.poll(() => mainStore(dataDir), { timeout: 10_000 }).toContain(LINE);
  await first.proc.stop();
  cleanup = [];

  const second = await startApp(dataDir);
  cleanup.push(second.proc);
  expect(new URL(second.launchUrl).origin).not.toBe(new URL(first.launchUrl).origin); // a new port: the page's storage is new
  const page2 = await browser.newPage();
  await openGenerate(page2, second.launchUrl);
  await expect(page2.getByLabel('Prompt', { exact: true })).toHaveValue(PROMPT);
  await page2.getByRole('link', { name: 'Plan' }).click();
  await expect(page2.getByLabel('Prompt of line 1')).toHaveValue(LINE);
  await expect(page2.getByLabel('How many of line 1')).toHaveValue('12');
  await page2.close();
});

test('drafts and plan lines the page kept in its own storage move to main once, when main has none', async ({ page }) => {
  const dataDir = tempDir('drafts-migrate');
  const app = await startApp(dataDir);
  cleanup.push(app.proc);
  const origin = new URL(app.launchUrl).origin;
  // what an earlier version left in this origin's localStorage (as Electron's fixed origin keeps it)
  await page.addInitScript(
    ({ origin, prompt, line }) => {
      const { location, localStorage, sessionStorage } = globalThis as unknown as PageGlobals;
      if (location.origin !== origin || sessionStorage.getItem('seeded')) return;
      sessionStorage.setItem('seeded', '1');
      const form = { target: 'model:flux-schnell', prompt, count: 1, resolutionId: '', modeId: '', seconds: 5, maxOutputTokens: 1000, trainingImages: 10 };
      localStorage.setItem('credits.generateDrafts', JSON.stringify({ drafts: [form] }));
      localStorage.setItem('credits-desk.plan.v1', JSON.stringify({ lines: [{ id: 'line-old', modelId: 'flux-schnell', prompt: line, count: 7, perDay: 0 }], horizonDays: 30 }));
    },
    { origin, prompt: PROMPT, line: LINE },
  );
  await openGenerate(page, app.launchUrl);
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue(PROMPT);
  await expect.poll(() => mainStore(dataDir), { timeout: 10_000 }).toContain(PROMPT);
  await page.getByRole('link', { name: 'Plan' }).click();
  await expect(page.getByLabel('Prompt of line 1')).toHaveValue(LINE);
  await expect.poll(() => mainStore(dataDir), { timeout: 10_000 }).toContain(LINE);
  // taken once: the page's own copies are gone, main's are the ones kept
  const left = await page.evaluate(() => {
    const { localStorage } = globalThis as unknown as PageGlobals;
    return [localStorage.getItem('credits.generateDrafts'), localStorage.getItem('credits-desk.plan.v1')];
  });
  expect(left).toEqual([null, null]);
});
