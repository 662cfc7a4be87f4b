// A new embedded data directory starts from the build's migrated template: migrated, kept, brought up to newer migrations, unpacked again after a first start stopped halfway, and created as before when the template is bad.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, rowsOf } from '../../test/server/helpers';
import { openDatabase } from './open';

const tmp = (name: string) => mkdtempSync(path.join(os.tmpdir(), `credits-template-${name}-`));
const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };

/** A template as the build makes it, from the given migrations folder. */
async function makeTemplate(migrationsDir: string): Promise<string> {
  const client = new PGlite();
  await migrate(drizzle(client), { migrationsFolder: migrationsDir });
  const dump = await client.dumpDataDir('gzip');
  await client.close();
  const file = path.join(tmp('file'), 'migrated-pglite.tar.gz');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  return file;
}

const applied = async (db: Parameters<typeof rowsOf>[0]) => Number((await rowsOf<{ n: number }>(db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`))[0]!.n);

describe('the migrated template for a new embedded database', () => {
  it('a new data directory starts as the template, fully migrated, and keeps what is written in it', async () => {
    const template = await makeTemplate(MIGRATIONS_DIR);
    const dataDir = tmp('new');
    const first = await openDatabase({ dataDir, migrationsDir: MIGRATIONS_DIR, pgliteTemplate: template });
    expect(await applied(first.db)).toBe(journal.entries.length);
    await first.db.execute(sql`insert into accounts (id, display_name, plan_id, created_at_ms) values ('kept', 'Ada', 'free', 1)`);
    await first.close();
    // opened again (with the template still there): the data directory is not replaced
    const again = await openDatabase({ dataDir, migrationsDir: MIGRATIONS_DIR, pgliteTemplate: template });
    expect((await rowsOf<{ id: string }>(again.db, sql`select id from accounts`)).map((r) => r.id)).toEqual(['kept']);
    await again.close();
  });

  it('a template older than the migrations is brought up to them after it is loaded', async () => {
    const older = tmp('older');
    cpSync(MIGRATIONS_DIR, older, { recursive: true });
    const file = path.join(older, 'meta', '_journal.json');
    const j = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...j, entries: j.entries.slice(0, 3) }));
    const template = await makeTemplate(older);
    const db = await openDatabase({ dataDir: tmp('upgrade'), migrationsDir: MIGRATIONS_DIR, pgliteTemplate: template });
    expect(await applied(db.db)).toBe(journal.entries.length);
    await db.close();
  });

  it('a first start stopped halfway (files but no PG_VERSION, its unpacking folder left) starts from the template again', async () => {
    const template = await makeTemplate(MIGRATIONS_DIR);
    const dataDir = tmp('halfway');
    const pgdata = path.join(dataDir, 'pgdata');
    mkdirSync(path.join(pgdata, 'base'), { recursive: true });
    writeFileSync(path.join(pgdata, 'base', 'leftover'), 'half a database');
    mkdirSync(`${pgdata}.unpacking-${process.pid + 1}`, { recursive: true });
    const db = await openDatabase({ dataDir, migrationsDir: MIGRATIONS_DIR, pgliteTemplate: template });
    expect(await applied(db.db)).toBe(journal.entries.length);
    await db.close();
    expect(existsSync(path.join(pgdata, 'base', 'leftover'))).toBe(false);
    expect(readdirSync(dataDir)).toEqual(['pgdata']);
  });

  it('a template that cannot be loaded is set aside: the database is created and migrated as before', async () => {
    const bad = path.join(tmp('bad'), 'migrated-pglite.tar.gz');
    writeFileSync(bad, 'not a tarball');
    const db = await openDatabase({ dataDir: tmp('fallback'), migrationsDir: MIGRATIONS_DIR, pgliteTemplate: bad });
    expect(await applied(db.db)).toBe(journal.entries.length);
    await db.close();
  });
});
