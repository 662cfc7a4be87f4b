// Electron hardening as plain functions of Electron's objects (fakes in tests): IPC senders, permissions, external links, navigation, web preferences.
import type { BrowserWindowConstructorOptions } from 'electron';

export const MAX_EXTERNAL_URL_CHARS = 2_048;
export const MAX_CHECKOUT_ORIGINS = 8;

/** The part of Electron's WebFrameMain the sender check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
}

/** The part of Electron's WebContents the hardening touches. */
export interface ContentsLike {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  on(event: 'will-navigate' | 'will-redirect', listener: (event: { preventDefault(): void }, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
}

/** The part of Electron's Session the hardening touches. */
export interface SessionLike {
  setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void;
  setDevicePermissionHandler(handler: () => boolean): void;
}

function parse(url: string): URL | null {
  if (typeof url !== 'string' || url.length > MAX_EXTERNAL_URL_CHARS) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * True only for the app's own top frame at the URL the app loaded: for a `file:` app the exact index file (any `file:` page
 * is not enough), for a dev server its exact origin. Subframes, destroyed frames and anything unparsable are refused.
 */
export function isAllowedSender(frame: FrameLike | null | undefined, expectedUrl: string): boolean {
  if (!frame || frame.parent !== null) return false;
  const got = parse(frame.url);
  const want = parse(expectedUrl);
  if (!got || !want || got.protocol !== want.protocol) return false;
  if (want.protocol === 'file:') return got.host === want.host && got.pathname === want.pathname && got.search === want.search;
  if (want.protocol !== 'http:' && want.protocol !== 'https:') return false;
  return got.origin === want.origin;
}

/** Every permission request and check is refused: the app needs no camera, microphone, location, notifications permission or devices. */
export function permissionDecision(_permission: string): false {
  return false;
}

/**
 * Origins that links may open in the system browser: the credits server's and the payment provider's checkout origins.
 * The server may be plain http on the loopback (the embedded one); checkout origins must be https.
 */
export function externalAllowList(config: { serverUrl: string | null | undefined; checkoutOrigins: readonly string[] }): string[] {
  const out = new Set<string>();
  const server = config.serverUrl ? parse(config.serverUrl) : null;
  if (server && (server.protocol === 'https:' || server.protocol === 'http:')) out.add(server.origin);
  for (const o of config.checkoutOrigins.slice(0, MAX_CHECKOUT_ORIGINS)) {
    const u = parse(o);
    if (u && u.protocol === 'https:') out.add(u.origin);
  }
  return [...out];
}

/** Checkout origins from configuration (comma-separated, https only, at most MAX_CHECKOUT_ORIGINS); anything else is dropped. */
export function parseCheckoutOrigins(text: string | undefined): string[] {
  if (!text) return [];
  const origins = text
    .split(',')
    .map((s) => parse(s.trim()))
    .filter((u): u is URL => u !== null && u.protocol === 'https:' && u.username === '' && u.password === '')
    .map((u) => u.origin);
  return [...new Set(origins)].slice(0, MAX_CHECKOUT_ORIGINS);
}

/** True when `url` is http(s), carries no credentials, and its origin is exactly one on the allow-list. */
export function isAllowedExternalUrl(url: string, allowList: readonly string[]): boolean {
  const u = parse(url);
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) return false;
  if (u.username !== '' || u.password !== '') return false;
  return allowList.includes(u.origin);
}

/** Opens `url` in the system browser only if the allow-list (read now: the server's address can change) has its origin. */
export function openExternalIfAllowed(url: string, allowList: () => readonly string[], open: (url: string) => unknown): boolean {
  if (!isAllowedExternalUrl(url, allowList())) return false;
  void open(url);
  return true;
}

/**
 * The window never navigates and never opens another window: allowed links open in the system browser, the rest do nothing;
 * `<webview>` is refused. Applied to every web contents the app creates.
 */
export function hardenWebContents(contents: ContentsLike, allowList: () => readonly string[], open: (url: string) => unknown): void {
  contents.setWindowOpenHandler(({ url }) => {
    openExternalIfAllowed(url, allowList, open);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    openExternalIfAllowed(url, allowList, open);
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Denies every permission request, permission check and device permission in the session. */
export function hardenSession(session: SessionLike): void {
  session.setPermissionRequestHandler((_wc, permission, callback) => callback(permissionDecision(permission)));
  session.setPermissionCheckHandler((_wc, permission) => permissionDecision(permission));
  session.setDevicePermissionHandler(() => false);
}

/**
 * Creates the main window: an isolated, sandboxed renderer with no Node, web security on, no insecure content, no experiments.
 * The options are written out at the `new BrowserWindow(...)` so that Electronegativity sees them; tests pass a fake class.
 */
export function createMainWindow<W>(BrowserWindow: new (options: BrowserWindowConstructorOptions) => W, paths: { preload: string; icon: string }): W {
  return new BrowserWindow({
    width: 1180,
    height: 780,
    minWidth: 820,
    minHeight: 560,
    show: false,
    title: 'Credits Desk',
    icon: paths.icon,
    webPreferences: {
      preload: paths.preload,
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
      safeDialogs: true,
      spellcheck: false,
      // a middle click would otherwise open a link in a new window before the window-open handler sees it
      disableBlinkFeatures: 'Auxclick',
    },
  });
}
