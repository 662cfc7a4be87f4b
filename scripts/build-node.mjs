// Builds what electron-vite does not: the credits server bundle and its migrations, the admin CLI, and browser mode's host and bridge.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

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
    build({ bundle: true, platform: 'browser', target: 'chrome120', format: 'esm', entryPoints: [path.join(root, 'browser/bridge.ts')], outfile: out('web/bridge.js'), logLevel: 'warning' }),
  ]);
  mkdirSync(out('server'), { recursive: true });
  cpSync(path.join(root, 'server/db/migrations'), out('server/migrations'), { recursive: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
