// Browser mode: runs the main-process core in plain Node, serves the built renderer on 127.0.0.1 and implements window.credits over a WebSocket.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Conf from 'conf';
import { IPC_EVENT_NAMES } from '../../shared/ipc/contract';
import type { ServerChoice } from '../core/app-core';
import { AccountSwitcher } from '../core/account-switcher';
import { dispatch } from '../core/ipc-dispatch';
import { parseTimeouts, type Timeouts } from '../core/http';
import { FileTokenStore, type KeyValueStore } from '../core/stores';
import { ensurePrivateDir, makePrivate, privateStoreOptions } from '../core/private-files';
import { nodeSpawner } from '../core/supervisor';
import { Downloads } from './downloads';
import { z } from 'zod';
import { BRIDGE_PATH, BRIDGE_SCRIPT_PATH, MAX_MESSAGE_BYTES, OUTPUTS_PATH, type HostMessage } from '../../shared/ipc/bridge-protocol';

const callMessageSchema = z.object({
  type: z.literal('call'),
  id: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  method: z.string().max(100),
  input: z.unknown().optional(),
});

const pingSchema = z.object({ type: z.literal('ping') });
const PONG = JSON.stringify({ type: 'pong' } satisfies HostMessage);

export const MAX_BRIDGE_CLIENTS = 8;

export interface HostOptions {
  dataDir: string;
  port: number;
  rendererDir: string;
  bridgeScript: string;
  serverEntry: string;
  remoteUrl?: string | undefined;
  token?: string | undefined;
  /** the remote server's catalog signing key (base64 SPKI), if known from configuration */
  catalogKey?: string | undefined;
  serverArgs?: string[];
  timeouts?: Timeouts;
}

/** The wallet cache, catalog and settings (conf, electron-store's file format) in a folder and a file only this user can read. */
function openPrivateStore(dataDir: string): KeyValueStore {
  ensurePrivateDir(dataDir);
  const conf = new Conf<Record<string, unknown>>({ cwd: dataDir, configName: 'wallet-cache', projectName: 'credits-desk', clearInvalidConfig: true, ...privateStoreOptions });
  makePrivate(conf.path);
  return conf;
}

interface BridgeClient {
  send(data: string): void;
  close(): void;
}

/** The accounts and the active account's core; the first account is the configured server (embedded, or --server-url with --token). */
function createAccounts(opts: HostOptions, outputsKey: string, downloads: Downloads): AccountSwitcher {
  const server: ServerChoice = opts.remoteUrl
    ? { kind: 'remote', url: opts.remoteUrl.replace(/\/$/, '') }
    : { kind: 'embedded', entry: opts.serverEntry, spawn: nodeSpawner(), extraArgs: opts.serverArgs ?? [] };
  return new AccountSwitcher({
    dataDir: opts.dataDir,
    store: openPrivateStore(opts.dataDir),
    // each account's token in a file only this user can read, in the account's folder (the first account's: dataDir/account-token)
    tokenStoreFor: (dir) => new FileTokenStore(path.join(dir, 'account-token')),
    firstServer: server,
    firstCatalogKey: opts.catalogKey,
    firstToken: opts.token,
    core: {
      log: (l) => process.stderr.write(`${l}\n`),
      timeouts: opts.timeouts,
      saveFile: downloads.saveFile,
      // alerts become system notifications in the page, through its Notification API
      notifications: 'page',
      outputUrl: (id, name) => `${OUTPUTS_PATH}/${encodeURIComponent(id)}/${encodeURIComponent(name)}?k=${outputsKey}`,
    },
  });
}

/** The page, the bridge script, and run outputs (with the per-launch outputs key). */
async function registerPages(app: FastifyInstance, core: AccountSwitcher, opts: HostOptions, outputsKey: string): Promise<void> {
  const outputsKeyBuf = Buffer.from(outputsKey);
  const indexHtml = readFileSync(path.join(opts.rendererDir, 'index.html'), 'utf8').replace('<head>', `<head>\n    <script src="${BRIDGE_SCRIPT_PATH}"></script>`);
  const bridgeJs = readFileSync(opts.bridgeScript, 'utf8');
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff').header('x-frame-options', 'DENY').header('referrer-policy', 'no-referrer');
  });
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(indexHtml));
  app.get('/index.html', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(indexHtml));
  app.get(BRIDGE_SCRIPT_PATH, async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(bridgeJs));
  app.get(`${OUTPUTS_PATH}/:id/:name`, async (req, reply) => {
    const { id, name } = req.params as { id: string; name: string };
    const k = Buffer.from(String((req.query as { k?: unknown }).k ?? ''));
    if (k.length !== outputsKeyBuf.length || !timingSafeEqual(k, outputsKeyBuf)) return reply.status(403).send('forbidden');
    const out = await core.fetchOutput(id, name);
    if (!out) return reply.status(404).send('not found');
    reply.type(out.mime).header('cache-control', 'private, max-age=3600');
    if (out.bytes !== null) reply.header('content-length', out.bytes);
    return reply.send(out.stream);
  });
  await app.register(fastifyStatic, { root: opts.rendererDir, index: false, wildcard: true, serve: true, decorateReply: false });
}

