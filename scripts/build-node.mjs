// Builds what electron-vite does not: the credits server bundle and its migrations, the admin CLI, and browser mode's host and bridge.
import { build } from 'esbuild';
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';

const root = path.resolve(import.meta.dirname, '..');
const out = (p) => path.join(root, 'out', p);
const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  packages: 'external',
  logLevel: 'warning',
  legalComments: 'none',
};

async function main() {
  rmSync(out('server'), { recursive: true, force: true });
  rmSync(out('web'), { recursive: true, force: true });
  await Promise.all([
    build({ ...node, entryPoints: [path.join(root, 'server/main.ts')], outfile: out('server/index.cjs') }),
    build({ ...node, entryPoints: [path.join(root, 'server/admin/cli.ts')], outfile: out('server/admin-cli.cjs') }),
    build({ ...node, entryPoints: [path.join(root, 'server/admin/seed-history.ts')], outfile: out('server/seed-history.cjs') }),
    // conf is ESM-only: bundled into the host so that the CommonJS bundle loads it on any Node 20.
    build({ ...node, packages: undefined, external: ['fastify', '@fastify/*', 'axios', 'eventsource', 'zod', 'ws'], entryPoints: [path.join(root, 'main/web/host.ts')], outfile: out('web/host.cjs') }),
    build({ bundle: true, platform: 'browser', target: 'chrome120', format: 'iife', entryPoints: [path.join(root, 'browser/bridge.ts')], outfile: out('web/bridge.js'), logLevel: 'warning' }),
  ]);
  mkdirSync(out('server'), { recursive: true });
  cpSync(path.join(root, 'server/db/migrations'), out('server/migrations'), { recursive: true });
  await migratedTemplate(path.join(root, 'server/db/migrations'), out(`server/${TEMPLATE_FILE}`));
}

/** The embedded server's first start copies this instead of creating and migrating a database (6.7 s → 1.6 s here). */
const TEMPLATE_FILE = 'migrated-pglite.tar.gz';

/**
 * A migrated, empty PGlite database as a tarball, made once per set of migrations (kept in node_modules/.cache) and copied
 * into out/server. A server that finds migrations newer than its template applies them after loading it.
 */
async function migratedTemplate(migrationsDir, target) {
  const hash = createHash('sha256');
  for (const f of readdirSync(migrationsDir, { recursive: true }).sort()) {
    const file = path.join(migrationsDir, String(f));
    if (f.endsWith('.sql') || f.endsWith('.json')) hash.update(String(f)).update(readFileSync(file));
  }
  const cacheDir = path.join(root, 'node_modules', '.cache', 'credits-desk');
  const cached = path.join(cacheDir, `pglite-${hash.digest('hex').slice(0, 16)}.tar.gz`);
  if (!existsSync(cached)) {
    const client = new PGlite();
    await migrate(drizzle(client), { migrationsFolder: migrationsDir });
    const dump = await client.dumpDataDir('gzip');
    await client.close();
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cached}.${process.pid}`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, cached);
  }
  copyFileSync(cached, target);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
