// Electron hardening, tested in plain Node against fakes: IPC sender check, permissions, external links, navigation, window options, CSP.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserWindowConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import {
  createMainWindow, externalAllowList, hardenSession, hardenWebContents, isAllowedExternalUrl, isAllowedSender, openExternalIfAllowed, parseCheckoutOrigins,
  permissionDecision, type ContentsLike, type FrameLike, type SessionLike,
} from '../../main/security';
import { ROOT } from './built';

const top = (url: string): FrameLike => ({ url, parent: null });
const child = (url: string, parent: FrameLike): FrameLike => ({ url, parent });

describe('isAllowedSender', () => {
  const fileApp = 'file:///opt/Credits%20Desk/resources/app.asar/out/renderer/index.html';
  const devApp = 'http://localhost:5173/';

  it('accepts the top frame at the exact index file, whatever its hash route', () => {
    expect(isAllowedSender(top(fileApp), fileApp)).toBe(true);
    expect(isAllowedSender(top(`${fileApp}#history`), fileApp)).toBe(true);
  });

  it.each([
    ['another file: page', 'file:///tmp/evil.html'],
    ['a sibling file in the app', 'file:///opt/Credits%20Desk/resources/app.asar/out/renderer/other.html'],
    ['the index with a query', `${fileApp}?x=1`],
    ['a file: URL on a host', 'file://evil.example/opt/Credits%20Desk/resources/app.asar/out/renderer/index.html'],
    ['a web page', 'https://evil.example/'],
    ['about:blank', 'about:blank'],
    ['garbage', 'not a url'],
  ])('refuses %s', (_what, url) => {
    expect(isAllowedSender(top(url), fileApp)).toBe(false);
  });

  it('refuses subframes, even at the app URL, and missing frames', () => {
    expect(isAllowedSender(child(fileApp, top(fileApp)), fileApp)).toBe(false);
    expect(isAllowedSender(null, fileApp)).toBe(false);
    expect(isAllowedSender(undefined, fileApp)).toBe(false);
  });

  it('accepts the dev server by exact origin only', () => {
    expect(isAllowedSender(top('http://localhost:5173/#wallet'), devApp)).toBe(true);
    expect(isAllowedSender(top('http://localhost:5174/'), devApp)).toBe(false);
    expect(isAllowedSender(top('https://localhost:5173/'), devApp)).toBe(false);
    expect(isAllowedSender(top('http://127.0.0.1:5173/'), devApp)).toBe(false);
    expect(isAllowedSender(top(fileApp), devApp)).toBe(false);
  });
});

describe('permissions', () => {
  it('denies every permission, known or not', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'openExternal', 'fullscreen', 'hid', 'usb', 'serial', 'unknown', 'made-up']) {
      expect(permissionDecision(p)).toBe(false);
    }
  });

  it('installs request, check and device handlers that all deny', () => {
    let request: Parameters<SessionLike['setPermissionRequestHandler']>[0] | null = null;
    let check: Parameters<SessionLike['setPermissionCheckHandler']>[0] | null = null;
    let device: Parameters<SessionLike['setDevicePermissionHandler']>[0] | null = null;
    hardenSession({ setPermissionRequestHandler: (h) => (request = h), setPermissionCheckHandler: (h) => (check = h), setDevicePermissionHandler: (h) => (device = h) });
    const cb = vi.fn();
    request!({}, 'media', cb);
    expect(cb).toHaveBeenCalledWith(false);
    expect(check!({}, 'notifications')).toBe(false);
    expect(device!()).toBe(false);
  });
});

