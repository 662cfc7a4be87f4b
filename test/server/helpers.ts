// Test helpers for the server: real databases (PGlite in memory, and a fresh PostgreSQL database per suite, each copied from one migrated template), a real server on port 0.
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import os from 'node:os';
import pg from 'pg';
import type { EngineRouter } from '../../server/engines/router';
import { defaultCatalog } from '../../shared/catalog/index';
import type { Catalog } from '../../shared/catalog/schema';
import { buildApp, type AppOptions, type CreditsApp } from '../../server/app';
import { TestClock } from '../../server/clock';
import { openDatabase, type Database, type Db, type StorageKind } from '../../server/db/open';
import type { SQL } from 'drizzle-orm';

export const MIGRATIONS_DIR = path.resolve(__dirname, '../../server/db/migrations');
export const PG_URL = process.env.TEST_DATABASE_URL;

/** The rows of a raw query, on either driver (drizzle types execute()'s result loosely). */
export async function rowsOf<T>(db: Db, query: SQL): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}

/** The drivers every server test runs on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const DRIVERS: StorageKind[] = PG_URL ? ['pglite', 'postgres'] : ['pglite'];

/** A hash of the migrations, so that a template made from older migrations is never used. */
function migrationsHash(): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(e.name).update(readFileSync(p));
    }
  };
  walk(MIGRATIONS_DIR);
  return h.digest('hex').slice(0, 16);
}

let pgliteDump: Promise<Blob> | null = null;
/**
 * A migrated PGlite database as a tarball: made once per machine and migrations (cached in the temp folder, written
 * atomically), loaded by every test file; a fresh database is then a copy, not an initdb and a migration.
 */
function migratedPgliteDump(): Promise<Blob> {
  pgliteDump ??= (async () => {
    const file = path.join(os.tmpdir(), `credits-pglite-${migrationsHash()}.tar`);
    if (existsSync(file)) return new Blob([readFileSync(file)]);
    const db = await openDatabase({ migrationsDir: MIGRATIONS_DIR });
    const client = (db.db as unknown as { $client: PGlite }).$client;
    const dump = await client.dumpDataDir('none');
    await db.close();
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file);
    return dump;
  })();
  return pgliteDump;
}

