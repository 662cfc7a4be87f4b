// The Electron composition root: single instance, a hardened window and session, IPC handlers that check the sender, and the shared core.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';
import { app, BrowserWindow, dialog, ipcMain, Notification, protocol, safeStorage, session, shell, utilityProcess, type WebContents, type WebFrameMain } from 'electron';
import Store from 'electron-store';
import { IPC_EVENT_NAMES, IPC_METHOD_NAMES, ipcChannel, ipcEventChannel } from '../shared/ipc/contract';
import type { ServerChoice } from './core/app-core';
import { AccountSwitcher } from './core/account-switcher';
import { dispatch } from './core/ipc-dispatch';
import { parseTimeouts } from './core/http';
import { ensurePrivateDir, makePrivate, privateStoreOptions } from './core/private-files';
import { saveWithDialog } from './core/receipts';
import type { KeyValueStore } from './core/stores';
import { EMBEDDED_SERVER_EXEC_ARGV, type Spawner } from './core/supervisor';
import { EncryptedTokenStore } from './core/token-store';
import { createMainWindow, externalAllowList, hardenSession, hardenWebContents, isAllowedSender, openExternalIfAllowed, parseCheckoutOrigins } from './security';

const isDev = !app.isPackaged && !!process.env.ELECTRON_RENDERER_URL;
const OUTPUT_SCHEME = 'credits-output';
/** checkouts return to the app through creditsdesk://purchase/<id> (the app also polls the purchase) */
const DEEP_LINK_PROTOCOL = 'creditsdesk';
protocol.registerSchemesAsPrivileged([{ scheme: OUTPUT_SCHEME, privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } }]);

/** Electron's utilityProcess as the core's child-process seam. */
const utilitySpawner: Spawner = (entry, args) => {
  const child = utilityProcess.fork(entry, args, { stdio: 'pipe', serviceName: 'Credits server', execArgv: [...EMBEDDED_SERVER_EXEC_ARGV] });
  return {
    get pid() {
      return child.pid;
    },
    onMessage: (l) => child.on('message', l),
    onExit: (l) => child.on('exit', (code) => l(code)),
    send: (m) => {
      if (child.pid !== undefined) child.postMessage(m); // no pid: it has not started or has exited, and would drop it anyway
    },
    kill: () => void child.kill(),
  };
};

let mainWindow: BrowserWindow | null = null;
let appCore: AccountSwitcher | null = null;
/** the URL the window loads, the only one whose top frame may call IPC: the file:// index in production, the dev server in development */
const appUrl = isDev ? process.env.ELECTRON_RENDERER_URL! : pathToFileURL(path.join(__dirname, '../renderer/index.html')).href;
/** the payment provider's checkout origins (none until a provider is configured) */
const checkoutOrigins = parseCheckoutOrigins(process.env.CREDITS_CHECKOUT_ORIGINS);
/** links open in the system browser only for the credits server (its address is known once it runs) and checkout */
const externalOrigins = () => externalAllowList({ serverUrl: appCore?.serverUrl ?? process.env.CREDITS_SERVER_URL, checkoutOrigins });

function isTrustedSender(sender: WebContents, frame: WebFrameMain | null | undefined): boolean {
  return !!mainWindow && sender === mainWindow.webContents && isAllowedSender(frame, appUrl);
}

function createWindow(): BrowserWindow {
  const win = createMainWindow(BrowserWindow, { preload: path.join(__dirname, '../preload/index.js'), icon: path.join(__dirname, '../../assets/icon.png') });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(appUrl);
  return win;
}

