// Gets a Chromium for the end-to-end tests before `npm test` runs them: one already here, else Playwright's download, else Debian's package (as root); else fails naming the one command to run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const PLAYWRIGHT_INSTALL = 'npx playwright install chromium';
export const APT_INSTALL = 'apt-get install -y chromium';
/** Playwright's download gives up on a host that sends nothing for this long (it cannot be reached; 5 tries: about 25 s at worst), instead of waiting on it */
export const PLAYWRIGHT_SOCKET_TIMEOUT_MS = 5_000;
/** and is stopped after this long, whatever it is doing */
export const PLAYWRIGHT_INSTALL_TIMEOUT_MS = 5 * 60_000;
export const APT_TIMEOUT_MS = 10 * 60_000;

/** Where test/e2e/chromium.ts looks, in its order: Playwright's own build, then Debian's. */
export function chromiumCandidates(playwrightPath) {
  return [playwrightPath, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
}

/**
 * The decision, every probe injected:
 *   find() → the path of a Chromium, or null; playwrightInstall() and aptInstall() → { ok, detail };
 *   isRoot(), hasAptGet() → boolean; log(line).
 * Returns { ok: true, path, via: 'found' | 'playwright' | 'apt' }, or { ok: false, message } naming what was tried and the one
 * command that would get a Chromium here.
 */
export function ensureChromium(probes) {
  const { find, playwrightInstall, aptInstall, isRoot, hasAptGet, log } = probes;
  const here = find();
  if (here) return { ok: true, path: here, via: 'found' };
  const tried = [];
  const attempt = (via, command, run) => {
    log(`No Chromium for the end-to-end tests: trying ${command}`);
    const r = run();
    const got = r.ok ? find() : null;
    if (got) return { ok: true, path: got, via };
    tried.push(`${command}: ${r.ok ? 'it finished, but no Chromium is where the tests look' : r.detail}`);
    return null;
  };
  const viaPlaywright = attempt('playwright', PLAYWRIGHT_INSTALL, playwrightInstall);
  if (viaPlaywright) return viaPlaywright;
  const apt = hasAptGet();
  const root = isRoot();
  if (apt && root) {
    const viaApt = attempt('apt', APT_INSTALL, aptInstall);
    if (viaApt) return viaApt;
  } else {
    tried.push(`${APT_INSTALL}: not tried (${apt ? 'not running as root' : 'no apt-get on this machine'})`);
  }
  const command = !apt ? PLAYWRIGHT_INSTALL : root ? APT_INSTALL : `sudo ${APT_INSTALL}`;
  return { ok: false, message: ['No Chromium for the end-to-end tests, and none could be installed:', ...tried.map((t) => `  ${t}`), `Install one with: ${command}`].join('\n') };
}

/** The last line of a failed command's output worth showing (its error), shortened. */
function lastError(r, timeoutMs) {
  if (r.error?.code === 'ETIMEDOUT') return `gave up after ${Math.round(timeoutMs / 1000)} s`;
  if (r.error) return r.error.message;
  const lines = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|timed out|Unable to locate|E: /.test(l)) ?? lines.at(-1) ?? `exit code ${r.status}`;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Playwright's own idea of where its Chromium is, when the package is installed. */
async function playwrightChromiumPath() {
  try {
    const { chromium } = await import('@playwright/test');
    return chromium.executablePath();
  } catch {
    return null;
  }
}

export async function realProbes(root = path.resolve(import.meta.dirname, '..')) {
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  const run = (cmd, args, env, timeoutMs) => spawnSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'] });
  // asked once: an install puts Playwright's Chromium where it said it would be
  const playwrightPath = await playwrightChromiumPath();
  return {
    find: () => chromiumCandidates(playwrightPath).find((p) => existsSync(p)) ?? null,
    playwrightInstall: () => {
      const env = { PLAYWRIGHT_DOWNLOAD_CONNECTION_TIMEOUT: process.env.PLAYWRIGHT_DOWNLOAD_CONNECTION_TIMEOUT ?? String(PLAYWRIGHT_SOCKET_TIMEOUT_MS) };
      const r = run(npx, ['playwright', 'install', 'chromium'], env, PLAYWRIGHT_INSTALL_TIMEOUT_MS);
      return { ok: r.status === 0, detail: lastError(r, PLAYWRIGHT_INSTALL_TIMEOUT_MS) };
    },
    aptInstall: () => {
      const env = { DEBIAN_FRONTEND: 'noninteractive' };
      const update = run('apt-get', ['update', '-qq'], env, APT_TIMEOUT_MS);
      if (update.status !== 0) return { ok: false, detail: `apt-get update: ${lastError(update, APT_TIMEOUT_MS)}` };
      const r = run('apt-get', ['install', '-y', '-qq', 'chromium'], env, APT_TIMEOUT_MS);
      return { ok: r.status === 0, detail: lastError(r, APT_TIMEOUT_MS) };
    },
    isRoot: () => process.getuid?.() === 0,
    hasAptGet: () => process.platform === 'linux' && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0,
    log: (line) => console.log(line),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = ensureChromium(await realProbes());
  if (r.ok) {
    console.log(r.via === 'found' ? `Chromium for the end-to-end tests: ${r.path}` : `Installed Chromium for the end-to-end tests (${r.via === 'apt' ? "Debian's chromium" : "Playwright's download"}): ${r.path}`);
  } else {
    console.error(r.message);
  }
  process.exit(r.ok ? 0 : 1);
}
