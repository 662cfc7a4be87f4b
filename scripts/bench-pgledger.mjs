// The reference for bench:server's holds load on PostgreSQL: pgledger's create_transfer (https://github.com/pgr0ss/pgledger) under pgbench.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createScratchDatabase } from './faults/db.mjs';

/** pgledger's SQL files in a checkout or bare clone at `dir` (taken from its git HEAD), or null when they are not there. */
export function pgledgerSql(dir) {
  if (existsSync(path.join(dir, 'pgledger.sql'))) return ['vendor/scoville-pgsql-ulid/ulid-to-uuid.sql', 'vendor/scoville-pgsql-ulid/uuid-to-ulid.sql', 'pgledger.sql'].map((f) => path.join(dir, f));
  const show = (f) => spawnSync('git', ['-C', dir, 'show', `HEAD:${f}`], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const files = ['vendor/scoville-pgsql-ulid/ulid-to-uuid.sql', 'vendor/scoville-pgsql-ulid/uuid-to-ulid.sql', 'pgledger.sql'].map((f) => {
    const r = show(f);
    if (r.status !== 0) return null;
    const out = path.join(os.tmpdir(), `pgledger-${path.basename(f)}`);
    writeFileSync(out, r.stdout);
    return out;
  });
  return files.every(Boolean) ? files : null;
}

/** pgledger's create_transfer/s under pgbench for `seconds`, on a scratch database made from `adminUrl` with pgledger's `files` loaded. */
export async function pgledgerTps(adminUrl, files, clients, accounts, seconds) {
  const db = await createScratchDatabase(adminUrl);
  try {
    for (const f of files) {
      const r = spawnSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-d', db.url, '-f', f], { encoding: 'utf8' });
      if (r.status !== 0) return { note: `loading pgledger failed: ${r.stderr.slice(0, 300)}` };
    }
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('CREATE TABLE bench_accounts (n int PRIMARY KEY, id text NOT NULL)');
    await c.query(`INSERT INTO bench_accounts SELECT g, (pgledger_create_account('bench-' || g, 'USD')).id FROM generate_series(1, ${accounts}) g`);
    await c.end();
    const script = path.join(os.tmpdir(), `pgledger-bench-${process.pid}.sql`);
    writeFileSync(script, `\\set a random(1, ${accounts})\n\\set b (:a % ${accounts}) + 1\nSELECT pgledger_create_transfer((SELECT id FROM bench_accounts WHERE n = :a), (SELECT id FROM bench_accounts WHERE n = :b), 1);\n`);
    const r = spawnSync('pgbench', ['-n', '-c', String(clients), '-j', String(Math.min(clients, os.availableParallelism())), '-T', String(seconds), '-f', script, db.url], { encoding: 'utf8' });
    const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout);
    return m ? { tps: Number(m[1]) } : { note: `pgbench failed: ${(r.stderr || r.stdout).slice(0, 300)}` };
  } finally {
    await db.drop();
  }
}

