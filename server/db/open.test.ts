// The PostgreSQL pool survives the loss of an idle connection: its error goes to the listener, not to an uncaught exception.
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { freshDatabase, MIGRATIONS_DIR, PG_URL, rowsOf } from '../../test/server/helpers';
import { openDatabase, PGLITE_MEMORY_SETTINGS } from './open';

describe.skipIf(!PG_URL)('PostgreSQL pool', () => {
  it('an idle connection killed by the server is reported and replaced, and the process goes on', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    const { database: scratch, drop } = await freshDatabase('postgres', 2);
    const lost: Error[] = [];
    const database = await openDatabase({ databaseUrl: scratch.connectionString!, migrationsDir: MIGRATIONS_DIR, maxConnections: 2, onPoolError: (e) => lost.push(e) });
    try {
      const [row] = await rowsOf<{ pid: number; name: string }>(database.db, sql`select pg_backend_pid() as pid, current_database() as name`);
      const killer = new pg.Client({ connectionString: PG_URL });
      await killer.connect();
      const killed = await killer.query('select pg_terminate_backend(pid) from pg_stat_activity where pid = $1', [row!.pid]);
      expect(killed.rowCount).toBe(1);
      await killer.end();
      // the pool hears its idle connection go and reports it to the listener
      await expect.poll(() => lost.length).toBe(1);
      const again = await rowsOf<{ one: number }>(database.db, sql`select 1 as one`);
      expect(again[0]!.one).toBe(1);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await database.close();
      await drop();
    }
  });
});

describe('PGlite', () => {
  it('opens a data directory with the memory settings of a background service, not a server’s 128 MB of buffers', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'credits-pglite-memory-'));
    const database = await openDatabase({ dataDir: dir, migrationsDir: MIGRATIONS_DIR });
    try {
      for (const [name, value] of Object.entries(PGLITE_MEMORY_SETTINGS)) {
        const rows = await rowsOf<Record<string, string>>(database.db, sql.raw(`show ${name}`));
        expect(rows[0], name).toEqual({ [name]: value });
      }
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
