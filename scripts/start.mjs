// `npm start`: launches the Electron app where its binary can be had; otherwise says so in one line and serves browser mode.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { electronBinary, hasDisplay } from './electron-binary.mjs';

const root = path.resolve(import.meta.dirname, '..');
const DOWNLOAD_TIMEOUT_MS = 120_000;

function tryDownload() {
  const require = createRequire(import.meta.url);
  const install = path.join(path.dirname(require.resolve('electron/package.json')), 'install.js');
  const r = spawnSync(process.execPath, [install], { stdio: 'ignore', timeout: DOWNLOAD_TIMEOUT_MS });
  return r.status === 0 ? electronBinary() : null;
}

function run(cmd, args) {
  const child = spawn(cmd, args, { stdio: 'inherit', cwd: root });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}

const forced = process.env.CREDITS_BROWSER_MODE === '1';
let binary = forced ? null : electronBinary();
if (!forced && !binary && hasDisplay()) binary = tryDownload();

if (binary && hasDisplay()) {
  run(binary, [root]);
} else {
  const why = forced ? 'CREDITS_BROWSER_MODE=1 is set' : !binary ? 'no Electron binary can be had on this machine' : 'there is no display';
  console.log(`Electron is not available (${why}); serving the same app in browser mode.`);
  run(process.execPath, [path.join(root, 'out/web/host.cjs'), ...process.argv.slice(2)]);
}
