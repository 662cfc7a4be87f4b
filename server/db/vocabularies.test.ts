// The database refuses a status, kind, period or reason outside its vocabulary (migration 0010_vocabularies), its checks list the same words as the code, and the migration keeps rows written before it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { GENERATION_STATUSES, LEDGER_KINDS, PURCHASE_KINDS, PURCHASE_REASONS, PURCHASE_STATUSES, TRAINING_STATUSES } from '../../shared/api/index';
import { GRANT_KINDS } from '../../shared/rules/grants';
import { BILLING_PERIODS } from '../../shared/rules/schedule';
import { SUBSCRIPTION_STATUSES } from '../../shared/rules/subscriptions';
import { ALLOWANCE_PERIODS, TRAINING_FUNDINGS, TRAINING_STAGES } from '../../shared/rules/training';
import { DRIVERS, freshDatabase, MIGRATIONS_DIR, PG_URL, rowsOf } from '../../test/server/helpers';
import { openDatabase, type Database, type Db } from './open';
import { ALLOWANCE_ENTRY_KINDS, HOLD_STATUSES } from './schema';

const TAG = '0010_vocabularies';

/** Every column with a vocabulary: table, column, and the one list its words come from. */
const VOCABULARIES: [table: string, column: string, words: readonly string[]][] = [
  ['grants', 'kind', GRANT_KINDS],
  ['ledger_entries', 'kind', LEDGER_KINDS],
  ['generations', 'status', GENERATION_STATUSES],
  ['holds', 'status', HOLD_STATUSES],
  ['purchases', 'kind', PURCHASE_KINDS],
  ['purchases', 'status', PURCHASE_STATUSES],
  ['purchases', 'period', BILLING_PERIODS],
  ['purchases', 'reason', PURCHASE_REASONS],
  ['subscriptions', 'period', BILLING_PERIODS],
  ['subscriptions', 'next_period', BILLING_PERIODS],
  ['subscriptions', 'status', SUBSCRIPTION_STATUSES],
  ['trainings', 'status', TRAINING_STATUSES],
  ['trainings', 'funding', TRAINING_FUNDINGS],
  ['trainings', 'stage', TRAINING_STAGES],
  ['training_allowance_entries', 'kind', ALLOWANCE_ENTRY_KINDS],
  ['training_allowance_entries', 'period', ALLOWANCE_PERIODS],
];

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** One row in every table with a vocabulary, each word the first of its list. */
async function seedRows(db: Db): Promise<void> {
  await db.execute(sql`insert into accounts (id, display_name, plan_id, created_at_ms) values ('acc', 'Ada', 'free', 1)`);
  await db.execute(sql`insert into grants (id, account_id, kind, amount_mc, remaining_mc, effective_at_ms, paid, source_ref, created_at_ms) values ('grt', 'acc', 'daily', 1000, 1000, 1, false, 'daily:1', 1)`);
  await db.execute(sql`insert into ledger_entries (account_id, kind, amount_mc, at_ms) values ('acc', 'grant', 1000, 1)`);
  await db.execute(sql`insert into generations (id, account_id, status, request, label, engine, approved_mc, held_mc, estimate_max_mc, estimate_typical_mc, deadline_ms, created_at_ms)
    values ('gen', 'acc', 'queued', '{}'::jsonb, 'run', 'local', 10, 10, 10, 5, 2, 1)`);
  await db.execute(sql`insert into holds (id, account_id, generation_id, amount_mc, status, deadline_ms, created_at_ms) values ('hld', 'acc', 'gen', 10, 'active', 2, 1)`);
  await db.execute(sql`insert into purchases (id, account_id, kind, period, name, credits_mc, price_minor, currency, country, status, provider, created_at_ms, updated_at_ms)
    values ('pur', 'acc', 'subscription', 'weekly', 'Pro (weekly)', 1000, 500, 'USD', 'US', 'pending', 'test', 1, 1)`);
  await db.execute(sql`insert into subscriptions (account_id, plan_id, period, status, current_period_start_ms, current_period_end_ms, provider, updated_at_ms)
    values ('acc', 'pro', 'weekly', 'active', 1, 2, 'test', 1)`);
  await db.execute(sql`insert into trainings (id, account_id, name, status, funding, image_count, image_bytes, duration_ms, created_at_ms) values ('trn', 'acc', 'Me', 'queued', 'allowance', 1, 100, 1000, 1)`);
  await db.execute(sql`insert into training_allowance_entries (account_id, training_id, kind, units, period, window_start_ms, window_end_ms, at_ms) values ('acc', 'trn', 'use', 1, 'weekly', 1, 2, 1)`);
}

/** The SQLSTATE of a failed statement (drizzle wraps the driver's error in its own, with the driver's as the cause). */
async function sqlStateOf(run: Promise<unknown>): Promise<string | null> {
  try {
    await run;
    return null;
  } catch (e) {
    const err = e as { code?: unknown; cause?: { code?: unknown } };
    return String(err.cause?.code ?? err.code ?? 'no code');
  }
}

const CHECK_VIOLATION = '23514';
const setTo = (db: Db, table: string, column: string, word: string) => db.execute(sql`update ${sql.identifier(table)} set ${sql.identifier(column)} = ${word}`);

