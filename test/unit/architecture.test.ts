// The import allow-list of docs/architecture.md is enforced by the lint: a forbidden import written into a real file fails it.
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: root });
const written: string[] = [];

/** Writes a temporary file into the folder, lints it from disk as `npm run lint` would, and returns its problems. */
async function lintProbe(folder: string, code: string, suffix = ''): Promise<string[]> {
  const file = path.join(root, folder, `lint-probe-${randomBytes(4).toString('hex')}${suffix}.ts`);
  written.push(file);
  writeFileSync(file, `// A temporary file written by the architecture test.\n${code}\n`);
  const [r] = await eslint.lintFiles([file]);
  return r!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

afterEach(() => {
  for (const f of written.splice(0)) rmSync(f, { force: true });
});

describe('who may import what', () => {
  it.each([
    ['shared/rules', "import fs from 'node:fs'; export const a = fs;"],
    ['shared/rules', "import { app } from 'electron'; export const a = app;"],
    ['shared/rules', "import axios from 'axios'; export const a = axios;"],
    ['shared/rules', "import { buildApp } from '../../server/app'; export const a = buildApp;"],
    ['server', "import { AppCore } from '../main/core/app-core'; export const a = AppCore;"],
    ['server/wallet', "import { app } from 'electron'; export const a = app;"],
    ['server/wallet', "import { x } from '../../renderer/src/lib/format'; export const a = x;"],
    ['main/core', "import { app } from 'electron'; export const a = app;"],
    ['main/core', "import { buildApp } from '../../server/app'; export const a = buildApp;"],
    ['main/core', "import { x } from '../web/host'; export const a = x;"],
    ['main', "import { buildApp } from '../server/app'; export const a = buildApp;"],
    ['main', "import { x } from '../renderer/src/lib/format'; export const a = x;"],
    ['renderer/src', "import axios from 'axios'; export const a = axios;"],
    ['renderer/src', "import fs from 'node:fs'; export const a = fs;"],
    ['renderer/src', "import { AppCore } from '../../main/core/app-core'; export const a = AppCore;"],
    ['renderer/src', "export { buildApp } from '../../server/app';"],
    ['renderer/src', "export const a = () => import('../../server/app');"],
    // layers inside server/: a domain's service throws domain errors, http/ stands below every domain
    ['server/wallet', "import { ApiError } from '../http/errors'; export const a = ApiError;"],
    ['server/generations', "import type { FastifyRequest } from 'fastify'; export type A = FastifyRequest;"],
    ['server/http', "import { accountForToken } from '../accounts/tokens'; export const a = accountForToken;"],
    ['server/http', "import type { WalletEvents } from '../wallet/events'; export type A = WalletEvents;"],
    // shared/ runs one way: rules → api → ipc
    ['shared/rules', "import type { LedgerEntry } from '../api/index'; export type A = LedgerEntry;"],
    ['shared/rules', "import { CONNECTION_STATES } from '../ipc/contract'; export const a = CONNECTION_STATES;"],
    ['shared/api', "import { CONNECTION_STATES } from '../ipc/contract'; export const a = CONNECTION_STATES;"],
  ])('%s: %s is refused', async (folder, code) => {
    const found = await lintProbe(folder, code);
    expect(found.join('\n')).toMatch(/architecture\/allowed-imports: .* is not allowed here/);
  });

  it('allowed edges pass', async () => {
    expect(await lintProbe('server', "import { estimate } from '../shared/rules/pricing'; export const a = estimate;")).toEqual([]);
    expect(await lintProbe('server/wallet', "import { lockAccount } from '../accounts/service'; export const a = lockAccount;")).toEqual([]);
    expect(await lintProbe('server/wallet', "import { DomainError } from '../errors'; export const a = DomainError;")).toEqual([]);
    expect(await lintProbe('server/wallet', "import { ApiError } from '../http/errors'; import type { FastifyRequest } from 'fastify'; export const a = ApiError; export type R = FastifyRequest;", '-routes')).toEqual([]);
    expect(await lintProbe('server/http', "import type { Db } from '../db/open'; import { DomainError } from '../errors'; export const a = DomainError; export type D = Db;")).toEqual([]);
    expect(await lintProbe('shared/api', "import { formatCredits } from '../rules/money'; export const a = formatCredits;")).toEqual([]);
    expect(await lintProbe('main/core', "import path from 'node:path'; import { walletSchema } from '../../shared/api/index'; export const a = [path, walletSchema];")).toEqual([]);
    expect(await lintProbe('renderer/src', "import { formatCredits } from '../../shared/rules/money'; import { create } from 'zustand'; export const a = [formatCredits, create];")).toEqual([]);
  });

  it('files and functions have a size limit', async () => {
    const longFn = `export function f(): number {\n  let n = 0;\n${'  n += 1;\n'.repeat(90)}  return n;\n}`;
    expect((await lintProbe('shared/rules', longFn)).join('\n')).toMatch(/max-lines-per-function/);
    const longFile = Array.from({ length: 420 }, (_, i) => `export const v${i} = ${i};`).join('\n');
    expect((await lintProbe('shared/rules', longFile)).join('\n')).toMatch(/max-lines/);
  });

  it("product code casts nothing through unknown; a single cast and a test's cast pass", async () => {
    expect((await lintProbe('main/core', 'export const n = JSON.parse(\'1\') as unknown as string;')).join('\n')).toMatch(/no-restricted-syntax: No 'as unknown as'/);
    expect(await lintProbe('main/core', 'export const n = JSON.parse(\'1\') as number;')).toEqual([]);
    expect(await lintProbe('test/main', 'export const n = JSON.parse(\'1\') as unknown as string;', '.test')).toEqual([]);
  });
});

describe('no import cycles', () => {
  it('no module of the product imports itself through others', async () => {
    const { readdirSync, readFileSync, existsSync } = await import('node:fs');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) walk(rel);
        else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) files.push(rel);
      }
    };
    for (const d of ['shared', 'server', 'main', 'browser', 'renderer/src']) if (existsSync(path.join(root, d))) walk(d);
    const resolve = (from: string, spec: string): string | null => {
      const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
      for (const c of [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`]) if (files.includes(c)) return c;
      return null;
    };
    const edges = new Map(files.map((f) => [f, [...readFileSync(path.join(root, f), 'utf8').matchAll(/(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)].map((m) => resolve(f, m[1]!)).filter((x): x is string => x !== null)]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, 'open');
      stack.push(f);
      for (const t of edges.get(f) ?? []) {
        if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].join(' → '));
        else if (!state.has(t)) visit(t);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});
