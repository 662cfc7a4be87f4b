// The hold path's database round trips, counted on PostgreSQL: a run is accepted in a bounded number of statements.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, startServer, statementsOf, type TestServer } from '../../test/server/helpers';

describe.skipIf(!PG_URL)('the hold path on PostgreSQL', () => {
  let s: TestServer;
  beforeAll(async () => {
    // no runs start: only the accepting request talks to the database while statements are counted
    // and no timer of the runner's (sweeps, heartbeats) adds its statements to the count
    s = await startServer('postgres', { runnerConcurrency: 0, sweepIntervalMs: 3_600_000, heartbeatIntervalMs: 15_000 });
  });
  afterAll(async () => {
    await s.close();
  });

  it('accepts a run in a bounded number of round trips', async () => {
    const { token } = await s.newAccount();
    const request = { modelId: 'flux-schnell', prompt: 'warm up' };
    // two runs first: the day's free grant is created by the first and known to exist from the second on
    for (let i = 0; i < 2; i++) expect((await s.as(token, 'POST', '/v1/generations', { request, approvedMc: 1_000 })).status).toBe(201);
    const statements = await statementsOf(async () => {
      expect((await s.as(token, 'POST', '/v1/generations', { request, approvedMc: 1_000 })).status).toBe(201);
    });
    // Notices to the other instances leave after the answer, in batches from the relay's outbox, so whether one falls inside
    // this window (the warm-up's, or this run's) is a matter of timing: they are not counted as the request's statements.
    const own = statements.filter((q) => !/^select pg_notify\(/.test(q.trim()));
    console.log(`hold path: ${own.length} statements (and ${statements.length - own.length} notices sent meanwhile)\n${own.join('\n')}`);
    // token (with the plan), idempotency key, begin, account lock, due expiries, runs today and in flight, the run, grants in
    // force, the hold with its pins and ledger entry, the wallet (grants holding, newest spent and revision in one statement),
    // the stored answer, commit. A plan without a training allowance needs no read for it.
    expect(own.length).toBeLessThanOrEqual(12);
  });
});