async function checks(db: Db): Promise<Map<string, { validated: boolean; words: string[] }>> {
  const rows = await rowsOf<{ name: string; validated: boolean; def: string }>(db, sql`
    select conname as name, convalidated as validated, pg_get_constraintdef(oid) as def from pg_constraint where contype = 'c' and conname like '%_check'`);
  return new Map(rows.map((r) => [r.name, { validated: r.validated, words: [...r.def.matchAll(/'([^']*)'/g)].map((m) => m[1]!).sort() }]));
}

describe.each(DRIVERS)('vocabularies in the database (%s)', (kind) => {
  it('each check lists exactly the words of its vocabulary, and is validated', async () => {
    const { database, drop } = await freshDatabase(kind);
    try {
      const found = await checks(database.db);
      for (const [table, column, words] of VOCABULARIES) {
        expect(found.get(`${table}_${column}_check`), `${table}.${column}`).toEqual({ validated: true, words: [...words].sort() });
      }
    } finally {
      await drop();
    }
  });

  it('a word outside the vocabulary is refused by the database; every word of it is accepted; NULL stays allowed where it was', async () => {
    const { database, drop } = await freshDatabase(kind);
    const db = database.db;
    try {
      await seedRows(db);
      for (const [table, column, words] of VOCABULARIES) {
        expect(await sqlStateOf(setTo(db, table, column, 'not_a_word')), `${table}.${column} = not_a_word`).toBe(CHECK_VIOLATION);
        expect(await sqlStateOf(setTo(db, table, column, words[0]!.toUpperCase())), `${table}.${column} in capitals`).toBe(CHECK_VIOLATION);
        for (const word of words) expect(await sqlStateOf(setTo(db, table, column, word)), `${table}.${column} = ${word}`).toBeNull();
      }
      // a new row is checked as a changed one is
      expect(await sqlStateOf(db.execute(sql`insert into ledger_entries (account_id, kind, amount_mc, at_ms) values ('acc', 'bonus', 5, 2)`))).toBe(CHECK_VIOLATION);
      expect(await sqlStateOf(db.execute(sql`update purchases set period = null`))).toBeNull();
      expect(await sqlStateOf(db.execute(sql`update subscriptions set next_period = null`))).toBeNull();
    } finally {
      await drop();
    }
  });
});

/** A copy of the migrations that stops just before this one. */
function migrationsBefore(tag: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'credits-migrations-'));
  temps.push(dir);
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  const journalFile = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag === tag);
  expect(at).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, at);
  writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

/** Rows a server before the migration could hold: good ones, and a ledger entry of a kind no list has. */
async function seedOld(database: Database): Promise<void> {
  await seedRows(database.db);
  await database.db.execute(sql`insert into ledger_entries (account_id, kind, amount_mc, ref, at_ms) values ('acc', 'legacy_kind', 0, 'old', 1)`);
}

async function checkMigrated(database: Database): Promise<void> {
  const db = database.db;
  const found = await checks(db);
  // the check the old row breaks is kept NOT VALID; every other is validated
  for (const [table, column] of VOCABULARIES) expect(found.get(`${table}_${column}_check`)?.validated, `${table}.${column}`).toBe(!(table === 'ledger_entries' && column === 'kind'));
  // the old row is kept as it was; new rows are checked
  expect(await rowsOf<{ kind: string }>(db, sql`select kind from ledger_entries where ref = 'old'`)).toEqual([{ kind: 'legacy_kind' }]);
  expect(await sqlStateOf(db.execute(sql`insert into ledger_entries (account_id, kind, amount_mc, at_ms) values ('acc', 'legacy_kind', 0, 2)`))).toBe(CHECK_VIOLATION);
  expect(await sqlStateOf(db.execute(sql`insert into ledger_entries (account_id, kind, amount_mc, at_ms) values ('acc', 'adjustment', 0, 2)`))).toBeNull();
  expect(await sqlStateOf(db.execute(sql`update generations set status = 'done'`))).toBe(CHECK_VIOLATION);
}

describe(`migration ${TAG} on a database with rows written before it`, () => {
  it('on PGlite', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'credits-vocabularies-'));
    temps.push(dataDir);
    const before = await openDatabase({ dataDir, migrationsDir: migrationsBefore(TAG) });
    await seedOld(before);
    await before.close();
    const after = await openDatabase({ dataDir, migrationsDir: MIGRATIONS_DIR });
    try {
      await checkMigrated(after);
    } finally {
      await after.close();
    }
  });

  it.skipIf(!PG_URL)('on PostgreSQL', async () => {
    const name = `credits_vocab_${randomBytes(6).toString('hex')}`;
    const url = new URL(PG_URL!);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    url.pathname = `/${name}`;
    try {
      const before = await openDatabase({ databaseUrl: url.toString(), migrationsDir: migrationsBefore(TAG), maxConnections: 1 });
      await seedOld(before);
      await before.close();
      const after = await openDatabase({ databaseUrl: url.toString(), migrationsDir: MIGRATIONS_DIR, maxConnections: 1 });
      try {
        await checkMigrated(after);
      } finally {
        await after.close();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
