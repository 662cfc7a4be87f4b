// Fuzzes every route of a real server with seeded random requests: no answer is a 5xx, every error has the one shape, and account B is neither seen nor changed by anyone else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../test/server/fuzz-requests';
import { fuzzEngines, runFuzz, setUpWorld, snapshotOf } from '../../test/server/fuzz';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';
import type { FuzzIds } from '../../test/server/fuzz-requests';

/** FUZZ_REQUESTS and FUZZ_SEED come from `npm run fuzz -- --requests N --seed S`; npm test runs the defaults. */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
/** PostgreSQL refuses the same bytes PGlite does; a shorter run there checks the other driver without doubling the time. */
const REQUESTS_ON_POSTGRES = Number(process.env.FUZZ_REQUESTS ?? 2_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const DRIVER_FILTER = process.env.FUZZ_DRIVER;
/** a floor for setup, and 20 ms a request: several times what a busy machine needs */
const timeoutFor = (n: number) => 60_000 + n * 20;

describe.each(DRIVERS.filter((d) => !DRIVER_FILTER || d === DRIVER_FILTER))('fuzz (%s)', (kind) => {
  let s: TestServer;
  let ids: FuzzIds;
  let markers: string[];
  let bBefore: string;
  const { engines, startFuzzing } = fuzzEngines();
  beforeAll(async () => {
    s = await startServer(kind, { runnerConcurrency: 1, engines, trainingSpeed: 10_000 });
    ({ ids, markers } = await setUpWorld(s));
    bBefore = await snapshotOf(s, ids.b.accountId);
    startFuzzing();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('knows every route the server has', () => {
    const known = new Set(ROUTES.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, ':p')}`));
    const registered = s.credits.routes.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, ':p')}`);
    expect(registered.length).toBeGreaterThan(20);
    expect(registered.filter((r) => !known.has(r))).toEqual([]);
  });

  const n = kind === 'postgres' ? REQUESTS_ON_POSTGRES : REQUESTS;
  it(`${n} random requests: no 5xx, every error in the one shape, nothing of B's seen or changed`, { timeout: timeoutFor(n) }, async () => {
    const report = await runFuzz(s, ids, markers, { requests: n, seed: SEED });
    await s.credits.runner.idle();
    const summary = { requests: report.requests, fiveXx: report.fiveXx, shapeViolations: report.shapeViolations, transportErrors: report.byTransportError, seconds: report.seconds, cpuSeconds: report.cpuSeconds, byStatus: report.byStatus };
    console.log(`fuzz (${kind}, seed ${SEED}): ${JSON.stringify(summary)}`);
    if (process.env.FUZZ_VERBOSE) for (const [route, statuses] of Object.entries(report.byRoute)) console.log(`  ${route}: ${JSON.stringify(statuses)}`);
    if (process.env.FUZZ_VERBOSE) console.log(`  ms by route: ${JSON.stringify(Object.entries(report.msByRoute).sort((a, b) => b[1] - a[1]).slice(0, 12))}`);
    if (process.env.FUZZ_VERBOSE) for (const x of report.slowest) console.log(`  slow ${x.ms} ms: ${x.request}`);
    const shown = [...report.violations.filter((v) => v.rule !== 'shape'), ...report.violations.filter((v) => v.rule === 'shape')];
    for (const v of shown.slice(0, process.env.FUZZ_VERBOSE ? 200 : 10)) console.log(`  ${v.rule}: ${v.request}\n    → ${v.answer}`);
    expect(report.requests).toBe(n);
    expect(report.fiveXx).toBe(0);
    expect(report.shapeViolations).toBe(0);
    expect(report.violations).toEqual([]);
    // a refused read of a request (a body too large, say) may end its connection; anything more would hide answers
    expect(report.transportErrors).toBeLessThan(n * 0.01);
    expect(await snapshotOf(s, ids.b.accountId)).toBe(bBefore);
    expect((await s.as(ids.a.token, 'GET', '/v1/wallet')).status).toBe(200);
    expect((await s.admin('GET', '/health')).status).toBe(200);
  });
});
