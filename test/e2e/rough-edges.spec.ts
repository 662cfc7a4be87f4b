// End to end in Chromium, the rough edges of defect 10: focus after a run, History's empty filter, whole prompts, named training cancels, a Plan line's numbers.
import { expect, test, type Locator, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { adminCli, startApp, startServer, tempDir, type Proc } from './app-process';
import { png } from './png';

test.describe.configure({ mode: 'serial' });

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

const balance = (page: Page) => page.getByRole('region', { name: 'Balance' }).getByTestId('available-credits');

async function openApp(page: Page, name: string, args: string[] = []): Promise<void> {
  const app = await startApp(tempDir(name), args);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  await expect(page.getByLabel('Model')).toBeVisible({ timeout: 30_000 });
}

/** axe's serious and critical violations on the page as it stands (as accessibility.spec.ts counts them), one line per rule. */
async function axeProblems(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).options({ rules: { 'label-content-name-mismatch': { enabled: true } } }).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
}

/** Presses Tab (or Shift+Tab) until the target has the focus, at most `max` times. */
async function tabTo(page: Page, target: Locator, key: 'Tab' | 'Shift+Tab' = 'Tab', max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el: any) => el === el.ownerDocument.activeElement).catch(() => false)) break;
    await page.keyboard.press(key);
  }
  await expect(target, `reached by ${key} within ${max} presses`).toBeFocused();
}

test('a: by keyboard, the focus stays on Generate while a run goes and ends; leaving a run’s Cancel when it ends, it moves to that run’s card', async ({ page }) => {
  // runs take 4 s: long enough to Tab to a run's Cancel while it goes
  await openApp(page, 'edges-focus', ['--server-arg=--engine-latency-ms=4000']);
  await page.getByLabel('Model').selectOption('model:flux-schnell');
  await tabTo(page, page.getByLabel('Prompt'));
  await page.keyboard.type('a lighthouse on a cliff at dusk');
  const generate = page.getByRole('button', { name: 'Generate, up to 1 credit' });
  await tabTo(page, generate);
  await page.keyboard.press('Enter');
  const first = page.getByRole('listitem', { name: /FLUX.1 Schnell: Done/ });
  await expect(first).toHaveCount(1, { timeout: 20_000 });
  await expect(generate).toBeFocused();

  // the second run: Tab to its Cancel while it goes, and let it finish there
  await page.keyboard.press('Enter');
  const going = page.getByRole('listitem', { name: /FLUX.1 Schnell: (Queued|Running)/ });
  await expect(going).toHaveCount(1);
  await tabTo(page, going.getByRole('button', { name: /^Cancel/ }));
  const done = page.getByRole('listitem', { name: /FLUX.1 Schnell: Done/ });
  await expect(done).toHaveCount(2, { timeout: 20_000 });
  await expect(done.first()).toBeFocused();
  // and the keyboard goes on from there: Shift+Tab leads back to Generate
  await tabTo(page, generate, 'Shift+Tab', 5);
});

const LONG_PROMPT = `a lighthouse on a cliff at dusk, ${'waves breaking on black rocks below, gulls circling the lamp, '.repeat(8)}the last light orange on the clouds`;

test('b and c: a filter that matches nothing says so and clears; the whole prompt reads in the run card and the History row', async ({ page }) => {
  await openApp(page, 'edges-history');
  await page.getByLabel('Model').selectOption('model:flux-schnell');
  await page.getByLabel('Prompt').fill(LONG_PROMPT);
  await page.getByRole('button', { name: 'Generate, up to 1 credit' }).click();
  const card = page.getByRole('listitem', { name: /FLUX.1 Schnell: Done/ });
  await expect(card).toBeVisible({ timeout: 20_000 });

  // c, the run card: a long prompt shows its first lines, and the whole on demand, by keyboard
  const prompt = card.getByTestId('run-prompt');
  await expect(prompt).toHaveText(LONG_PROMPT);
  const cut = (l: Locator) => l.evaluate((el: any) => el.scrollHeight > el.clientHeight + 1);
  expect(await cut(prompt)).toBe(true);
  const more = card.getByRole('button', { name: 'Show the whole prompt' });
  await expect(more).toHaveAttribute('aria-expanded', 'false');
  await tabTo(page, more);
  await page.keyboard.press('Enter');
  await expect(card.getByRole('button', { name: 'Show less of the prompt' })).toHaveAttribute('aria-expanded', 'true');
  expect(await cut(prompt)).toBe(false);
  expect(await axeProblems(page)).toEqual([]);

  // b: a filter with no match
  await page.getByRole('link', { name: 'History', exact: true }).click();
  const list = page.getByRole('list', { name: 'History entries' });
  await expect(list.locator('.history-row').filter({ hasText: /FLUX.1 Schnell/ })).toHaveCount(1);
  const search = page.getByRole('searchbox', { name: 'Search prompts' });
  await search.fill('no such prompt anywhere');
  await expect(page.getByTestId('history-count')).toHaveText('No entries match the filter');
  const empty = page.getByTestId('history-empty');
  await expect(empty).toContainText('Nothing matches the filter');
  await expect(list).toHaveCount(0);
  expect(await axeProblems(page)).toEqual([]);
  const clear = empty.getByRole('button', { name: 'Clear the filter' });
  await tabTo(page, clear);
  await page.keyboard.press('Enter');
  await expect(search).toHaveValue('');
  await expect(search).toBeFocused();
  await expect(list.locator('.history-row').filter({ hasText: /FLUX.1 Schnell/ })).toHaveCount(1);
  await expect(page.getByTestId('history-count')).not.toHaveText('No entries match the filter');

  // c, History: the row's prompt is cut to one line; opened (Enter), it reads whole, as far as the ledger keeps it (200 characters)
  const row = list.locator('.history-row').filter({ hasText: /FLUX.1 Schnell/ }).getByRole('button').first();
  await tabTo(page, row);
  await page.keyboard.press('Enter');
  await expect(row).toHaveAttribute('aria-expanded', 'true');
  const details = list.getByRole('group', { name: 'About this run' });
  await expect(details.getByRole('definition')).toHaveText(LONG_PROMPT.slice(0, 200));
  await expect(details).toContainText('the first 200 characters');
  expect(await axeProblems(page)).toEqual([]);
});

