// The Electron composition root: single instance, a hardened window, IPC handlers that check the sender, and the shared core.
import path from 'node:path';
import { Readable } from 'node:stream';
import { app, BrowserWindow, ipcMain, Notification, protocol, safeStorage, session, shell, utilityProcess, type WebContents } from 'electron';
import Store from 'electron-store';
import { IPC_EVENT_NAMES, IPC_METHOD_NAMES, ipcChannel, ipcEventChannel } from '../shared/ipc/contract';
import { AppCore, type ServerChoice } from './core/app-core';
import { dispatch } from './core/ipc-dispatch';
import { FileTokenStore, type KeyValueStore, type TokenCipher } from './core/stores';
import type { Spawner } from './core/supervisor';

const isDev = !app.isPackaged && !!process.env.ELECTRON_RENDERER_URL;
const OUTPUT_SCHEME = 'credits-output';
protocol.registerSchemesAsPrivileged([{ scheme: OUTPUT_SCHEME, privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } }]);

/** Electron's utilityProcess as the core's child-process seam. */
const utilitySpawner: Spawner = (entry, args) => {
  const child = utilityProcess.fork(entry, args, { stdio: 'pipe', serviceName: 'Credits server' });
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

const safeStorageCipher: TokenCipher = {
  encrypt: (t) => (safeStorage.isEncryptionAvailable() ? safeStorage.encryptString(t) : Buffer.from(t, 'utf8')),
  decrypt: (b) => (safeStorage.isEncryptionAvailable() ? safeStorage.decryptString(b) : b.toString('utf8')),
};

let mainWindow: BrowserWindow | null = null;

function isTrustedSender(sender: WebContents, frameUrl: string | undefined): boolean {
  if (!mainWindow || sender !== mainWindow.webContents) return false;
  if (!frameUrl) return false;
  const url = new URL(frameUrl);
  return isDev ? url.origin === new URL(process.env.ELECTRON_RENDERER_URL!).origin : url.protocol === 'file:';
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1180,
    height: 780,
    minWidth: 820,
    minHeight: 560,
    show: false,
    title: 'Credits Desk',
    icon: path.join(__dirname, '../../assets/icon.png'),
    webPreferences: {
      preload: path.join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  if (isDev) void win.loadURL(process.env.ELECTRON_RENDERER_URL!);
  else void win.loadFile(path.join(__dirname, '../renderer/index.html'));
  return win;
}

async function main(): Promise<void> {
  // A separate profile (tests, portable use): must be set before the single-instance lock, which lives in userData.
  if (process.env.CREDITS_USER_DATA_DIR) app.setPath('userData', path.resolve(process.env.CREDITS_USER_DATA_DIR));
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));

  const dataDir = app.getPath('userData');
  const store = new Store<Record<string, unknown>>({ name: 'wallet-cache', clearInvalidConfig: true }) as unknown as KeyValueStore;
  const remoteUrl = process.env.CREDITS_SERVER_URL;
  const server: ServerChoice = remoteUrl
    ? { kind: 'remote', url: remoteUrl }
    : { kind: 'embedded', entry: path.join(__dirname, '../server/index.cjs'), spawn: utilitySpawner };
  const core = new AppCore({
    dataDir,
    store,
    tokenStore: new FileTokenStore(path.join(dataDir, 'account-token.bin'), safeStorageCipher),
    server,
    catalogKey: process.env.CREDITS_CATALOG_KEY,
    outputUrl: (id, name) => `${OUTPUT_SCHEME}://run/${encodeURIComponent(id)}/${encodeURIComponent(name)}`,
  });
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
      if (!isTrustedSender(event.sender, event.senderFrame?.url)) return { ok: false, error: { code: 'forbidden', message: 'not allowed' } };
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

  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => void core.stop());
}

void main();
