// Electronegativity over main/ and the renderer page (offline): no finding without a written reason, and it does catch a bad window.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './built';

function check(args: string[] = []) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/check-electron.mjs'), '--json', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, report: JSON.parse(r.stdout.trim().split('\n').pop()!) };
}

describe('Electronegativity', () => {
  it('finds nothing unexplained in main/ and the renderer page', () => {
    const { status, report } = check();
    expect(report.unexplained).toEqual([]);
    expect(report.stale).toEqual([]);
    expect(report.errors.filter((e: { tolerable: boolean }) => !e.tolerable)).toEqual([]);
    expect(report.checks.atomic).toBeGreaterThanOrEqual(30);
    for (const f of report.findings) expect(f.reason.length).toBeGreaterThan(40);
    expect(status).toBe(0);
  });

  it('flags an insecure window, so a clean result means something', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'credits-bad-electron-'));
    writeFileSync(
      path.join(dir, 'bad.js'),
      "const { BrowserWindow } = require('electron');\nnew BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false, webSecurity: false } });\n",
    );
    const { status, report } = check(['--input', dir]);
    const ids = report.unexplained.map((f: { id: string }) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'WEB_SECURITY_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK', 'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK', 'CSP_GLOBAL_CHECK']));
    expect(status).toBe(1);
  });
});