/** The WebSocket the page's bridge calls over (only with this launch's token, from the page's own origin), and the core's events pushed to it. */
function registerBridge(app: FastifyInstance, core: AccountSwitcher, launchToken: string, origin: () => string): Set<BridgeClient> {
  const launchTokenBuf = Buffer.from(launchToken);
  const sockets = new Set<BridgeClient>();
  app.register(async (scope) => {
    scope.get(BRIDGE_PATH, { websocket: true }, (socket, req) => {
      const given = Buffer.from(String((req.query as { token?: unknown }).token ?? ''));
      const sameOrigin = req.headers.origin === origin();
      if (!sameOrigin || given.length !== launchTokenBuf.length || !timingSafeEqual(given, launchTokenBuf) || sockets.size >= MAX_BRIDGE_CLIENTS) {
        socket.close(4401, 'not allowed');
        return;
      }
      const client = { send: (d: string) => socket.send(d), close: () => socket.close() };
      sockets.add(client);
      socket.on('close', () => sockets.delete(client));
      socket.on('message', (data: Buffer) => {
        let message: unknown;
        try {
          message = JSON.parse(data.toString('utf8'));
        } catch {
          return;
        }
        if (pingSchema.safeParse(message).success) return void socket.send(PONG);
        const parsed = callMessageSchema.safeParse(message);
        if (!parsed.success) return;
        const { id, method, input } = parsed.data;
        void dispatch(core.handlers, method, input).then((result) => {
          const msg: HostMessage = { type: 'result', id, result };
          socket.send(JSON.stringify(msg));
        });
      });
    });
  });
  for (const event of IPC_EVENT_NAMES) {
    core.on(event, (payload: unknown) => {
      const text = JSON.stringify({ type: 'event', event, payload } satisfies HostMessage);
      for (const s of sockets) s.send(text);
    });
  }
  return sockets;
}

export async function startHost(opts: HostOptions): Promise<{ url: string; launchUrl: string; close: () => Promise<void> }> {
  const launchToken = randomBytes(24).toString('base64url');
  // Outputs are loaded by <img>/<audio> tags, which cannot send headers: a separate per-launch key, given only to the page.
  const outputsKey = randomBytes(18).toString('base64url');
  // files main writes for the page (receipts) are downloads: once each, at an address only the page is told
  const downloads = new Downloads();
  const core = createAccounts(opts, outputsKey, downloads);
  const app = Fastify({ logger: false, bodyLimit: 1024 });
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_MESSAGE_BYTES } });
  await registerPages(app, core, opts, outputsKey);
  downloads.register(app);
  let origin = '';
  const sockets = registerBridge(app, core, launchToken, () => origin);
  const address = await app.listen({ host: '127.0.0.1', port: opts.port });
  origin = address;
  core.start();
  return {
    url: address,
    launchUrl: `${address}/#token=${launchToken}`,
    close: async () => {
      for (const s of sockets) s.close();
      await app.close();
      await core.stop();
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      'server-url': { type: 'string' },
      token: { type: 'string' },
      'catalog-key': { type: 'string' },
      'server-arg': { type: 'string', multiple: true },
      'request-timeout-ms': { type: 'string' },
      'stream-idle-ms': { type: 'string' },
    },
    strict: true,
  });
  const root = path.resolve(__dirname, '..');
  const dataDir = path.resolve(values['data-dir'] ?? process.env.CREDITS_APP_DATA_DIR ?? path.join(process.cwd(), '.data', 'app'));
  const port = Number(values.port ?? process.env.CREDITS_APP_PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535`);
  const rendererDir = path.join(root, 'renderer');
  if (!existsSync(path.join(rendererDir, 'index.html'))) throw new Error(`the renderer is not built (${rendererDir}); run npm run build`);
  const host = await startHost({
    dataDir,
    port,
    rendererDir,
    bridgeScript: path.join(__dirname, 'bridge.js'),
    serverEntry: path.join(root, 'server', 'index.cjs'),
    remoteUrl: values['server-url'] ?? process.env.CREDITS_SERVER_URL,
    token: values.token ?? process.env.CREDITS_TOKEN,
    catalogKey: values['catalog-key'] ?? process.env.CREDITS_CATALOG_KEY,
    serverArgs: values['server-arg'] ?? [],
    timeouts: parseTimeouts(values['request-timeout-ms'] ?? process.env.CREDITS_REQUEST_TIMEOUT_MS, values['stream-idle-ms'] ?? process.env.CREDITS_STREAM_IDLE_MS),
  });
  process.stdout.write(`Credits Desk (browser mode) at ${host.launchUrl}\n`);
  const stop = () => void host.close().finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`browser mode failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
