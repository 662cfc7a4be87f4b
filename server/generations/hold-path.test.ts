// The hold path's and the settle path's database round trips, counted on PostgreSQL: a run is accepted and settled in a bounded number of statements.
import { afterEach, describe, expect, it } from 'vitest';
import { PG_URL, startServer, statementsOf, type TestServer } from '../../test/server/helpers';

/** The statements a request waits for: notices to the other instances leave after the answer, batched by the relay's outbox. */
const own = (statements: string[]) => statements.filter((q) => !/^select pg_notify\(/.test(q.trim()));

describe.skipIf(!PG_URL)('round trips per run on PostgreSQL', () => {
  let s: TestServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });
  const request = { modelId: 'flux-schnell', prompt: 'warm up' };

  it('accepts a run in a bounded number of round trips', async () => {
    // no runs start: only the accepting request talks to the database while statements are counted
    // and no timer of the runner's (sweeps, heartbeats) adds its statements to the count
    s = await startServer('postgres', { runnerConcurrency: 0, sweepIntervalMs: 3_600_000, heartbeatIntervalMs: 15_000 });
    const { token } = await s.newAccount();
    // two runs first: the day's free grant is created by the first and known to exist from the second on
    for (let i = 0; i < 2; i++) expect((await s.as(token, 'POST', '/v1/generations', { request, approvedMc: 1_000 })).status).toBe(201);
    const statements = own(await statementsOf(async () => expect((await s!.as(token, 'POST', '/v1/generations', { request, approvedMc: 1_000 })).status).toBe(201)));
    console.log(`hold path: ${statements.length} statements\n${statements.join('\n')}`);
    // token (with the plan), idempotency key, begin, account lock, due expiries, runs today and in flight, grants in force,
    // the run with its hold, pins and ledger entry, the wallet (grants holding, newest spent and revision in one statement),
    // the stored answer, commit. A plan without a training allowance needs no read for it.
    expect(statements.length).toBeLessThanOrEqual(11);
  });

  it('accepts, claims and settles a run in a bounded number of round trips', async () => {
    s = await startServer('postgres', { runnerConcurrency: 1, sweepIntervalMs: 3_600_000, heartbeatIntervalMs: 15_000 });
    const { token } = await s.newAccount();
    for (let i = 0; i < 2; i++) expect((await s.as(token, 'POST', '/v1/generations', { request, approvedMc: 1_000 })).status).toBe(201);
    await s.credits.runner.idle();
    const statements = own(
      await statementsOf(async () => {
        expect((await s!.as(token, 'POST', '/v1/generations', { request, approvedMc: 1_000 })).status).toBe(201);
        await s!.credits.runner.idle();
      }),
    );
    console.log(`a whole run: ${statements.length} statements\n${statements.join('\n')}`);
    // the hold path's 11 (above); the claim from the fleet's queue (begin, the engine's row locked, its slots counted, the
    // oldest waiting runs read, the run taken, commit); the slot released (answering whether runs wait); then begin, the
    // account locked from the run, the run with its hold, due expiries, the hold's pins with their grants, the hold closed
    // (captures, pins, status, ledger entries in one statement), the run's outcome, commit
    expect(statements.length).toBeLessThanOrEqual(11 + 6 + 1 + 8);
  });
});
