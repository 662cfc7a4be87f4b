// The credits server process: reads config, opens and migrates storage, serves HTTP, and tells its parent (the app) it is ready.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { defaultCatalog, parseCatalog } from '../shared/catalog/index';
import type { Catalog } from '../shared/catalog/schema';
import { appToServerMessageSchema, LOCAL_ACCOUNT_ID, type ReadyMessage, type ServerToAppMessage } from '../shared/api/embedded';
import { buildApp } from './app';
import { openStorage } from './storage/config';
import { providerFromConfig } from './payments/factory';
import { loadOrCreateCatalogKey } from './catalog/signing';
import { EngineRouter, loadEnginesConfig } from './engines/router';
import { systemClock, TestClock } from './clock';
import { ConfigError, parseServerConfig } from './config';
import { openDatabase, type Database } from './db/open';
import type { Clock } from './clock';
import { accountExists } from './accounts/service';
import { issueToken } from './accounts/tokens';
import { signUp } from './wallet/signup';
import { parentPortOf } from './parent-port';

const parentPort = parentPortOf(process);

/** The IPC channel to the app that started this server: Electron's parentPort, or Node's fork channel. */
function tellParent(msg: ServerToAppMessage): void {
  if (parentPort) parentPort.postMessage(msg);
  else if (process.send) process.send(msg);
}

function onParentMessage(listener: (m: unknown) => void): void {
  if (parentPort) parentPort.on('message', (e) => listener(e.data));
  else process.on('message', listener);
}

/** The label of tokens the app asks for over IPC. */
const LOCAL_TOKEN_LABEL = 'Credits Desk app (this computer)';

/**
 * The app asks for a new token for the local account (it lost its own, or the server refused it). Only the process that
 * started this server can ask: the request comes over the IPC channel, never over HTTP.
 */
function answerTokenRequests(database: Database, clock: Clock): void {
  onParentMessage((raw) => {
    const parsed = appToServerMessageSchema.safeParse(raw);
    if (!parsed.success) return;
    const { requestId } = parsed.data;
    void database.db
      .transaction(async (tx) => ((await accountExists(tx, LOCAL_ACCOUNT_ID)) ? (await issueToken(tx, LOCAL_ACCOUNT_ID, clock.now(), LOCAL_TOKEN_LABEL)).token : null))
      .then((token) => {
        if (token) tellParent({ type: 'local-token', requestId, accountId: LOCAL_ACCOUNT_ID, token });
      })
      .catch((e: unknown) => process.stderr.write(`cannot issue a local token: ${(e as Error).message}\n`));
  });
}

async function ensureLocalAccount(database: Database, catalog: Catalog, clock: Clock, name: string | undefined): Promise<ReadyMessage['localAccount']> {
  if (await accountExists(database.db, LOCAL_ACCOUNT_ID)) return undefined;
  const displayName = name ?? os.userInfo().username ?? 'You';
  const { accountId, token } = await database.db.transaction((tx) => signUp(tx, catalog, { id: LOCAL_ACCOUNT_ID, displayName, planId: 'free' }, clock.now()));
  return { accountId, token };
}

/** Writes a file readable by this user only. */
function writePrivate(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

function adminTokenFor(dataDir: string, fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv;
  const file = path.join(dataDir, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = `cda_${randomBytes(32).toString('base64url')}`;
  writePrivate(file, token);
  return token;
}

/** One server per data directory: a second would corrupt an embedded database. */
function takeLock(dataDir: string): () => void {
  const file = path.join(dataDir, 'server.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8'));
      let alive = false;
      try {
        if (Number.isInteger(pid) && pid > 0) {
          process.kill(pid, 0);
          alive = true;
        }
      } catch {
        alive = false;
      }
      if (alive) throw new ConfigError(`another credits server (pid ${pid}) is using ${dataDir}`);
      rmSync(file, { force: true }); // stale lock from a crashed server
    }
  }
  throw new ConfigError(`cannot lock ${dataDir}`);
}

async function main(): Promise<void> {
  const config = parseServerConfig(process.argv.slice(2), process.env);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const releaseLock = config.databaseUrl ? () => {} : takeLock(config.dataDir);
  const catalog = config.catalogPath ? parseCatalog(JSON.parse(readFileSync(config.catalogPath, 'utf8'))) : defaultCatalog;
  const clock = config.testClockMs !== undefined ? new TestClock(config.testClockMs) : systemClock;
  const migrationsDir = process.env.CREDITS_MIGRATIONS_DIR ?? path.join(__dirname, 'migrations');
  // a first start copies the migrated template the build made, instead of creating and migrating a database
  const pgliteTemplate = process.env.CREDITS_PGLITE_TEMPLATE ?? path.join(__dirname, 'migrated-pglite.tar.gz');
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrationsDir, pgliteTemplate });
  const adminToken = adminTokenFor(config.dataDir, config.adminToken);
  const engines = new EngineRouter(loadEnginesConfig(config.enginesPath), {
    ...(config.engineLatencyMs !== undefined ? { latencyMs: config.engineLatencyMs } : {}),
    ...(config.engineFailureRate !== undefined ? { failureRate: config.engineFailureRate } : {}),
  });
  const catalogKey = loadOrCreateCatalogKey(config.dataDir);
  const { app } = buildApp({
    database, catalog, clock, adminToken, log: { level: config.logLevel }, engines, outputsDir: path.join(config.dataDir, 'outputs'), catalogKey,
    storage: openStorage(config.storage, config.dataDir), trainingSpeed: config.trainingSpeed,
    ...(config.sseHeartbeatMs !== undefined ? { sseHeartbeatMs: config.sseHeartbeatMs } : {}),
    payments: { provider: providerFromConfig(config.payments), publicUrl: config.payments.publicUrl },
  });

  const localAccount = config.embedded ? await ensureLocalAccount(database, catalog, clock, config.localName) : undefined;
  if (config.embedded) answerTokenRequests(database, clock);

  const address = await app.listen({ host: config.host, port: config.port });
  const url = address.replace('[::1]', '127.0.0.1');
  writePrivate(path.join(config.dataDir, 'server.json'), JSON.stringify({ url, pid: process.pid, storage: database.kind }));

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(code), 5_000);
    force.unref();
    try {
      await app.close();
      await database.close();
    } finally {
      rmSync(path.join(config.dataDir, 'server.json'), { force: true });
      releaseLock();
      process.exit(code);
    }
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  // Started by the app: die with it rather than linger holding the database.
  process.on('disconnect', () => void stop(0));

  const ready: ReadyMessage = { type: 'credits-server-ready', url, storage: database.kind, catalogPublicKey: catalogKey.publicKey, ...(localAccount ? { localAccount } : {}) };
  tellParent(ready);
  process.stdout.write(`credits server listening on ${url} (storage: ${database.kind}, data: ${config.dataDir})\n`);
}

main().catch((e: unknown) => {
  const msg = e instanceof ConfigError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
  process.stderr.write(`credits server failed to start: ${msg}\n`);
  tellParent({ type: 'credits-server-failed', message: e instanceof Error ? e.message : String(e) });
  process.exit(1);
});
