// The event relay's limits: it retries a lost PostgreSQL listener with bounded backoff and gives up after its attempts; it ignores notices that are not its peers'.
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Db } from '../db/open';
import { EVENTS_CHANNEL, PgRelay, type Notice } from './relay';
import { freshDatabase, PG_URL } from '../../test/server/helpers';

describe('event relay without a database', () => {
  it('retries with bounded backoff and gives up after its attempts, without throwing', async () => {
    const logs: string[] = [];
    const relay = new PgRelay({
      connectionString: 'postgres://nobody@127.0.0.1:1/none', // nothing listens on port 1: every attempt is refused at once
      db: {} as Db,
      instanceId: 'inst_test',
      onNotice: () => undefined,
      onReconnected: () => undefined,
      log: (m) => logs.push(m),
      reconnect: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 3, connectTimeoutMs: 500 },
    });
    await relay.start();
    await expect.poll(() => logs.some((l) => l.includes('gave up after 3 attempts')), { timeout: 5_000 }).toBe(true);
    expect(logs.filter((l) => l.includes('lost its connection'))).toHaveLength(4); // the first try and three retries
    expect(relay.listening).toBe(false);
    await relay.close();
  });
});

describe.skipIf(!PG_URL)('event relay on PostgreSQL (skipped without TEST_DATABASE_URL)', () => {
  it("hears its peers' notices, and ignores its own, malformed ones and oversized ones", async () => {
    const { database, drop } = await freshDatabase('postgres', 2);
    const heard: Notice[] = [];
    const relay = (instanceId: string, into: Notice[]) =>
      new PgRelay({ connectionString: database.connectionString!, db: database.db, instanceId, onNotice: (n) => into.push(n), onReconnected: () => undefined, log: () => undefined });
    const listener = relay('inst_listener', heard);
    const peer = relay('inst_peer', []);
    try {
      await listener.start();
      expect(listener.listening).toBe(true);
      // a plain connection listening too: it shows when a notice has been sent (PostgreSQL delivers notices to every listener in the order they were sent)
      const raw = new pg.Client({ connectionString: database.connectionString });
      await raw.connect();
      const sent: string[] = [];
      raw.on('notification', (m) => sent.push(m.payload ?? ''));
      await raw.query(`LISTEN ${EVENTS_CHANNEL}`);
      listener.notify({ accountId: 'acct_1', kind: 'wallet' }); // its own: delivered locally by whoever published it, never heard back
      await expect.poll(() => sent.length).toBe(1);
      for (const payload of ['not json', JSON.stringify({ o: 'x', a: 'acct_1', k: 'zz' }), JSON.stringify({ o: 'x', a: 'a'.repeat(2_000), k: 'w' })]) {
        await raw.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, payload]);
      }
      peer.notify({ accountId: 'acct_1', kind: 'generation', generationId: 'gen_1' });
      peer.notify({ accountId: 'acct_1', kind: 'wallet' });
      await expect.poll(() => heard.length).toBe(2);
      // a last notice from another instance: once it is heard, everything sent before it has reached the listener
      await raw.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, JSON.stringify({ o: 'inst_last', a: 'acct_last', k: 'w' })]);
      await raw.end();
      await expect.poll(() => heard.length).toBe(3);
      expect(heard).toEqual([
        { accountId: 'acct_1', kind: 'generation', generationId: 'gen_1' },
        { accountId: 'acct_1', kind: 'wallet' },
        { accountId: 'acct_last', kind: 'wallet' },
      ]);
    } finally {
      await listener.close();
      await peer.close();
      await drop();
    }
  });
});
