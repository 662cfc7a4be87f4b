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

function refusal(fileRel, spec) {
  const from = folderOf(fileRel);
  if (!from) return null;
  const rule = ALLOWED[from];
  if (spec.startsWith('.')) {
    const target = path.relative(root, path.resolve(root, path.dirname(fileRel), spec)).split(path.sep).join('/');
    return rule.folders.some((f) => target === f || target.startsWith(`${f}/`)) ? null : rule.why;
  }
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
