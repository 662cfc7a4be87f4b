// One turn per account: in memory it serializes one account's work and lets other accounts pass; on PostgreSQL a busy account no longer takes the whole pool.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainError } from '../errors';
import { PG_URL, startServer, type TestServer } from '../../test/server/helpers';
import { AccountTurns } from './account-queue';

const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('account turns', () => {
  it('runs one account\'s work one at a time, in order, and other accounts beside it', async () => {
    const turns = new AccountTurns();
    const log: string[] = [];
    const work = (name: string, ms: number) => async () => {
      log.push(`${name}+`);
      await later(ms);
      log.push(`${name}-`);
      return name;
    };
    const all = Promise.all([turns.run('a', work('a1', 30)), turns.run('a', work('a2', 5)), turns.run('b', work('b1', 5))]);
    expect(await all).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('a1-')).toBeLessThan(log.indexOf('a2+'));
    expect(log.indexOf('b1-')).toBeLessThan(log.indexOf('a1-')); // b did not wait for a
    expect(turns.busyAccounts).toBe(0);
  });

  it('a failure ends its turn and reaches its caller only', async () => {
    const turns = new AccountTurns();
    const failed = turns.run('a', async () => {
      throw new Error('boom');
    });
    const next = turns.run('a', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('ok');
  });

  it('refuses past its bound of waiting callers with 503 busy, and takes callers again once they drain', async () => {
    const turns = new AccountTurns(2);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const first = turns.run('a', () => gate);
    const second = turns.run('a', async () => 'second');
    await expect(turns.run('a', async () => 'third')).rejects.toMatchObject({ kind: 'busy', code: 'busy' } satisfies Partial<DomainError>);
    open();
    await first;
    expect(await second).toBe('second');
    expect(await turns.run('a', async () => 'again')).toBe('again');
  });
});

describe.skipIf(!PG_URL)('a busy account on PostgreSQL', () => {
  let s: TestServer;
  beforeAll(async () => {
    // a small pool makes the point: 12 requests of one account would take all 4 connections while they wait on its lock
    s = await startServer('postgres', { maxConnections: 4, runnerConcurrency: 0 });
  });
  afterAll(async () => {
    await s.close();
  });

  it('does not hold up another account while its own requests wait on its lock', async () => {
    const busy = await s.newAccount('max');
    const other = await s.newAccount();
    const request = { modelId: 'flux-schnell', prompt: 'a lighthouse' };
    await s.admin('POST', `/admin/accounts/${busy.accountId}/grants`, { credits: '100', kind: 'bonus' });
    const locker = new pg.Client({ connectionString: s.database.connectionString });
    await locker.connect();
    let busyAnswers: Promise<{ status: number }[]> | undefined;
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM accounts WHERE id = $1 FOR UPDATE', [busy.accountId]);
      busyAnswers = Promise.all(Array.from({ length: 12 }, () => s.as(busy.token, 'POST', '/v1/generations', { request, approvedMc: 1_000 })));
      // the busy account's first request waits on its row lock, holding a pool connection (the rest wait for their turn in memory)
      await expect.poll(async () => (await locker.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows[0].n).toBe(1);
      const t0 = Date.now();
      const otherAnswer = await Promise.race([s.as(other.token, 'POST', '/v1/generations', { request, approvedMc: 1_000 }), later(5_000).then(() => null)]);
      expect(otherAnswer, 'the other account waited for the busy one').not.toBeNull();
      expect(otherAnswer!.status).toBe(201);
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    // the busy account's requests all go through once its lock is free, one after another
    expect((await busyAnswers!).map((a) => a.status)).toEqual(Array(12).fill(201));
  });
});
