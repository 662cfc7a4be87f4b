// Server tests on PGlite and PostgreSQL: accounts, wallet, daily grant exactly once, expiry, admin grants, plans, catalog, errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { errorBodySchema, walletSchema } from '../../shared/api/index';
import { grants, ledgerEntries } from '../db/schema';
import { ledgerTotals } from '../wallet/ledger';
import { DRIVERS, idemKey, startServer, type TestServer } from '../../test/server/helpers';

const DAY = 86_400_000;

interface SseEvent {
  event: string;
  id: number | null;
  data: any;
}

/** A raw SSE reader over fetch, so the test sees exactly what the server sends. */
async function openStream(url: string, token: string, lastEventId?: string): Promise<{ next(): Promise<SseEvent>; close(): void }> {
  const ctrl = new AbortController();
  const res = await fetch(`${url}/v1/wallet/events`, { headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }, signal: ctrl.signal });
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  return {
    close: () => ctrl.abort(),
    async next() {
      for (;;) {
        const i = buf.indexOf('\n\n');
        if (i >= 0) {
          const lines = buf.slice(0, i).split('\n');
          buf = buf.slice(i + 2);
          const data = lines.find((l) => l.startsWith('data: '));
          if (!data) continue;
          const id = lines.find((l) => l.startsWith('id: '));
          return { event: lines.find((l) => l.startsWith('event: '))!.slice(7), id: id ? Number(id.slice(4)) : null, data: JSON.parse(data.slice(6)) };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buf += decoder.decode(value, { stream: true });
      }
    },
  };
}

