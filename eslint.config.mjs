// Lint: typescript-eslint strict; an allow-list of who may import what (docs/architecture.md); and limits on file and function size.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import path from 'node:path';

const root = import.meta.dirname;
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/**
 * Each folder of the product, and what its files may import: the folders of this repository (`folders`, longest match of the
 * importing file wins), whether Node's built-ins and Electron are allowed, and which npm packages (`packages`: a list, or
 * 'any' for a Node process). Anything not listed is refused. Tests and scripts are outside the product and may import anything.
 */
export const ALLOWED = {
  shared: { folders: ['shared'], node: false, electron: false, packages: ['zod'], why: 'shared/ is pure TypeScript: it imports zod and nothing of the other folders, Node, Electron or the DOM.' },
  server: { folders: ['server', 'shared'], node: true, electron: false, packages: 'any', why: 'server/ is a plain Node service: it may import only shared/ of this repository.' },
  'main/core': { folders: ['main/core', 'shared'], node: true, electron: false, packages: 'any', why: 'main/core runs in plain Node (browser mode too): shared/ and Node only, never electron, server/ or renderer/.' },
  'main/web': { folders: ['main/web', 'main/core', 'shared'], node: true, electron: false, packages: 'any', why: 'browser mode runs in plain Node: main/core and shared/ only, never electron.' },
  main: { folders: ['main', 'shared'], node: true, electron: true, packages: 'any', why: 'main/ starts the server as a process and never imports it or the renderer.' },
  browser: { folders: ['browser', 'shared'], node: false, electron: false, packages: ['zod'], why: 'browser/ runs in the page: it may import only shared/.' },
  renderer: { folders: ['renderer', 'shared'], node: false, electron: false, packages: ['react', 'react-dom', 'zustand', 'zod', '@tanstack/react-virtual', 'recharts', '@radix-ui/react-dialog', '@radix-ui/react-popover'], why: 'the renderer never touches Node, Electron or the network: it talks only to window.credits and imports only shared/.' },
};
const ORDERED = Object.keys(ALLOWED).sort((a, b) => b.length - a.length);

const folderOf = (rel) => ORDERED.find((f) => rel === f || rel.startsWith(`${f}/`));
const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

const under = (target, folder) => target === folder || target.startsWith(`${folder}/`);

/**
 * Layers inside a folder, on top of the allow-list. In server/ a domain's service speaks in domain errors (server/errors.ts):
 * only its HTTP face (routes, its plugin, and the faces named here) imports http/ or Fastify, and http/ imports no domain. In
 * shared/, rules/ are the floor: api/ builds on them and ipc/ on both, never the other way.
 */
const SERVER_HTTP_FACES = new Set(['server/accounts/auth.ts', 'server/admin/once.ts', 'server/wallet/stream.ts']);
const SERVER_FLOOR = ['server/http', 'server/db', 'server/errors', 'server/clock', 'server/util', 'server/config', 'server/engines'];
const SHARED_BELOW = { 'shared/rules': ['shared/api', 'shared/ipc'], 'shared/api': ['shared/ipc'] };

function layerRefusal(fileRel, spec, target) {
  const parts = fileRel.split('/');
  if (parts[0] === 'server' && parts.length >= 3) {
    if (parts[1] === 'http') {
      if (target && target.startsWith('server/') && !SERVER_FLOOR.some((f) => under(target, f) || target === `${f}.ts` || target.startsWith(`${f}.`))) {
        return 'server/http/ is the floor every domain stands on: it imports no domain (hand it what it needs through the context).';
      }
      return null;
    }
    const face = parts.at(-1).endsWith('routes.ts') || parts.at(-1) === 'plugin.ts' || SERVER_HTTP_FACES.has(fileRel);
    const http = target ? under(target, 'server/http') : /^fastify/.test(packageName(spec));
    if (http && !face) return "a domain's service may not import http/ or Fastify: throw a DomainError (server/errors.ts); the routes and http/ turn it into a status.";
    return null;
  }
  if (parts[0] === 'shared' && target) {
    const below = SHARED_BELOW[`shared/${parts[1]}`];
    if (below && below.some((f) => under(target, f))) return `shared/${parts[1]}/ may not import ${target.split('/').slice(0, 2).join('/')}/: shared/ runs one way, rules → api → ipc.`;
  }
  return null;
}

function refusal(fileRel, spec) {
  const from = folderOf(fileRel);
  if (!from) return null;
  const rule = ALLOWED[from];
  if (spec.startsWith('.')) {
    const target = path.relative(root, path.resolve(root, path.dirname(fileRel), spec)).split(path.sep).join('/');
    if (!rule.folders.some((f) => under(target, f))) return rule.why;
    return layerRefusal(fileRel, spec, target);
  }
  const layered = layerRefusal(fileRel, spec, null);
  if (layered) return layered;
  if (nodeBuiltins.has(spec) || nodeBuiltins.has(spec.split('/')[0])) return rule.node ? null : rule.why;
  const pkg = packageName(spec);
  if (pkg === 'electron' || pkg === 'electron-store') return rule.electron ? null : rule.why;
  if (rule.packages === 'any') return null;
  return rule.packages.includes(pkg) ? null : rule.why;
}

const allowedImports = {
  meta: { type: 'problem', schema: [], docs: { description: "imports only what the file's folder allows (docs/architecture.md)" } },
  create(context) {
    const fileRel = path.relative(root, context.filename).split(path.sep).join('/');
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string') return;
      const why = refusal(fileRel, source.value);
      if (why) context.report({ node, message: `"${source.value}" is not allowed here: ${why}` });
    };
    return {
      ImportDeclaration: (n) => check(n, n.source),
      ExportNamedDeclaration: (n) => check(n, n.source),
      ExportAllDeclaration: (n) => check(n, n.source),
      ImportExpression: (n) => check(n, n.source),
    };
  },
};

const productFiles = ['shared/**', 'server/**', 'main/**', 'browser/**', 'renderer/**'];
const testFiles = ['test/**', '**/*.test.ts', '**/*.test.tsx', 'scripts/**', '*.config.*'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'artifacts/**', 'server/db/migrations/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: productFiles,
    ignores: testFiles,
    plugins: { architecture: { rules: { 'allowed-imports': allowedImports } } },
    rules: {
      'architecture/allowed-imports': 'error',
      // a room this big usually holds two ideas; a function this long, several steps that want names
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
      // a cast through unknown tells the type checker nothing is checked here: type the value, or say why in a disable comment
      'no-restricted-syntax': [
        'error',
        { selector: "TSAsExpression > TSAsExpression.expression[typeAnnotation.type='TSUnknownKeyword']", message: "No 'as unknown as' in product code: type the value (a guard, a typed read, a narrower signature) instead." },
      ],
    },
  },
  {
    files: testFiles,
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', 'scripts/**'],
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', __dirname: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly',
        // page-side code that the benchmark runs in Chromium
        performance: 'readonly', document: 'readonly', requestAnimationFrame: 'readonly', PerformanceObserver: 'readonly',
      },
    },
  },
);