let pgTemplate: Promise<string> | null = null;
/** A migrated PostgreSQL template database, made once per migrations (an advisory lock keeps two test workers from racing). */
function migratedPgTemplate(): Promise<string> {
  pgTemplate ??= (async () => {
    const name = `credits_template_${migrationsHash()}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query('SELECT pg_advisory_lock(424242)');
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) {
        await admin.query(`CREATE DATABASE ${name}`);
        const database = await openDatabase({ databaseUrl: urlOf(name), migrationsDir: MIGRATIONS_DIR, maxConnections: 1 });
        await database.close();
      }
      await admin.query('SELECT pg_advisory_unlock(424242)');
    } finally {
      await admin.end();
    }
    return name;
  })();
  return pgTemplate;
}

function urlOf(dbName: string): string {
  const url = new URL(PG_URL!);
  url.pathname = `/${dbName}`;
  return url.toString();
}

/** CREATE DATABASE … TEMPLATE fails while anyone is connected to the template: another worker copying it; try again shortly. */
async function createFromTemplate(admin: pg.Client, name: string, template: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      return;
    } catch (e) {
      if (attempt >= 20 || !/being accessed by other users/.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
}

/** A fresh database, copied from a migrated one: in-memory PGlite, or a new PostgreSQL database dropped afterwards. */
export async function freshDatabase(kind: StorageKind, maxConnections = 10): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (kind === 'pglite') {
    const database = await openDatabase({ migrationsDir: MIGRATIONS_DIR, pgliteDump: await migratedPgliteDump() });
    return { database, drop: () => database.close() };
  }
  const template = await migratedPgTemplate();
  const name = `credits_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await createFromTemplate(admin, name, template);
  } finally {
    await admin.end();
  }
  const database = await openDatabase({ databaseUrl: urlOf(name), migrationsDir: MIGRATIONS_DIR, maxConnections });
  return {
    database,
    drop: async () => {
      await database.close();
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestServer {
  url: string;
  outputsDir: string;
  adminToken: string;
  clock: TestClock;
  credits: CreditsApp;
  database: Database;
  close(): Promise<void>;
  admin(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  as(token: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
  newAccount(planId?: string, displayName?: string): Promise<{ accountId: string; tokenId: string; token: string }>;
}

let keyCounter = 0;
export const idemKey = () => `test-key-${Date.now()}-${++keyCounter}-${randomBytes(4).toString('hex')}`;

export interface StartOptions {
  clockMs?: number;
  catalog?: Catalog;
  maxConnections?: number;
  engines?: EngineRouter;
  runnerConcurrency?: number;
  /** how many times faster than real time training jobs run */
  trainingSpeed?: number;
  /** the server's log (silent when absent): a level and a stream the test reads */
  log?: AppOptions['log'];
  /** the payment provider (the test provider when absent) */
  payments?: AppOptions['payments'];
  /** the runner's timers (sweeps of expired holds and lapsed leases, lease heartbeats); long ones keep a statement count exact */
  sweepIntervalMs?: number;
  heartbeatIntervalMs?: number;
  /** where training files go (a folder beside the outputs when absent) */
  storage?: AppOptions['storage'];
}

export async function startServer(kind: StorageKind, opts: StartOptions = {}): Promise<TestServer> {
  const { database, drop } = await freshDatabase(kind, opts.maxConnections);
  const clock = new TestClock(opts.clockMs ?? Date.parse('2026-11-22T12:00:00Z'));
  const adminToken = `admin-${randomBytes(8).toString('hex')}`;
  const outputsDir = mkdtempSync(path.join(os.tmpdir(), 'credits-outputs-'));
  const credits = buildApp({
    database, catalog: opts.catalog ?? defaultCatalog, clock, adminToken, outputsDir,
    ...(opts.engines ? { engines: opts.engines } : {}),
    ...(opts.runnerConcurrency !== undefined ? { runnerConcurrency: opts.runnerConcurrency } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.payments ? { payments: opts.payments } : {}),
    ...(opts.trainingSpeed ? { trainingSpeed: opts.trainingSpeed } : {}),
    ...(opts.sweepIntervalMs !== undefined ? { sweepIntervalMs: opts.sweepIntervalMs } : {}),
    ...(opts.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: opts.heartbeatIntervalMs } : {}),
    ...(opts.storage ? { storage: opts.storage } : {}),
  });
  const url = await credits.app.listen({ host: '127.0.0.1', port: 0 });
  const request = async (token: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}) => {
    const h: Record<string, string> = { authorization: `Bearer ${token}`, ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    if (method === 'POST' && !('idempotency-key' in h)) h['idempotency-key'] = idemKey();
    const res = await fetch(`${url}${route}`, { method, headers: h, body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  return {
    url, adminToken, clock, credits, database, outputsDir,
    close: async () => {
      await credits.app.close();
      await drop();
    },
    admin: (method, route, body, headers) => request(adminToken, method, route, body, headers),
    as: (token, method, route, body) => request(token, method, route, body),
    newAccount: async (planId = 'free', displayName = 'Ada') => {
      const r = await request(adminToken, 'POST', '/admin/accounts', { displayName, planId });
      if (r.status !== 201) throw new Error(`create account failed: ${JSON.stringify(r.body)}`);
      return r.body as { accountId: string; tokenId: string; token: string };
    },
  };
}

/** Counts every statement any pg client sends while `fn` runs, with its first words. */
export async function statementsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const q = args[0] as string | { text?: string };
    seen.push((typeof q === 'string' ? q : (q?.text ?? '')).replace(/\s+/g, ' ').slice(0, 90));
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    proto.query = original;
  }
  return seen;
}
