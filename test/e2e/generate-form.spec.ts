// End to end in Chromium: the Generate form's number fields clear and retype as typed, models outside the plan show their price and plans, each model keeps its own draft.
import { expect, test, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { screenshotPath, startApp, tempDir, type Proc } from './app-process';

test.describe.configure({ mode: 'serial' });

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

const balance = (page: Page) => page.getByRole('region', { name: 'Balance' }).getByTestId('available-credits');

async function openGenerate(page: Page, name: string): Promise<void> {
  const app = await startApp(tempDir(name));
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  await expect(balance(page)).toHaveText('60', { timeout: 30_000 });
  await expect(page.getByLabel('Model')).toBeVisible({ timeout: 30_000 });
}

/** axe's serious and critical violations on the page as it stands, in light and dark (as test/e2e/accessibility.spec.ts counts them). */
async function axeProblems(page: Page): Promise<string[]> {
  const problems: string[] = [];
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    const result = await new AxeBuilder({ page }).options({ rules: { 'label-content-name-mismatch': { enabled: true } } }).analyze();
    for (const v of result.violations) if (v.impact === 'serious' || v.impact === 'critical') problems.push(`${theme}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  }
  return problems;
}

/** Selects the whole field and deletes it, as a user does with Ctrl+A and Backspace. */
async function clearByKeys(page: Page, field: ReturnType<Page['getByLabel']>): Promise<void> {
  await field.focus();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Backspace');
}

test('a number field clears and retypes as typed, says its range, and estimates nothing while empty or out of range', async ({ page }) => {
  await openGenerate(page, 'gen-numbers');
  await page.getByLabel('Model').selectOption({ label: 'Veo 3 — 840 / second (2 a day on Free)' });
  await page.getByLabel('Prompt').fill('a storm');
  const seconds = page.getByLabel('Seconds');
  await expect(seconds).toHaveValue('5');
  await expect(page.getByTestId('estimate-range')).toHaveText('4,200 credits');

  await clearByKeys(page, seconds);
  await expect(seconds).toHaveValue('');
  await expect(seconds).toHaveAccessibleDescription('1 to 10 Enter a number between 1 and 10');
  await expect(page.getByTestId('estimate-blocked')).toHaveText('No estimate: Seconds must be between 1 and 10.');
  await expect(page.getByTestId('estimate-range')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeDisabled();

  await page.keyboard.type('4');
  await expect(seconds).toHaveValue('4');
  await expect(page.getByTestId('estimate-range')).toHaveText('3,360 credits');

  await page.keyboard.type('4');
  await expect(seconds).toHaveValue('44'); // as typed, never capped
  await expect(seconds).toHaveAttribute('aria-invalid', 'true');
  await expect(seconds).toHaveAccessibleDescription('1 to 10 Must be between 1 and 10');
  await expect(page.getByTestId('estimate-blocked')).toHaveText('No estimate: Seconds must be between 1 and 10.');
  await expect(page.getByTestId('estimate-range')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeDisabled();
  expect(await axeProblems(page)).toEqual([]);
  await page.screenshot({ path: screenshotPath('15-generate-number-out-of-range') });

  // Images behaves the same, within the plan's batch size (1 on Free)
  await page.getByLabel('Model').selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  await page.getByLabel('Prompt').fill('a lighthouse');
  const images = page.getByLabel('Images');
  await expect(images).toHaveAccessibleDescription('only 1 on your plan');
  await expect(page.getByTestId('estimate-range')).toHaveText('1 credit');
  await clearByKeys(page, images);
  await expect(images).toHaveValue('');
  await expect(page.getByTestId('estimate-blocked')).toHaveText('No estimate: Images must be 1 on your plan.');
  await page.keyboard.type('4');
  await expect(images).toHaveValue('4');
  await expect(images).toHaveAccessibleDescription('only 1 on your plan Must be 1 on your plan');
  await expect(page.getByTestId('estimate-range')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeDisabled();
  await page.keyboard.press('Backspace');
  await page.keyboard.type('1');
  await expect(page.getByRole('button', { name: 'Generate, up to 1 credit' })).toBeEnabled();
});

test('a model the plan does not include shows its price and the plans that do, and its estimate, with Generate disabled', async ({ page }) => {
  await openGenerate(page, 'gen-not-in-plan');
  const gpt = page.getByRole('option', { name: 'GPT-4o — 7 / 5K tokens (not in Free; in Starter, Pro, Ultra, Max)', exact: true });
  await expect(gpt).toBeEnabled();
  await expect(page.getByRole('option', { name: /^Bark — .+ \/ use \(not in Free; in Starter, Pro, Ultra, Max\)$/ })).toBeEnabled();

  await page.getByLabel('Model').selectOption({ label: 'GPT-4o — 7 / 5K tokens (not in Free; in Starter, Pro, Ultra, Max)' });
  await page.getByLabel('Prompt').fill('a haiku about tea');
  await expect(page.getByTestId('estimate-range')).toHaveText('7 credits');
  const refusal = page.getByRole('alert');
  await expect(refusal).toHaveText('GPT-4o is not included in the Free plan. Starter, Pro, Ultra and Max include it: change plan in the Store.');
  await expect(refusal).toHaveAttribute('data-code', 'model_not_in_plan');
  await expect(page.getByRole('button', { name: 'Generate, up to 7 credits' })).toBeDisabled();
  await expect(refusal.getByRole('link', { name: 'change plan in the Store' })).toHaveAttribute('href', '#store');
  expect(await axeProblems(page)).toEqual([]);
  await page.screenshot({ path: screenshotPath('16-generate-model-not-in-plan') });

  // its number field follows the catalog's limits too
  const tokens = page.getByLabel('Maximum output tokens');
  await clearByKeys(page, tokens);
  await page.keyboard.type('9000');
  await expect(tokens).toHaveValue('9000');
  await expect(page.getByTestId('estimate-blocked')).toHaveText('No estimate: Maximum output tokens must be between 1 and 8,000.');
});

test('each model keeps its own draft: a model without one starts empty, and switching back restores the first', async ({ page }) => {
  await openGenerate(page, 'gen-drafts');
  const model = page.getByLabel('Model');
  const prompt = page.getByLabel('Prompt');
  await model.selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  await prompt.fill('a cat [fail]');

  await model.selectOption({ label: 'Veo 3 — 840 / second (2 a day on Free)' });
  await expect(model).toHaveValue('model:veo-3');
  await expect(prompt).toHaveValue('');
  await expect(page.getByLabel('Seconds')).toHaveValue('5');
  await prompt.fill('a storm at sea');

  await model.selectOption({ label: 'FLUX.1 Schnell — 1 / image' });
  await expect(prompt).toHaveValue('a cat [fail]');
  await model.selectOption({ label: 'Veo 3 — 840 / second (2 a day on Free)' });
  await expect(prompt).toHaveValue('a storm at sea');
});
