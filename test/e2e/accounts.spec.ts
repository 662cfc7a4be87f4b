// End to end in Chromium: accounts — add a second real server's account from Settings, switch back and forth (balances and drafts apart), rename, sign out (kept, removed), the dark theme across a reload, and axe on each new state.
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { adminCli, screenshotPath, startApp, startServer, tempDir, type Proc } from './app-process';

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

const bar = (page: Page) => page.getByRole('region', { name: 'Balance' });
const FIRST_NAME = os.userInfo().username;

/** The serious and critical violations axe finds on the page as it stands (as test/e2e/accessibility.spec.ts runs it). */
async function axeProblems(page: Page, where: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).options({ rules: { 'label-content-name-mismatch': { enabled: true } } }).analyze();
  await page.screenshot({ path: screenshotPath(`accounts-${where.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`) });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: ${v.id} (${v.impact}): ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | ')}`);
}

/** A port nothing listens on: taken from the system, then let go. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function openAccounts(page: Page) {
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Accounts' })).toBeVisible();
}

const accountRow = (page: Page, name: string) => page.getByRole('list', { name: 'Accounts on this computer' }).getByRole('listitem', { name, exact: true });

async function fillAdd(page: Page, name: string, url: string, token: string) {
  const form = page.getByRole('form', { name: 'Add an account' });
  await form.getByLabel('Account name').fill(name);
  await form.getByLabel('Server address').fill(url);
  await form.getByLabel('Token').fill(token);
  await form.getByRole('button', { name: 'Add and switch' }).click();
  return form;
}

test('accounts: add a remote account, switch with balances and drafts apart, rename, sign out keeping or removing, dark theme; axe on each state', async ({ page }) => {
  test.setTimeout(240_000);
  const serverDir = tempDir('accounts-server');
  const server = await startServer(serverDir);
  cleanup.push(server.proc);
  const studio = adminCli(['create-account', '--data-dir', serverDir, '--name', 'Studio', '--plan', 'free']);
  adminCli(['grant', '--data-dir', serverDir, '--account', studio.accountId, '--credits', '40', '--kind', 'pack']);
  const appDir = tempDir('accounts-app');
  const app = await startApp(appDir);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(bar(page).getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
  await expect(bar(page).getByTestId('account-name')).toHaveText(FIRST_NAME);
  const problems: string[] = [];

  // Settings → Accounts: the one account, then two refused attempts whose words show and whose typing stays
  await openAccounts(page);
  await expect(accountRow(page, FIRST_NAME)).toContainText('Signed in');
  await expect(accountRow(page, FIRST_NAME)).toContainText('Active');
  problems.push(...(await axeProblems(page, 'Accounts section')));
  const form = await fillAdd(page, 'Studio', server.url, 'cdk_not_a_real_token_0000000');
  await expect(form.getByRole('alert')).toHaveText(`The server at ${server.url} refused this token. Check that it was copied whole, or ask the server's operator for a new one.`, { timeout: 20_000 });
  await expect(form.getByLabel('Account name')).toHaveValue('Studio');
  await expect(form.getByLabel('Token')).toHaveValue('cdk_not_a_real_token_0000000');
  problems.push(...(await axeProblems(page, 'Add form with an error')));
  const downUrl = `http://127.0.0.1:${await closedPort()}`;
  await fillAdd(page, 'Studio', downUrl, studio.token);
  await expect(form.getByRole('alert')).toHaveText(`Can't reach a credits server at ${downUrl} (ECONNREFUSED). Check the address and that the server is running.`, { timeout: 20_000 });
  await expect(page.getByRole('list', { name: 'Accounts on this computer' }).getByRole('listitem')).toHaveCount(1);

  // the real one: the app switches to it (the page reloads) and the bar shows its balance and name
  await fillAdd(page, 'Studio', server.url, studio.token);
  await expect(bar(page).getByTestId('account-name')).toHaveText('Studio', { timeout: 30_000 });
  await expect(bar(page).getByTestId('available-credits')).toHaveText('100', { timeout: 30_000 });
  await expect(bar(page).getByRole('status')).toHaveText('Up to date');

  // a Generate draft typed under Studio, kept by main for Studio only
  await page.getByRole('link', { name: 'Generate', exact: true }).click();
  const prompt = page.getByLabel('Prompt', { exact: true });
  await expect(prompt).toBeVisible({ timeout: 30_000 });
  await prompt.fill('a draft that belongs to Studio');

  // back to the first account: its own balance, and not Studio's draft
  await openAccounts(page);
  await accountRow(page, FIRST_NAME).getByRole('button', { name: `Switch to ${FIRST_NAME}` }).click();
  await expect(bar(page).getByTestId('account-name')).toHaveText(FIRST_NAME, { timeout: 30_000 });
  await expect(bar(page).getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
  await page.getByRole('link', { name: 'Generate', exact: true }).click();
  await expect(prompt).toBeVisible({ timeout: 30_000 });
  await expect(prompt).toHaveValue('');

  // and to Studio again: its balance and its draft
  await openAccounts(page);
  await accountRow(page, 'Studio').getByRole('button', { name: 'Switch to Studio' }).click();
  await expect(bar(page).getByTestId('account-name')).toHaveText('Studio', { timeout: 30_000 });
  await expect(bar(page).getByTestId('available-credits')).toHaveText('100', { timeout: 30_000 });
  await page.getByRole('link', { name: 'Generate', exact: true }).click();
  await expect(prompt).toHaveValue('a draft that belongs to Studio', { timeout: 30_000 });

  // rename: the list and the bar say the new name
  await openAccounts(page);
  await accountRow(page, 'Studio').getByRole('button', { name: 'Rename Studio' }).click();
  await page.getByLabel('New name for Studio').fill('Studio B');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(accountRow(page, 'Studio B')).toBeVisible();
  await expect(bar(page).getByTestId('account-name')).toHaveText('Studio B');
  const studioId = await accountRow(page, 'Studio B').getAttribute('data-account-id');
  expect(studioId).toMatch(/^a-[0-9a-f]{8}$/);
  const studioDir = path.join(appDir, 'accounts', studioId!);
  expect(existsSync(path.join(studioDir, 'account-token'))).toBe(true);

  // sign out, keeping: the app stays on it, signed out, with its cached balance dated; the token file is gone
  await accountRow(page, 'Studio B').getByRole('button', { name: 'Sign out of Studio B' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign out of Studio B?' });
  await expect(dialog.getByLabel("Keep this account's history and balance on this computer")).toBeChecked();
  problems.push(...(await axeProblems(page, 'Sign-out dialog')));
  await dialog.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(bar(page).getByRole('status')).toHaveText(/^Signed out, as of \d{1,2}:\d{2}\s?[AP]?M? \((just now|\d+ min ago)\)$/, { timeout: 30_000 });
  await expect(bar(page).getByTestId('available-credits')).toHaveText('100');
  await expect(bar(page).getByTestId('available-credits')).toHaveAttribute('data-source', 'cache');
  expect(existsSync(path.join(studioDir, 'account-token'))).toBe(false);
  await openAccounts(page);
  await expect(accountRow(page, 'Studio B')).toContainText('Signed out');
  problems.push(...(await axeProblems(page, 'Accounts section signed out')));

  // sign in again with the token: live again
  await accountRow(page, 'Studio B').getByRole('button', { name: 'Sign in to Studio B' }).click();
  await page.getByLabel('Token for Studio B').fill(studio.token);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(bar(page).getByRole('status')).toHaveText('Up to date', { timeout: 30_000 });
  await expect(bar(page).getByTestId('available-credits')).toHaveAttribute('data-source', 'live');

  // sign out, removing everything: back on the first account; Studio B is gone from the list and its folder from the disk
  await openAccounts(page);
  await accountRow(page, 'Studio B').getByRole('button', { name: 'Sign out of Studio B' }).click();
  await page.getByRole('dialog', { name: 'Sign out of Studio B?' }).getByLabel('Remove everything for this account').check();
  await page.getByRole('dialog', { name: 'Sign out of Studio B?' }).getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(bar(page).getByTestId('account-name')).toHaveText(FIRST_NAME, { timeout: 30_000 });
  await expect(bar(page).getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
  await openAccounts(page);
  await expect(page.getByRole('list', { name: 'Accounts on this computer' }).getByRole('listitem')).toHaveCount(1);
  expect(existsSync(studioDir)).toBe(false);

  // the dark theme: at once, and again from the first paint after a reload
  await page.getByRole('radio', { name: 'Dark' }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const background = () => page.evaluate(() => (globalThis as any).getComputedStyle((globalThis as any).document.body.parentElement).backgroundColor as string);
  expect(await background()).toBe('rgb(21, 23, 28)');
  await page.reload();
  await expect(bar(page).getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await background()).toBe('rgb(21, 23, 28)');
  await openAccounts(page);
  await expect(page.getByRole('radio', { name: 'Dark' })).toBeChecked();
  problems.push(...(await axeProblems(page, 'Accounts section dark')));
  await accountRow(page, FIRST_NAME).getByRole('button', { name: `Sign out of ${FIRST_NAME}` }).click();
  await expect(page.getByRole('dialog', { name: `Sign out of ${FIRST_NAME}?` }).getByLabel('Remove everything for this account')).toBeDisabled();
  problems.push(...(await axeProblems(page, 'Sign-out dialog dark')));
  await page.keyboard.press('Escape');
  expect(problems, problems.join('\n')).toEqual([]);
});

test('the theme is painted before the first render: a dark page never shows light first', async ({ page }) => {
  const app = await startApp(tempDir('accounts-theme'));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(bar(page).getByTestId('available-credits')).toHaveText('60', { timeout: 30_000 });
  await openAccounts(page);
  await page.getByRole('radio', { name: 'Dark' }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  // from the first time the shell is in the page, the theme is already on <html>
  await page.addInitScript(() => {
    const w = globalThis as any;
    w.__themeAtShell = null;
    new w.MutationObserver(() => {
      if (w.__themeAtShell === null && w.document.querySelector('.shell')) w.__themeAtShell = w.document.documentElement.dataset.theme ?? '';
    }).observe(w.document, { subtree: true, childList: true });
  });
  await page.reload();
  await expect(bar(page)).toBeVisible();
  expect(await page.evaluate(() => (globalThis as any).__themeAtShell)).toBe('dark');
});
