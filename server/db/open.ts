// Opens the server's database on one of two drivers (embedded PGlite file, or PostgreSQL when a URL is given) and runs the migrations.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as tar from 'tar';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema';

export type StorageKind = 'pglite' | 'postgres';

/** What a raw statement (`db.execute`) answers on either driver: at least its rows (node-postgres's QueryResult and PGlite's Results both carry them). */
export interface RowsQueryResultHKT extends PgQueryResultHKT {
  type: RowsResult<this['row']>;
}
interface RowsResult<T> {
  rows: T[];
}

/** The query builder type shared by both drivers; services are written once against it. */
export type Db = PgDatabase<RowsQueryResultHKT, typeof schema>;
type Transaction = Parameters<Parameters<Db['transaction']>[0]>[0];
/** A transaction or the database itself: services that read or write take either. */
export type Tx = Db | Transaction;

export interface Database {
  db: Db;
  kind: StorageKind;
  /** PostgreSQL only: where to open a dedicated connection (the LISTEN of the event fan-out between instances) */
  connectionString?: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL connection string; when absent, an embedded PGlite database under dataDir */
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  migrationsDir: string;
  /** pool size for PostgreSQL */
  maxConnections?: number;
  /** start an in-memory PGlite from this dump of a migrated database instead of an empty one (tests: migrate once, copy often) */
  pgliteDump?: Blob;
  /** a new PGlite data directory starts as a copy of this migrated template (a .tar.gz made by the build), when it exists */
  pgliteTemplate?: string | undefined;
  /** where a PostgreSQL pool's background errors go (a dropped idle connection must not crash the process) */
  onPoolError?: (e: Error) => void;
}

/**
 * PGlite's memory settings for a desktop app's background service. Its defaults (128 MB of shared buffers) are sized for a
 * server, and WebAssembly memory, once grown, is never given back; one person's ledger is served from far less. PGlite's own
 * start parameters come first (a list of ours replaces them).
 */
export const PGLITE_MEMORY_SETTINGS = { shared_buffers: '16MB', work_mem: '2MB', maintenance_work_mem: '16MB', temp_buffers: '2MB', wal_buffers: '1MB' } as const;
const pgliteOptions = () => ({ startParams: [...PGlite.defaultStartParams, ...Object.entries(PGLITE_MEMORY_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`])] });

/**
 * A PGlite data directory: a new one starts as a copy of the migrated template when there is one (migrations newer than the
 * template are applied after); a template that cannot be loaded is set aside and the database is created as before. The template
 * is unpacked into the directory by Node, not handed to PGlite: PGlite would unpack it inside its WebAssembly memory, which grows
 * by ~80 MB for it and never shrinks, so a first start would stay that much heavier than every later one.
 */
async function openPgliteDir(dir: string, template: string | undefined): Promise<PGlite> {
  const isNew = !existsSync(path.join(dir, 'PG_VERSION'));
  if (!isNew || !template || !existsSync(template)) return new PGlite(dir, pgliteOptions());
  try {
    await unpackTemplate(template, dir);
    const client = new PGlite(dir, pgliteOptions());
    await client.waitReady;
    return client;
  } catch (e) {
    process.stderr.write(`the database template ${template} could not be loaded (${(e as Error).message}); creating the database instead\n`);
    for (const f of readdirSync(dir)) rmSync(path.join(dir, f), { recursive: true, force: true });
    return new PGlite(dir, pgliteOptions());
  }
}

/**
 * Unpacks the template (a .tar.gz of a data directory) beside `dir` and moves it in only when whole: a start stopped halfway leaves
 * no PG_VERSION behind, so the next start unpacks it again rather than opening half a database.
 */
async function unpackTemplate(template: string, dir: string): Promise<void> {
  const staging = `${dir}.unpacking-${process.pid}`;
  // what an earlier start stopped halfway left (under any process id) goes first
  const prefix = `${path.basename(dir)}.unpacking-`;
  for (const f of readdirSync(path.dirname(dir))) if (f.startsWith(prefix)) rmSync(path.join(path.dirname(dir), f), { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    await tar.x({ file: template, cwd: staging }); // the entries are absolute (/base/…): tar strips the leading / itself
    if (!existsSync(path.join(staging, 'PG_VERSION'))) throw new Error('it holds no database (no PG_VERSION)');
    for (const f of readdirSync(dir)) rmSync(path.join(dir, f), { recursive: true, force: true });
    // PG_VERSION last: it is what marks the directory as a database
    for (const f of readdirSync(staging).sort((a, b) => Number(a === 'PG_VERSION') - Number(b === 'PG_VERSION'))) renameSync(path.join(staging, f), path.join(dir, f));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Opens and migrates. A PGlite data directory is created if missing; in-memory when no dataDir is given. */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.maxConnections ?? 20,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 30_000,
    });
    // An idle client that loses its connection emits 'error' on the pool; unhandled, it would end the process.
    pool.on('error', opts.onPoolError ?? ((e) => process.stderr.write(`database connection lost: ${e.message}\n`)));
    const db = drizzlePg(pool, { schema });
    try {
      await migratePg(db, { migrationsFolder: opts.migrationsDir });
    } catch (e) {
      await pool.end();
      throw e;
    }
    return { db, kind: 'postgres', connectionString: opts.databaseUrl, close: () => pool.end() };
  }
  let dir: string | undefined;
  if (opts.dataDir) {
    dir = path.join(opts.dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
  }
  const client = dir ? await openPgliteDir(dir, opts.pgliteTemplate) : opts.pgliteDump ? new PGlite({ ...pgliteOptions(), loadDataDir: opts.pgliteDump }) : new PGlite(pgliteOptions());
  await client.waitReady;
  const db = drizzlePglite(client, { schema });
  try {
    await migratePglite(db, { migrationsFolder: opts.migrationsDir });
  } catch (e) {
    await client.close();
    throw e;
  }
  return { db, kind: 'pglite', close: () => client.close() };
}
