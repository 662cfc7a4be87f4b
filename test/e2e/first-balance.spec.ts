// End to end in Chromium: on opening the page the bar shows main's cached balance, dated and aged, before the live one replaces it.
import { expect, test } from '@playwright/test';
import { adminCli, startApp, startServer, tempDir, type Proc } from './app-process';

let cleanup: Proc[] = [];
test.afterEach(async () => {
  for (const p of cleanup.reverse()) await p.stop();
  cleanup = [];
});

interface Seen {
  atMs: number;
  amount: string;
  source: string | null;
  status: string;
}
/** the page's own globals (the test's types have no DOM) */
interface PageGlobals {
  __seen: Seen[];
  document: { querySelector(s: string): { textContent: string; getAttribute(n: string): string | null } | null };
  performance: { now(): number };
  MutationObserver: new (cb: () => void) => { observe(n: unknown, o: Record<string, boolean>): void };
}

test('the cached balance (dated, with its age) shows at first paint, then the live one replaces it', async ({ page }) => {
  const serverDir = tempDir('first-balance-server');
  const server = await startServer(serverDir);
  cleanup.push(server.proc);
  const port = new URL(server.url).port;
  const account = adminCli(['create-account', '--data-dir', serverDir, '--name', 'Ines', '--plan', 'free']);
  adminCli(['grant', '--data-dir', serverDir, '--account', account.accountId, '--credits', '200', '--kind', 'pack']);
  const appDir = tempDir('first-balance-app');
  const app = await startApp(appDir, ['--server-url', server.url, '--token', account.token]);
  cleanup.push(app.proc);
  await page.goto(app.launchUrl);
  const bar = page.getByRole('region', { name: 'Balance' });
  await expect(bar.getByTestId('available-credits')).toHaveText('260', { timeout: 30_000 });
  await expect(bar.getByRole('status')).toHaveText('Up to date');
  await app.proc.stop();

  // the live balance moves on while the app is closed, then the server stops: only the cached 260 can show at first
  adminCli(['grant', '--data-dir', serverDir, '--account', account.accountId, '--credits', '25', '--kind', 'bonus']);
  await server.proc.stop();
  const again = await startApp(appDir, ['--server-url', server.url]);
  cleanup.push(again.proc);

  const page2 = await page.context().newPage();
  // every state the bar passes through, from the first paint on, with its time since the page started loading
  await page2.addInitScript(() => {
    const w = globalThis as unknown as PageGlobals;
    w.__seen = [];
    const look = () => {
      const amount = w.document.querySelector('[data-testid=available-credits]');
      const status = w.document.querySelector('.balance-bar [role=status]');
      if (!amount || !status) return;
      const next = { atMs: Math.round(w.performance.now()), amount: amount.textContent, source: amount.getAttribute('data-source'), status: status.textContent };
      const last = w.__seen[w.__seen.length - 1];
      if (!last || last.amount !== next.amount || last.status !== next.status) w.__seen.push(next);
    };
    new w.MutationObserver(look).observe(w.document, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await page2.goto(again.launchUrl);
  const bar2 = page2.getByRole('region', { name: 'Balance' });
  await expect(bar2.getByTestId('available-credits')).toHaveText('260');
  await expect(bar2.getByTestId('available-credits')).toHaveAttribute('data-source', 'cache');
  await expect(bar2.getByRole('status')).toHaveText(/^(Connecting|Offline|Reconnecting), as of \d{1,2}:\d{2}\s?[AP]?M? \((just now|\d+ min ago)\)$/);

  // the server is back: the live balance replaces the cached one
  const back = await startServer(serverDir, ['--port', port]);
  cleanup.push(back.proc);
  await bar2.getByRole('button', { name: 'Refresh balance' }).click();
  await expect(bar2.getByTestId('available-credits')).toHaveText('285', { timeout: 30_000 });
  await expect(bar2.getByRole('status')).toHaveText('Up to date');
  await expect(bar2.getByTestId('available-credits')).toHaveAttribute('data-source', 'live');

  const seen = await page2.evaluate(() => (globalThis as unknown as PageGlobals).__seen);
  const numbers = seen.filter((s) => /\d/.test(s.amount));
  // the first number shown is the cached one, dated; the live one comes after it, never before
  expect(numbers[0]).toMatchObject({ amount: '260', source: 'cache', status: expect.stringMatching(/, as of .*\(/) });
  const firstLive = numbers.findIndex((s) => s.amount === '285');
  expect(firstLive).toBeGreaterThan(0);
  expect(numbers.slice(0, firstLive).every((s) => s.amount === '260' && s.status !== 'Up to date')).toBe(true);
  const timing = `page load → cached balance ${numbers[0]!.atMs} ms (then live at ${numbers[firstLive]!.atMs} ms, after the server came back)`;
  console.log(timing);
  test.info().annotations.push({ type: 'first balance', description: timing });
  await page2.close();
});
