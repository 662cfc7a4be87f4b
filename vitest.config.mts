// Vitest configuration: unit, server (PGlite and, with TEST_DATABASE_URL, PostgreSQL), main and renderer tests. E2E runs under Playwright.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/{unit,server,main,renderer}/**/*.test.{ts,tsx}', 'server/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
