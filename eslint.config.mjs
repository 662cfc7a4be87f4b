// Lint: typescript-eslint strict, and import rules that fail on any edge ARCHITECTURE.md forbids (who may import what).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const forbid = (names, message) => names.map((name) => ({ name, message }));

/** A relative import that climbs to the repository root and enters `folder`, e.g. '../../server/app'. */
const intoFolder = (folder, message) => ({ regex: `^(\\.\\./)+${folder}(/|$)`, message });

/** Folder → the restrictions ARCHITECTURE.md puts on it ("Who may import what"). */
const rules = {
  shared: {
    paths: forbid(['electron', ...nodeBuiltins, 'react', 'react-dom'], 'shared/ is pure TypeScript: no electron, Node or DOM.'),
    patterns: ['server', 'main', 'renderer'].map((f) => intoFolder(f, 'shared/ is pure: it imports no other folder.')),
  },
  server: {
    paths: forbid(['electron', 'react', 'react-dom'], 'server/ is a plain Node service.'),
    patterns: ['main', 'renderer'].map((f) => intoFolder(f, 'server/ may import only shared/.')),
  },
  mainCore: {
    paths: forbid(['electron', 'electron-store'], 'main/core runs in plain Node (browser mode): no electron.'),
    patterns: ['server', 'renderer'].map((f) => intoFolder(f, 'main/core may import only shared/ and Node.')),
  },
  mainWeb: {
    paths: forbid(['electron', 'electron-store'], 'browser mode runs in plain Node: no electron.'),
    patterns: ['server', 'renderer'].map((f) => intoFolder(f, 'main/ starts the server as a process and never imports it or the renderer.')),
  },
  main: {
    paths: [],
    patterns: ['server', 'renderer'].map((f) => intoFolder(f, 'main/ starts the server as a process and never imports it or the renderer.')),
  },
  renderer: {
    paths: forbid(['electron', 'axios', 'eventsource', ...nodeBuiltins], 'the renderer never touches Node or the network.'),
    patterns: ['server', 'main'].map((f) => intoFolder(f, 'renderer/ talks only to window.credits.')),
  },
};
const restrict = (r) => ({ 'no-restricted-imports': ['error', r] });

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'artifacts/**', 'server/migrations/**', 'coverage/**'] },
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
  // Later entries win for a file: the most specific folder comes last.
  { files: ['shared/**'], rules: restrict(rules.shared) },
  { files: ['server/**'], rules: restrict(rules.server) },
  { files: ['main/**'], rules: restrict(rules.main) },
  { files: ['main/core/**'], rules: restrict(rules.mainCore) },
  { files: ['main/web/**'], rules: restrict(rules.mainWeb) },
  { files: ['renderer/**', 'main/web/bridge.ts'], rules: restrict(rules.renderer) },
  {
    files: ['test/**', 'scripts/**', '*.config.*'],
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
