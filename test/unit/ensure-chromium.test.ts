// How `npm test` gets its Chromium (scripts/ensure-chromium.mjs): the order it tries things in and the one command it names, with every probe faked.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { APT_INSTALL, chromiumCandidates, ensureChromium, PLAYWRIGHT_INSTALL } from '../../scripts/ensure-chromium.mjs';

interface World {
  /** what find() answers, one answer per call (the last repeats) */
  finds: (string | null)[];
  playwright?: { ok: boolean; detail: string };
  apt?: { ok: boolean; detail: string };
  root?: boolean;
  aptGet?: boolean;
}

function run(w: World) {
  const calls: string[] = [];
  const finds = [...w.finds];
  const probes = {
    find: () => {
      calls.push('find');
      return finds.length > 1 ? finds.shift()! : finds[0]!;
    },
    playwrightInstall: () => (calls.push('playwright'), w.playwright ?? { ok: false, detail: 'getaddrinfo ENOTFOUND cdn.playwright.dev' }),
    aptInstall: () => (calls.push('apt'), w.apt ?? { ok: false, detail: 'E: Unable to locate package chromium' }),
    isRoot: () => w.root ?? false,
    hasAptGet: () => w.aptGet ?? false,
    log: () => undefined,
  };
  return { result: ensureChromium(probes) as { ok: boolean; path?: string; via?: string; message?: string }, calls };
}

describe('getting a Chromium for the end-to-end tests', () => {
  it('uses one that is already there and installs nothing', () => {
    const { result, calls } = run({ finds: ['/usr/bin/chromium'], root: true, aptGet: true });
    expect(result).toEqual({ ok: true, path: '/usr/bin/chromium', via: 'found' });
    expect(calls).toEqual(['find']);
  });

  it("tries Playwright's download first, and stops there when it worked", () => {
    const { result, calls } = run({ finds: [null, '/pw/chrome'], playwright: { ok: true, detail: '' }, root: true, aptGet: true });
    expect(result).toEqual({ ok: true, path: '/pw/chrome', via: 'playwright' });
    expect(calls).toEqual(['find', 'playwright', 'find']);
  });

  it("falls back to Debian's chromium when the download cannot be reached, as root where apt-get is", () => {
    const { result, calls } = run({ finds: [null, '/usr/bin/chromium'], apt: { ok: true, detail: '' }, root: true, aptGet: true });
    expect(result).toEqual({ ok: true, path: '/usr/bin/chromium', via: 'apt' });
    expect(calls).toEqual(['find', 'playwright', 'apt', 'find']);
  });

  it('does not run apt-get without root: it names the command with sudo', () => {
    const { result, calls } = run({ finds: [null], root: false, aptGet: true });
    expect(calls).toEqual(['find', 'playwright']);
    expect(result.ok).toBe(false);
    expect(result.message).toContain(`${PLAYWRIGHT_INSTALL}: getaddrinfo ENOTFOUND cdn.playwright.dev`);
    expect(result.message).toContain(`${APT_INSTALL}: not tried (not running as root)`);
    expect(result.message!.split('\n').at(-1)).toBe(`Install one with: sudo ${APT_INSTALL}`);
  });

  it("without apt-get (not Debian) it names Playwright's download, the one way there", () => {
    const { result, calls } = run({ finds: [null], root: true, aptGet: false });
    expect(calls).toEqual(['find', 'playwright']);
    expect(result.message).toContain(`${APT_INSTALL}: not tried (no apt-get on this machine)`);
    expect(result.message!.split('\n').at(-1)).toBe(`Install one with: ${PLAYWRIGHT_INSTALL}`);
  });

  it('when both were tried and failed, it says why each failed and names apt-get', () => {
    const { result, calls } = run({ finds: [null], root: true, aptGet: true, apt: { ok: false, detail: 'apt-get update: Temporary failure resolving deb.debian.org' } });
    expect(calls).toEqual(['find', 'playwright', 'apt']);
    expect(result.message!.split('\n')).toEqual([
      'No Chromium for the end-to-end tests, and none could be installed:',
      `  ${PLAYWRIGHT_INSTALL}: getaddrinfo ENOTFOUND cdn.playwright.dev`,
      `  ${APT_INSTALL}: apt-get update: Temporary failure resolving deb.debian.org`,
      `Install one with: ${APT_INSTALL}`,
    ]);
  });

  it('an install that reports success but leaves no Chromium where the tests look goes on to the next way', () => {
    const { result, calls } = run({ finds: [null, null, '/usr/bin/chromium'], playwright: { ok: true, detail: '' }, apt: { ok: true, detail: '' }, root: true, aptGet: true });
    expect(result).toEqual({ ok: true, path: '/usr/bin/chromium', via: 'apt' });
    expect(calls).toEqual(['find', 'playwright', 'find', 'apt', 'find']);
  });

  it('looks where test/e2e/chromium.ts looks, in the same order', () => {
    expect(chromiumCandidates('/pw/chrome')).toEqual(['/pw/chrome', '/usr/bin/chromium', '/usr/bin/chromium-browser']);
    expect(chromiumCandidates(null)).toEqual(['/usr/bin/chromium', '/usr/bin/chromium-browser']);
  });
});
