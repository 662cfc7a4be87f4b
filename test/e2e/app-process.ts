// Starts and stops the real app (browser mode host) and the real credits server as processes, for the end-to-end tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const SCREENSHOT_DIR = path.join(ROOT, 'artifacts', 'screenshots');
mkdirSync(SCREENSHOT_DIR, { recursive: true });

export const tempDir = (name: string) => mkdtempSync(path.join(os.tmpdir(), `credits-e2e-${name}-`));
export const screenshotPath = (name: string) => path.join(SCREENSHOT_DIR, `${name}.png`);

export interface Proc {
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawns a node script and resolves once a line of its output matches `ready`. */
function startNode(script: string, args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}, timeoutMs = 45_000): Promise<{ proc: Proc; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, [path.join(ROOT, script), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const proc: Proc = {
    child,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill(signal);
      }),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, match: m });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready:\n${out}`));
    });
  });
}

export async function startApp(dataDir: string, extraArgs: string[] = []): Promise<{ proc: Proc; launchUrl: string }> {
  const { proc, match } = await startNode('out/web/host.cjs', ['--data-dir', dataDir, '--port', '0', ...extraArgs], /browser mode\) at (http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/);
  return { proc, launchUrl: match[1]! };
}

export async function startServer(dataDir: string, extraArgs: string[] = []): Promise<{ proc: Proc; url: string }> {
  const { proc, match } = await startNode('out/server/index.cjs', ['--data-dir', dataDir, '--port', '0', ...extraArgs], /listening on (http:\/\/127\.0\.0\.1:\d+)/);
  return { proc, url: match[1]! };
}

/** Runs the operator CLI as an operator would, returning its JSON output. */
export function adminCli(args: string[]): any {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'out/server/admin-cli.cjs'), ...args], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`admin CLI failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}
