// The fair queue through the API, on PGlite and PostgreSQL: a per-account limit of runs in flight with Retry-After, places in the queue, engines apart.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IN_FLIGHT_LIMIT } from '../../shared/rules/queue';
import { EngineRouter, enginesConfigSchema } from '../engines/router';
import { DRIVERS, startServer, statementsOf, type TestServer } from '../../test/server/helpers';

const LIMIT = IN_FLIGHT_LIMIT.standard;

const slowLocal = (latencyMs: number) => new EngineRouter(enginesConfigSchema.parse({ local: { latencyMs } }));

describe.each(DRIVERS)('fair queue on %s', (driver) => {
  let s: TestServer;
  let quick: TestServer;
  beforeAll(async () => {
    // one run at a time: slow ones stay queued long enough to be counted and placed; quick ones show the order
    [s, quick] = await Promise.all([startServer(driver, { runnerConcurrency: 1, engines: slowLocal(10_000) }), startServer(driver, { runnerConcurrency: 1, engines: slowLocal(150) })]);
  });
  afterAll(async () => {
    await Promise.all([s.close(), quick.close()]);
  });

  it('refuses an account past its plan limit of runs in flight with 429 and Retry-After, others go on, and a finished run makes room', async () => {
    const busy = await s.newAccount();
    const other = await s.newAccount();
    const request = { modelId: 'flux-schnell', prompt: 'queue me' };
    const accepted = [];
    for (let i = 0; i < LIMIT; i++) {
      const r = await s.as(busy.token, 'POST', '/v1/generations', { request, approvedMc: 1_000 });
      expect(r.status).toBe(201);
      accepted.push(r.body.id as string);
    }
    const refused = await s.as(busy.token, 'POST', '/v1/generations', { request, approvedMc: 1_000 });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'too_many_runs', details: { limit: LIMIT, inFlight: LIMIT } });
    expect(refused.body.error.message).toMatch(/runs queued or running/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // the estimate names the same refusal
    const est = await s.as(busy.token, 'POST', '/v1/estimates', { request });
    expect(est.body).toMatchObject({ allowed: false, refusal: { status: 429, code: 'too_many_runs' } });
    // nothing was held for the refused run
    expect((await s.as(busy.token, 'GET', '/v1/wallet')).body.heldMc).toBeLessThanOrEqual(LIMIT * 1_000);
    // another account is not held up by the busy one
    expect((await s.as(other.token, 'POST', '/v1/generations', { request, approvedMc: 1_000 })).status).toBe(201);
    // a waiting run knows its place
    const last = (await s.as(busy.token, 'GET', `/v1/generations/${accepted.at(-1)}`)).body;
    expect(last.status).toBe('queued');
    expect(last.queue.ahead).toBeGreaterThanOrEqual(1);
    expect(last.queue.expectedStartMs).toBeGreaterThan(0);
    // cancel one: room again at once
    expect((await s.as(busy.token, 'POST', `/v1/generations/${accepted.at(-1)}/cancel`, {})).status).toBe(200);
    expect((await s.as(busy.token, 'POST', '/v1/generations', { request, approvedMc: 1_000 })).status).toBe(201);
    const running = (await s.as(busy.token, 'GET', `/v1/generations/${accepted[0]}`)).body;
    expect(running).toMatchObject({ status: 'running', queue: null });
    const page = (await s.as(busy.token, 'GET', '/v1/generations?limit=100')).body.items as { id: string; status: string }[];
    for (const g of page) if (g.status === 'queued' || g.status === 'running') await s.as(busy.token, 'POST', `/v1/generations/${g.id}/cancel`, {});
  });

  it.runIf(driver === 'postgres')('refuses an account at its limit before waiting for its lock: a flood of refused runs takes no lock and no transaction', async () => {
    const busy = await s.newAccount();
    const request = { modelId: 'flux-schnell', prompt: 'flood' };
    for (let i = 0; i < LIMIT; i++) expect((await s.as(busy.token, 'POST', '/v1/generations', { request, approvedMc: 1_000 })).status).toBe(201);
    // another connection holds the account's row lock, as a long transaction of this account would
    const locker = new pg.Client({ connectionString: s.database.connectionString });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM accounts WHERE id = $1 FOR UPDATE', [busy.accountId]);
      const t0 = Date.now();
      const answers = await Promise.race([
        Promise.all(Array.from({ length: 20 }, () => s.as(busy.token, 'POST', '/v1/generations', { request, approvedMc: 1_000 }))),
        new Promise<null>((r) => setTimeout(() => r(null), 5_000)),
      ]);
      expect(answers, 'the refusals waited for the account lock').not.toBeNull();
      for (const a of answers!) expect([a.status, a.body.error.code]).toEqual([429, 'too_many_runs']);
      expect(Date.now() - t0).toBeLessThan(5_000);
      // and a client retrying at once is refused from memory: not even its token is read again
      const seen = await statementsOf(async () => {
        const again = await s.as(busy.token, 'POST', '/v1/generations', { request, approvedMc: 1_000 });
        expect([again.status, again.body.error.code]).toEqual([429, 'too_many_runs']);
      });
      expect(seen.filter((q) => /api_tokens|idempotency|accounts/.test(q))).toEqual([]);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
      const page = (await s.as(busy.token, 'GET', '/v1/generations?limit=100')).body.items as { id: string; status: string }[];
      for (const g of page) if (g.status === 'queued' || g.status === 'running') await s.as(busy.token, 'POST', `/v1/generations/${g.id}/cancel`, {});
    }
  });

  it('serves the waiting light account before the rest of a heavy one', async () => {
    const s = quick;
    const heavy = await s.newAccount();
    const light = await s.newAccount();
    const request = { modelId: 'flux-schnell', prompt: 'order' };
    const heavyIds: string[] = [];
    for (let i = 0; i < 5; i++) heavyIds.push((await s.as(heavy.token, 'POST', '/v1/generations', { request, approvedMc: 1_000 })).body.id);
    const lightId = (await s.as(light.token, 'POST', '/v1/generations', { request, approvedMc: 1_000 })).body.id as string;
    await s.credits.runner.idle();
    const run = async (token: string, id: string) => (await s.as(token, 'GET', `/v1/generations/${id}`)).body as { createdAtMs: number; startedAtMs: number };
    const lightRun = await run(light.token, lightId);
    const heavyStarts = (await Promise.all(heavyIds.map((id) => run(heavy.token, id)))).map((g) => g.startedAtMs);
    // once the light run is waiting, it is next: at most one heavy run starts between its acceptance and its start (the one
    // taken while its request was still between the database and the queue)
    expect(heavyStarts.filter((t) => t > lightRun.createdAtMs && t < lightRun.startedAtMs).length).toBeLessThanOrEqual(1);
    expect(heavyStarts.filter((t) => t > lightRun.startedAtMs).length).toBeGreaterThan(0);
  });
});
