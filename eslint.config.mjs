// Lint: typescript-eslint strict, and import rules that fail on any edge ARCHITECTURE.md forbids (who may import what).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const forbid = (names, message) => names.map((name) => ({ name, message }));

/** Folder → folders it must never import from (ARCHITECTURE.md, "Who may import what"). */
const zones = [
  { target: './shared', from: ['./server', './main', './renderer'], message: 'shared/ is pure: it imports no other folder.' },
  { target: './server', from: ['./main', './renderer'], message: 'server/ may import only shared/.' },
  { target: './main/core', from: ['./renderer', './server'], message: 'main/core may import only shared/ and Node.' },
  { target: './main', from: ['./renderer', './server'], message: 'main/ starts the server as a process and never imports it or the renderer.' },
  { target: './renderer', from: ['./main', './server'], message: 'renderer/ talks only to window.credits.' },
];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'artifacts/**', 'server/migrations/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.mts', '.js', '.mjs', '.json'] })] },
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['shared/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: forbid(['electron', ...nodeBuiltins, 'react', 'react-dom'], 'shared/ is pure TypeScript: no electron, Node or DOM.') }],
    },
    languageOptions: { globals: {} },
  },
  {
    files: ['main/core/**'],
    rules: { 'no-restricted-imports': ['error', { paths: forbid(['electron', 'electron-store'], 'main/core runs in plain Node (browser mode): no electron.') }] },
  },
  {
    files: ['main/web/**'],
    rules: { 'no-restricted-imports': ['error', { paths: forbid(['electron', 'electron-store'], 'browser mode runs in plain Node: no electron.') }] },
  },
  {
    files: ['renderer/**', 'main/web/bridge.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: forbid(['electron', 'axios', 'eventsource', ...nodeBuiltins], 'the renderer never touches Node or the network.') }],
    },
  },
  {
    files: ['test/**', 'scripts/**', '*.config.*'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', 'scripts/**'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', __dirname: 'readonly', URL: 'readonly' } },
  },
);