describe('external links', () => {
  const allow = externalAllowList({ serverUrl: 'http://127.0.0.1:41234', checkoutOrigins: ['https://checkout.example.com', 'http://plain.example', 'javascript:alert(1)'] });

  it('allows the server origin and https checkout origins only', () => {
    expect(allow).toEqual(['http://127.0.0.1:41234', 'https://checkout.example.com']);
    expect(externalAllowList({ serverUrl: null, checkoutOrigins: [] })).toEqual([]);
  });

  it.each([
    ['https://checkout.example.com/pay/123?session=a', true],
    ['http://127.0.0.1:41234/v1/purchases/1', true],
    ['https://checkout.example.com.evil.example/', false],
    ['https://evil.example/?https://checkout.example.com', false],
    ['https://user:pw@checkout.example.com/', false],
    ['http://checkout.example.com/', false],
    ['http://127.0.0.1:41235/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['smb://checkout.example.com/share', false],
    [`https://checkout.example.com/${'a'.repeat(3000)}`, false],
  ])('%s → %s', (url, ok) => {
    expect(isAllowedExternalUrl(url, allow)).toBe(ok);
  });

  it('reads checkout origins from configuration, https only and bounded', () => {
    expect(parseCheckoutOrigins('https://a.example/path, http://b.example ,https://a.example,, https://x:y@c.example')).toEqual(['https://a.example']);
    expect(parseCheckoutOrigins(undefined)).toEqual([]);
    expect(parseCheckoutOrigins(Array.from({ length: 20 }, (_, i) => `https://h${i}.example`).join(','))).toHaveLength(8);
  });

  it('opens only allowed URLs, reading the allow-list when asked', () => {
    const open = vi.fn();
    let list = ['https://a.example'];
    expect(openExternalIfAllowed('https://a.example/x', () => list, open)).toBe(true);
    list = [];
    expect(openExternalIfAllowed('https://a.example/x', () => list, open)).toBe(false);
    expect(open).toHaveBeenCalledTimes(1);
  });
});

describe('web contents', () => {
  function fakeContents() {
    const listeners = new Map<string, (event: { preventDefault(): void }, url: string) => void>();
    let openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
    const contents = {
      setWindowOpenHandler: (h: (d: { url: string }) => { action: 'deny' }) => (openHandler = h),
      on: (event: string, l: (event: { preventDefault(): void }, url: string) => void) => listeners.set(event, l),
    } as unknown as ContentsLike;
    const fire = (event: string, url = '') => {
      const e = { preventDefault: vi.fn() };
      listeners.get(event)!(e, url);
      return e.preventDefault.mock.calls.length > 0;
    };
    return { contents, fire, windowOpen: (url: string) => openHandler!({ url }) };
  }

  it('denies every new window and navigation, opening only allowed links outside', () => {
    const { contents, fire, windowOpen } = fakeContents();
    const open = vi.fn();
    hardenWebContents(contents, () => ['https://checkout.example.com'], open);
    expect(windowOpen('https://checkout.example.com/pay')).toEqual({ action: 'deny' });
    expect(windowOpen('https://evil.example/')).toEqual({ action: 'deny' });
    expect(fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(fire('will-navigate', 'file:///tmp/x.html')).toBe(true);
    expect(fire('will-redirect', 'https://evil.example/')).toBe(true);
    expect(fire('will-attach-webview')).toBe(true);
    expect(open.mock.calls).toEqual([['https://checkout.example.com/pay']]);
  });
});

describe('the Electron security checklist', () => {
  class FakeWindow {
    constructor(readonly options: BrowserWindowConstructorOptions) {}
  }
  const web = createMainWindow(FakeWindow, { preload: '/app/preload.js', icon: '/app/icon.png' }).options.webPreferences!;

  it('isolates and sandboxes the renderer, with no Node and web security on', () => {
    expect(web).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
    });
    expect(web).not.toHaveProperty('enableBlinkFeatures');
    expect(web).not.toHaveProperty('additionalArguments');
    expect(web.disableBlinkFeatures).toBe('Auxclick');
    expect(web.preload).toBe('/app/preload.js');
  });

  it('sets a strict Content-Security-Policy in the renderer page', () => {
    const html = readFileSync(path.join(ROOT, 'renderer/index.html'), 'utf8');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    // the training form's thumbnails are blob: URLs of the picked files; blob: is allowed for images and nothing else
    expect(directives.get('img-src')).toEqual(["'self'", 'data:', 'blob:', 'credits-output:']);
    expect([...directives].filter(([, v]) => v.includes('blob:')).map(([k]) => k)).toEqual(['img-src']);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('wires the hardening in the composition root', () => {
    const index = readFileSync(path.join(ROOT, 'main/index.ts'), 'utf8');
    expect(index).toContain('createMainWindow(BrowserWindow, ');
    expect(index).toContain('hardenSession(session.defaultSession)');
    expect(index).toMatch(/web-contents-created[^\n]+hardenWebContents\(/);
    expect(index).toMatch(/isAllowedSender\(frame, appUrl\)/);
    expect(index).toContain('new EncryptedTokenStore(');
    // shell.openExternal is reached only through the allow-list: links the window would open, and checkouts the store opens
    const uses = index.match(/[^\n]*shell\.openExternal[^\n]*/g) ?? [];
    expect(uses).toHaveLength(2);
    expect(index).toMatch(/hardenWebContents\(contents, externalOrigins, \(url\) => shell\.openExternal\(url\)\)/);
    expect(index).toMatch(/openExternal: \(url\) => openExternalIfAllowed\(url, externalOrigins, \(u\) => shell\.openExternal\(u\)\)/);
  });
});

describe('packaging', () => {
  /** electron-builder's own loader and schema validation, so an unknown or misspelt option fails here rather than at `npm run dist`. */
  async function builderConfig(): Promise<Record<string, any>> {
    const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config');
    const { DebugLogger } = require('builder-util/out/DebugLogger');
    const config = await getConfig(ROOT, path.join(ROOT, 'electron-builder.yml'), null);
    await validateConfiguration(config, new DebugLogger(false));
    return config;
  }

  it('flips the fuses: no run-as-node, NODE_OPTIONS or inspect; only an integrity-checked app.asar; encrypted cookies', async () => {
    const config = await builderConfig();
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
    });
    expect(config.asar ?? true).toBe(true);
  });
});