async function main(): Promise<void> {
  // A separate profile (tests, portable use): must be set before the single-instance lock, which lives in userData.
  if (process.env.CREDITS_USER_DATA_DIR) app.setPath('userData', path.resolve(process.env.CREDITS_USER_DATA_DIR));
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  // a creditsdesk:// link: macOS hands it to the running app (open-url), Windows and Linux start a second instance with it
  app.on('open-url', (event, url) => {
    event.preventDefault();
    appCore?.handleDeepLink(url);
  });
  app.on('second-instance', (_event, argv) => {
    const link = argv.find((a) => a.startsWith(`${DEEP_LINK_PROTOCOL}://`));
    if (link) appCore?.handleDeepLink(link);
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  // Every web contents (the window, and any a bug or a page might create) never navigates, opens windows or attaches a webview.
  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents, externalOrigins, (url) => shell.openExternal(url)));
  await app.whenReady();
  hardenSession(session.defaultSession);
  // in development Electron runs the app's folder as its argument: the link must start it the same way
  if (process.defaultApp && process.argv[1]) app.setAsDefaultProtocolClient(DEEP_LINK_PROTOCOL, process.execPath, [path.resolve(process.argv[1])]);
  else app.setAsDefaultProtocolClient(DEEP_LINK_PROTOCOL);

  const dataDir = app.getPath('userData');
  ensurePrivateDir(dataDir);
  const electronStore = new Store<Record<string, unknown>>({ name: 'wallet-cache', clearInvalidConfig: true, ...privateStoreOptions });
  makePrivate(electronStore.path);
  const store: KeyValueStore = electronStore;
  const warnMemory = (t: EncryptedTokenStore) => {
    if (t.storage === 'memory') console.warn('safeStorage cannot encrypt here: the account token is kept in memory for this run only');
    return t;
  };
  const remoteUrl = process.env.CREDITS_SERVER_URL;
  const server: ServerChoice = remoteUrl
    ? { kind: 'remote', url: remoteUrl }
    : { kind: 'embedded', entry: path.join(__dirname, '../server/index.cjs'), spawn: utilitySpawner };
  const core = new AccountSwitcher({
    dataDir,
    store,
    // each account's token encrypted with safeStorage in its own folder (the first account's: userData/account-token.bin)
    tokenStoreFor: (dir) => warnMemory(new EncryptedTokenStore(path.join(dir, 'account-token.bin'), safeStorage)),
    firstServer: server,
    firstCatalogKey: process.env.CREDITS_CATALOG_KEY,
    firstToken: process.env.CREDITS_TOKEN,
    core: {
      timeouts: parseTimeouts(process.env.CREDITS_REQUEST_TIMEOUT_MS, process.env.CREDITS_STREAM_IDLE_MS),
      outputUrl: (id, name) => `${OUTPUT_SCHEME}://run/${encodeURIComponent(id)}/${encodeURIComponent(name)}`,
      openExternal: (url) => openExternalIfAllowed(url, externalOrigins, (u) => shell.openExternal(u)),
      // a receipt is saved where the user chooses in the system's save dialog
      saveFile: (name, text) => saveWithDialog(name, text, (o) => (mainWindow ? dialog.showSaveDialog(mainWindow, o) : dialog.showSaveDialog(o))),
    },
  });
  appCore = core;
  // Outputs stream from the credits server through main, which holds the token; the renderer only sees this scheme.
  protocol.handle(OUTPUT_SCHEME, async (request) => {
    const url = new URL(request.url);
    const [id, name] = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const out = url.hostname === 'run' && id && name ? await core.fetchOutput(id, name) : null;
    if (!out) return new Response('not found', { status: 404 });
    return new Response(Readable.toWeb(out.stream as Readable) as ReadableStream, { headers: { 'content-type': out.mime } });
  });

  for (const method of IPC_METHOD_NAMES) {
    ipcMain.handle(ipcChannel(method), (event, input: unknown) => {
      if (!isTrustedSender(event.sender, event.senderFrame)) return { ok: false, error: { code: 'forbidden', message: 'not allowed' } };
      return dispatch(core.handlers, method, input);
    });
  }
  for (const name of IPC_EVENT_NAMES) {
    core.on(name, (payload: unknown) => mainWindow?.webContents.send(ipcEventChannel(name), payload));
  }
  core.on('notify', (n: { title: string; body: string }) => {
    if (Notification.isSupported()) new Notification({ title: n.title, body: n.body }).show();
  });
  mainWindow = createWindow();
  core.start();
  const startLink = process.argv.find((a) => a.startsWith(`${DEEP_LINK_PROTOCOL}://`));
  if (startLink) core.handleDeepLink(startLink);

  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => void core.stop());
}

void main();
