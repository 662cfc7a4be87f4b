// Finds a Chromium for the end-to-end tests: Playwright's own if installed, else Debian's (where scripts/ensure-chromium.mjs looks too); fails naming the command that gets one.
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
/** gets one as `npm test` does: Playwright's download, else Debian's chromium (as root), else names the command for this machine */
export const INSTALL_HINT = 'node scripts/ensure-chromium.mjs';

export function chromiumExecutable(): string {
  const candidates: string[] = [];
  try {
    candidates.push(chromium.executablePath());
  } catch {
    // no Playwright-managed browser
  }
  candidates.push('/usr/bin/chromium', '/usr/bin/chromium-browser');
  const found = candidates.find((p) => p && existsSync(p));
  if (!found) throw new Error(`No Chromium found for the end-to-end tests. Get one with: ${INSTALL_HINT}`);
  return found;
}