describe.each(DRIVERS)('credits server on %s', (driver) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(driver);
  });
  afterAll(async () => {
    await s.close();
  });

  it('answers health with its storage kind', async () => {
    const r = await fetch(`${s.url}/health`);
    expect(await r.json()).toMatchObject({ ok: true, storage: driver });
  });

  it('a new Free account has its trial credits and the day\'s free credits', async () => {
    const { token } = await s.newAccount('free', 'Ada');
    const r = await s.as(token, 'GET', '/v1/wallet');
    expect(r.status).toBe(200);
    const w = walletSchema.parse(r.body);
    expect(w.displayName).toBe('Ada');
    expect(w.availableMc).toBe(60_000);
    expect(w.grants.map((g) => g.kind)).toEqual(['daily', 'trial']); // burn order: daily expires first
    expect(w.nextDailyResetMs).toBe(Date.parse('2026-11-23T00:00:00Z'));
    expect(w.serverTimeMs).toBeGreaterThanOrEqual(Date.parse('2026-11-22T12:00:00Z'));
  });

  it('refuses requests without a valid token, in the one error shape', async () => {
    for (const r of [await s.as('nope', 'GET', '/v1/wallet'), await fetch(`${s.url}/v1/wallet`).then(async (x) => ({ status: x.status, body: await x.json() }))]) {
      expect(r.status).toBe(401);
      expect(errorBodySchema.parse(r.body).error.code).toBe('unauthorized');
    }
    const { token } = await s.newAccount();
    const r = await s.as(token, 'GET', '/admin/accounts');
    expect(r.status).toBe(403);
  });

  it('creates the day\'s free grant exactly once however many requests race for it', async () => {
    const { accountId, token } = await s.newAccount();
    s.clock.advance(DAY); // a new UTC day: nothing materialised yet for anyone
    const results = await Promise.all(Array.from({ length: 25 }, () => s.as(token, 'GET', '/v1/wallet')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const dailies = await s.database.db.select().from(grants).where(eq(grants.accountId, accountId));
    const today = dailies.filter((g) => g.kind === 'daily' && g.effectiveAtMs <= s.clock.now() && g.expiresAtMs! > s.clock.now());
    expect(today).toHaveLength(1);
    expect(new Set(results.map((r) => r.body.availableMc))).toEqual(new Set([60_000]));
  });

  it('expires yesterday\'s free credits at 00:00 UTC, records the expiry, and conserves credits', async () => {
    const { accountId, token } = await s.newAccount();
    await s.as(token, 'GET', '/v1/wallet');
    s.clock.advance(DAY);
    const w = (await s.as(token, 'GET', '/v1/wallet')).body;
    expect(w.availableMc).toBe(60_000); // daily 10 expired, a new daily 10 granted
    const ledger = await s.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId));
    expect(ledger.filter((e) => e.kind === 'expiry').map((e) => e.amountMc)).toEqual([-10_000]);
    const t = await ledgerTotals(s.database.db, accountId);
    expect(t.granted).toBe(t.remaining + t.expired);
  });

  describe('admin grants', () => {
    it('grants credits once per idempotency key and says so on replay', async () => {
      const { accountId, token } = await s.newAccount();
      const key = idemKey();
      const a = await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '25', note: 'welcome' }, { 'idempotency-key': key });
      const b = await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '25', note: 'welcome' }, { 'idempotency-key': key });
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect(b.body.grantId).toBe(a.body.grantId);
      expect(b.headers.get('idempotent-replayed')).toBe('true');
      expect((await s.as(token, 'GET', '/v1/wallet')).body.availableMc).toBe(85_000);
      const c = await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '30' }, { 'idempotency-key': key });
      expect(c.status).toBe(422);
      expect(c.body.error.code).toBe('idempotency_key_reused');
    });

    it('concurrent replays of one key grant once', async () => {
      const { accountId, token } = await s.newAccount();
      const key = idemKey();
      const rs = await Promise.all(Array.from({ length: 10 }, () => s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '5' }, { 'idempotency-key': key })));
      expect(rs.every((r) => r.status === 201)).toBe(true);
      expect(new Set(rs.map((r) => r.body.grantId)).size).toBe(1);
      expect((await s.as(token, 'GET', '/v1/wallet')).body.availableMc).toBe(65_000);
    });

    it('packs expire six months later, clamped to the month end', async () => {
      const { accountId, token } = await s.newAccount();
      await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '200', kind: 'pack' });
      const w = (await s.as(token, 'GET', '/v1/wallet')).body;
      const pack = w.grants.find((g: { kind: string }) => g.kind === 'pack');
      expect(pack).toMatchObject({ paid: true, amountMc: 200_000 });
      expect(new Date(pack.expiresAtMs).toISOString().slice(0, 7)).toMatch(/^2027-0[56]$/);
    });

    it.each([
      [{ credits: '1.2345' }, 400, 'invalid_amount'],
      [{ credits: '-5' }, 400, 'invalid_amount'],
      [{ credits: 'abc' }, 400, 'invalid_amount'],
      [{ credits: '0' }, 400, 'invalid_amount'],
      [{ credits: '5', kind: 'daily' }, 400, 'invalid_request'],
      [{ credits: '5', kind: 'subscription' }, 400, 'invalid_request'],
      [{ credits: '5', expiresAtMs: 1 }, 400, 'invalid_request'],
      [{ credits: '5', extra: true }, 400, 'invalid_request'],
      [{}, 400, 'invalid_request'],
    ])('refuses %j with %i %s and changes nothing', async (body, status, code) => {
      const { accountId, token } = await s.newAccount();
      const r = await s.admin('POST', `/admin/accounts/${accountId}/grants`, body);
      expect(r.status).toBe(status);
      expect(errorBodySchema.parse(r.body).error.code).toBe(code);
      expect((await s.as(token, 'GET', '/v1/wallet')).body.availableMc).toBe(60_000);
    });

    it('needs an idempotency key and an existing account', async () => {
      const { accountId } = await s.newAccount();
      const r = await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '5' }, { 'idempotency-key': 'short' });
      expect(r.body.error.code).toBe('idempotency_key_required');
      const nf = await s.admin('POST', '/admin/accounts/nobody/grants', { credits: '5' });
      expect(nf.status).toBe(404);
    });
  });

  describe('plans', () => {
    it('sets a plan, refuses unknown ones and re-choosing a legacy plan once left', async () => {
      const { accountId } = await s.newAccount('legacy-early-bird');
      expect((await s.admin('PUT', `/admin/accounts/${accountId}/plan`, { planId: 'gold' })).body.error.code).toBe('unknown_plan');
      expect((await s.admin('PUT', `/admin/accounts/${accountId}/plan`, { planId: 'pro' })).status).toBe(200);
      const back = await s.admin('PUT', `/admin/accounts/${accountId}/plan`, { planId: 'legacy-early-bird' });
      expect(back.status).toBe(409);
      expect(back.body.error.message).toMatch(/cannot be chosen again/);
    });
  });

  it('serves the catalog with an ETag and answers 304 when unchanged', async () => {
    const a = await fetch(`${s.url}/v1/catalog`);
    const etag = a.headers.get('etag')!;
    expect(a.status).toBe(200);
    expect(((await a.json()) as { catalog: { models: unknown[] } }).catalog.models.length).toBeGreaterThan(50);
    const b = await fetch(`${s.url}/v1/catalog`, { headers: { 'if-none-match': etag } });
    expect(b.status).toBe(304);
    expect(await b.text()).toBe('');
  });

  it('answers bad input with a 4xx in the error shape', async () => {
    const big = await s.admin('POST', '/admin/accounts', JSON.stringify({ displayName: 'x'.repeat(70_000) }));
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('body_too_large');
    const broken = await s.admin('POST', '/admin/accounts', '{not json');
    expect(broken.status).toBe(400);
    expect(errorBodySchema.safeParse(broken.body).success).toBe(true);
    const missing = await s.admin('GET', '/nowhere');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const dupe = await s.admin('POST', '/admin/accounts', { id: 'dupe-' + driver, displayName: 'A' });
    expect(dupe.status).toBe(201);
    expect((await s.admin('POST', '/admin/accounts', { id: 'dupe-' + driver, displayName: 'A' })).status).toBe(409);
    expect((await s.admin('POST', '/admin/clock', { advanceMs: -1 })).status).toBe(400);
  });

  it('streams the wallet over SSE: the current wallet first, then each change with the ledger entries that explain it', async () => {
    const { accountId, token } = await s.newAccount();
    const stream = await openStream(s.url, token);
    const first = await stream.next();
    expect(first).toMatchObject({ event: 'wallet', id: null, data: { wallet: { availableMc: 60_000 } } });
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '7.5' });
    const ledger = await stream.next();
    expect(ledger).toMatchObject({ event: 'ledger', data: { entry: { kind: 'grant', amountMc: 7_500 } } });
    expect(ledger.id).toBe(ledger.data.entry.id);
    const second = await stream.next();
    expect(second).toMatchObject({ event: 'wallet', data: { wallet: { availableMc: 67_500 } } });
    stream.close();

    // Resuming with Last-Event-ID replays exactly the entries after it, then carries on.
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '1' });
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '2' });
    const resumed = await openStream(s.url, token, String(ledger.id));
    const events = [await resumed.next(), await resumed.next(), await resumed.next()];
    expect(events.map((e) => e.event)).toEqual(['ledger', 'ledger', 'wallet']); // the entries, then the balance they explain
    const replayed = events.slice(0, 2);
    expect(replayed.map((e) => e.data.entry.amountMc)).toEqual([1_000, 2_000]);
    expect(replayed[0]!.id).toBeGreaterThan(ledger.id!);
    resumed.close();
  });

  it('serves the ledger by id for history sync', async () => {
    const { accountId, token } = await s.newAccount();
    for (let i = 1; i <= 5; i++) await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: String(i) });
    const all = (await s.as(token, 'GET', '/v1/ledger?after=0&limit=1000')).body;
    expect(all.items.map((e: { kind: string }) => e.kind)).toEqual(['grant', 'grant', 'grant', 'grant', 'grant', 'grant', 'grant']); // trial, daily, 5 admin
    const page = (await s.as(token, 'GET', `/v1/ledger?after=${all.items[2].id}&limit=2`)).body;
    expect(page).toMatchObject({ hasMore: true, items: [{ id: all.items[3].id }, { id: all.items[4].id }] });
    expect((await s.as(token, 'GET', '/v1/ledger?limit=5000')).status).toBe(400);
  });

  it('signs the catalog with its key', async () => {
    const body = await fetch(`${s.url}/v1/catalog`).then((r) => r.json() as Promise<{ catalog: unknown; signature: string; keyId: string }>);
    const key = await fetch(`${s.url}/v1/catalog/key`).then((r) => r.json() as Promise<{ publicKey: string; keyId: string }>);
    expect(body.keyId).toBe(key.keyId);
    const { verifyCatalog } = await import('../../main/core/catalog-store');
    expect(verifyCatalog(body.catalog, body.signature, key.publicKey)).toBe(true);
    expect(verifyCatalog({ ...(body.catalog as object), version: 'forged' }, body.signature, key.publicKey)).toBe(false);
  });
});
