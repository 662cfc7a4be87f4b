// Migration 0004_tokens on a database made before it: tokens get ids and keep working, and stored answers lose the secrets they held.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { openDatabase, type Database } from '../db/open';
import { accountForToken } from './tokens';
import { MIGRATIONS_DIR, PG_URL, rowsOf } from '../../test/server/helpers';
import { sha256 } from '../util';

const TAG = '0004_tokens';
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
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

/** What a server before this migration stored: a token row, and the answers that carried its secret in clear. */
async function seedOldRows(database: Database): Promise<{ secret: string; orphan: string }> {
  const secret = `cdk_${randomBytes(32).toString('base64url')}`;
  const orphan = `cdk_${randomBytes(32).toString('base64url')}`;
  const db = database.db;
  await db.execute(sql`insert into accounts (id, display_name, plan_id, created_at_ms) values ('old', 'Old', 'free', 1)`);
  await db.execute(sql`insert into api_tokens (token_hash, account_id, created_at_ms) values (${sha256(secret)}, 'old', 1)`);
  const answer = (token: string) => JSON.stringify({ accountId: 'old', token });
  await db.execute(sql`insert into idempotency_keys (scope, key, request_hash, status, body, created_at_ms) values ('admin:accounts', 'k-old-account', 'h', 201, ${answer(secret)}::jsonb, 1)`);
  await db.execute(sql`insert into idempotency_keys (scope, key, request_hash, status, body, created_at_ms) values ('admin:tokens:old', 'k-old-orphan', 'h', 201, ${answer(orphan)}::jsonb, 1)`);
  await db.execute(sql`insert into idempotency_keys (scope, key, request_hash, status, body, created_at_ms) values ('gen:old', 'k-old-gen', 'h', 201, '{"id":"gen_x","request":{"prompt":"keep me"}}'::jsonb, 1)`);
  return { secret, orphan };
}

async function checkMigrated(database: Database, secret: string, orphan: string): Promise<void> {
  const db = database.db;
  const tokens = await rowsOf<{ id: string; label: string; last_used_at_ms: unknown }>(db, sql`select id, label, last_used_at_ms from api_tokens`);
  expect(tokens).toEqual([{ id: expect.stringMatching(/^tok_[0-9a-f]{32}$/), label: '', last_used_at_ms: null }]);
  expect(await accountForToken(db, secret, 10)).toMatchObject({ accountId: 'old', tokenId: tokens[0]!.id });
  const keys = await rowsOf<{ key: string; status: number; body: string }>(db, sql`select key, status, body::text as body from idempotency_keys order by key`);
  const byKey = Object.fromEntries(keys.map((k) => [k.key, k]));
  expect(byKey['k-old-account']!.status).toBe(409);
  expect(JSON.parse(byKey['k-old-account']!.body)).toMatchObject({ error: { code: 'token_already_issued', details: { accountId: 'old', tokenId: tokens[0]!.id } } });
  expect(JSON.parse(byKey['k-old-orphan']!.body)).toEqual({ accountId: 'old' });
  expect(JSON.parse(byKey['k-old-gen']!.body)).toEqual({ id: 'gen_x', request: { prompt: 'keep me' } });
  const all = keys.map((k) => k.body).join('\n');
  expect(all).not.toContain(secret);
  expect(all).not.toContain(orphan);
}

describe(`migration ${TAG}`, () => {
  it('on PGlite', async () => {
    // in memory: the same database migrated in two steps, as a server upgraded in place would be
    const database = await openDatabase({ migrationsDir: migrationsBefore(TAG) });
    try {
      const { secret, orphan } = await seedOldRows(database);
      await migratePglite(database.db as unknown as Parameters<typeof migratePglite>[0], { migrationsFolder: MIGRATIONS_DIR });
      await checkMigrated(database, secret, orphan);
    } finally {
      await database.close();
    }
  });

  it.skipIf(!PG_URL)('on PostgreSQL', async () => {
    const name = `credits_migrate_${randomBytes(6).toString('hex')}`;
    const url = new URL(PG_URL!);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    url.pathname = `/${name}`;
    try {
      const before = await openDatabase({ databaseUrl: url.toString(), migrationsDir: migrationsBefore(TAG), maxConnections: 1 });
      const { secret, orphan } = await seedOldRows(before);
      await before.close();
      const after = await openDatabase({ databaseUrl: url.toString(), migrationsDir: MIGRATIONS_DIR, maxConnections: 1 });
      try {
        await checkMigrated(after, secret, orphan);
      } finally {
        await after.close();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