test('d: each training job’s Cancel says which job it cancels', async ({ page }) => {
  const serverDir = tempDir('edges-training-server');
  const server = await startServer(serverDir);
  cleanup.push(server.proc);
  const account = adminCli(['create-account', '--data-dir', serverDir, '--name', 'Trainer', '--plan', 'pro']);
  adminCli(['grant', '--data-dir', serverDir, '--account', account.accountId, '--credits', '500', '--kind', 'pack']);
  const app = await startApp(tempDir('edges-training-app'), ['--server-url', server.url, '--token', account.token]);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await page.getByRole('link', { name: 'Training' }).click();
  await expect(page.getByTestId('training-allowance')).toHaveText(/^1 of 1 left this week/, { timeout: 30_000 });
  const jobs = page.getByRole('list', { name: 'Training jobs' });
  for (const [name, rgb] of [['my-dog', [200, 150, 10]], ['my-cat', [10, 150, 200]]] as const) {
    await page.getByLabel('Training images').setInputFiles([{ name: `${name}.png`, mimeType: 'image/png', buffer: png(8, 8, [...rgb]) }]);
    await page.getByLabel('Model name').fill(name);
    await page.getByRole('button', { name: 'Start training…' }).click();
    await page.getByRole('dialog', { name: 'Confirm training' }).getByRole('button', { name: 'Confirm' }).click();
    await expect(jobs.getByRole('listitem', { name })).toBeVisible();
  }
  await expect(jobs.getByRole('button', { name: /^Cancel/ })).toHaveCount(2);
  await expect(jobs.getByRole('listitem', { name: 'my-dog' }).getByRole('button', { name: /^Cancel/ })).toHaveAccessibleName('Cancel training “my-dog”');
  await expect(jobs.getByRole('listitem', { name: 'my-cat' }).getByRole('button', { name: /^Cancel/ })).toHaveAccessibleName('Cancel training “my-cat”');
  expect(await axeProblems(page)).toEqual([]);
  await page.getByRole('button', { name: 'Cancel training “my-cat”' }).click();
  await expect(page.getByRole('dialog', { name: 'Cancel training?' })).toContainText('“my-cat” stops');
});

test('f: a Plan line takes the seconds its model takes, in the Generate form’s range, and the planner prices them', async ({ page }) => {
  await openApp(page, 'edges-plan');
  await page.getByRole('link', { name: 'Plan', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Plan' })).toBeVisible();
  await page.getByLabel('Model of line 1').selectOption('seedance-1-lite');
  const seconds = page.getByRole('spinbutton', { name: 'Seconds of line 1' });
  await expect(seconds).toHaveValue('5');
  const costs = page.getByRole('table', { name: 'Plan costs' });
  const line = costs.getByRole('row', { name: /Seedance 1 Lite/ });
  await expect(line.getByRole('cell').nth(1)).toHaveText('49'); // 5 s at 9.8 credits a second
  await seconds.fill('8');
  await expect(line.getByRole('cell').nth(1)).toHaveText('78.4');
  await seconds.fill('12');
  await expect(seconds).toHaveAttribute('aria-invalid', 'true');
  await expect(seconds).toHaveAccessibleDescription('1 to 10 Must be between 1 and 10');
  await expect(line).toHaveCount(0); // left out until put right
  expect(await axeProblems(page)).toEqual([]);
  await seconds.fill('10');
  await expect(line.getByRole('cell').nth(1)).toHaveText('98');
  // an image model's line takes its images, within the plan's batch size (1 on Free)
  await page.getByLabel('Model of line 1').selectOption('flux-schnell');
  await expect(page.getByRole('spinbutton', { name: 'Images of line 1' })).toHaveAccessibleDescription('only 1 on your plan');
  await expect(page.getByRole('spinbutton', { name: 'Seconds of line 1' })).toHaveCount(0);
});
