// Tokens: their secrets are stored nowhere (a replay names the token, never hands it out again), they are listed and revoked, and a revoked one is refused at once by every server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { PGlite } from '@electric-sql/pglite';
import { errorBodySchema, tokenListSchema, tokenViewSchema } from '../../shared/api/index';
import { buildApp } from '../app';
import { run as cli } from '../admin/cli';
import { LAST_USED_STEP_MS } from './tokens';
import { defaultCatalog } from '../../shared/catalog/index';
import { DRIVERS, idemKey, rowsOf, startServer, type TestServer } from '../../test/server/helpers';

/** Every row of every table of the database, as text: where a secret would be if it were stored. */
async function everyRowAsText(s: TestServer): Promise<string> {
  const tables = await rowsOf<{ table_schema: string; table_name: string }>(s.database.db, sql`select table_schema, table_name from information_schema.tables where table_schema in ('public', 'drizzle')`);
  expect(tables.length).toBeGreaterThan(5);
  let all = '';
  for (const t of tables) {
    const rows = await rowsOf<{ row: string }>(s.database.db, sql.raw(`select t::text as row from "${t.table_schema}"."${t.table_name}" t`));
    all += rows.map((r) => r.row).join('\n');
  }
  return all;
}

describe.each(DRIVERS)('tokens (%s)', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(kind);
  });
  afterAll(async () => {
    await s.close();
  });

  it('no token secret is stored anywhere, and a replayed creation answers 409 with the token id instead of the secret', async () => {
    const accountKey = idemKey();
    const created = await s.admin('POST', '/admin/accounts', { displayName: 'Tess' }, { 'idempotency-key': accountKey });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ accountId: expect.any(String), tokenId: expect.stringMatching(/^tok_/), token: expect.stringMatching(/^cdk_/) });
    const tokenKey = idemKey();
    const issued = await s.admin('POST', `/admin/accounts/${created.body.accountId}/tokens`, { label: 'laptop' }, { 'idempotency-key': tokenKey });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ accountId: created.body.accountId, tokenId: expect.stringMatching(/^tok_/), label: 'laptop', token: expect.stringMatching(/^cdk_/) });
    expect((await s.as(issued.body.token, 'GET', '/v1/wallet')).status).toBe(200);

    const stored = await everyRowAsText(s);
    for (const secret of [created.body.token, issued.body.token]) expect(stored).not.toContain(secret);
    if (kind === 'pglite') {
      const client = (s.database.db as unknown as { $client: PGlite }).$client;
      const files = Buffer.from(await (await client.dumpDataDir('none')).arrayBuffer());
      for (const secret of [created.body.token, issued.body.token]) expect(files.includes(Buffer.from(secret))).toBe(false);
    }

    const again = await s.admin('POST', '/admin/accounts', { displayName: 'Tess' }, { 'idempotency-key': accountKey });
    expect(again.status).toBe(409);
    expect(errorBodySchema.parse(again.body).error).toMatchObject({ code: 'token_already_issued', details: { accountId: created.body.accountId, tokenId: created.body.tokenId } });
    expect(JSON.stringify(again.body)).not.toContain(created.body.token);
    const tokenAgain = await s.admin('POST', `/admin/accounts/${created.body.accountId}/tokens`, { label: 'laptop' }, { 'idempotency-key': tokenKey });
    expect(tokenAgain.status).toBe(409);
    expect(tokenAgain.body.error).toMatchObject({ code: 'token_already_issued', details: { tokenId: issued.body.tokenId } });
    expect(JSON.stringify(tokenAgain.body)).not.toContain(issued.body.token);
    // the same key with another request is still refused as reuse
    expect((await s.admin('POST', `/admin/accounts/${created.body.accountId}/tokens`, { label: 'phone' }, { 'idempotency-key': tokenKey })).status).toBe(422);
  });

  it('lists tokens with id, label, created, last used and revoked, never a secret or a hash, for the account and the operator', async () => {
    const a = await s.newAccount();
    const second = await s.admin('POST', `/admin/accounts/${a.accountId}/tokens`, { label: 'desk' });
    const mine = await s.as(a.token, 'GET', '/v1/tokens');
    expect(mine.status).toBe(200);
    const list = tokenListSchema.parse(mine.body).items;
    expect(list.map((t) => t.id).sort()).toEqual([a.tokenId, second.body.tokenId].sort());
    for (const t of mine.body.items) expect(Object.keys(t).sort()).toEqual(Object.keys(tokenViewSchema.shape).sort());
    expect(list.find((t) => t.id === second.body.tokenId)).toMatchObject({ label: 'desk', revokedAtMs: null, lastUsedAtMs: null });
    expect(list.find((t) => t.id === a.tokenId)).toMatchObject({ label: 'first token', lastUsedAtMs: expect.any(Number) });
    const operator = await s.admin('GET', `/admin/accounts/${a.accountId}/tokens`);
    expect(operator.body).toEqual(mine.body);
    const text = JSON.stringify(operator.body);
    expect(text).not.toContain(a.token);
    expect(text).not.toContain(second.body.token);
    expect((await s.admin('GET', '/admin/accounts/nobody-here/tokens')).status).toBe(404);
  });

  it('a revoked token is refused at once, by every server sharing the database', async () => {
    const a = await s.newAccount();
    const other = buildApp({ database: s.database, catalog: defaultCatalog, clock: s.clock, adminToken: s.adminToken, outputsDir: s.outputsDir });
    const otherUrl = await other.app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const onOther = () => fetch(`${otherUrl}/v1/wallet`, { headers: { authorization: `Bearer ${a.token}` } }).then((r) => r.status);
      expect(await onOther()).toBe(200);
      const revoked = await s.as(a.token, 'POST', `/v1/tokens/${a.tokenId}/revoke`, {});
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ id: a.tokenId, revokedAtMs: expect.any(Number) });
      expect(await onOther()).toBe(401);
      expect((await s.as(a.token, 'GET', '/v1/wallet')).status).toBe(401);
      // revoking again (by the operator) changes nothing
      const again = await s.admin('POST', `/admin/accounts/${a.accountId}/tokens/${a.tokenId}/revoke`, {});
      expect(again.body.revokedAtMs).toBe(revoked.body.revokedAtMs);
    } finally {
      await other.app.close();
    }
  });

  it('the operator revokes a token; an account cannot see or revoke another account\'s tokens', async () => {
    const a = await s.newAccount();
    const b = await s.newAccount();
    const bSpare = await s.admin('POST', `/admin/accounts/${b.accountId}/tokens`, {});
    for (const id of [b.tokenId, bSpare.body.tokenId]) {
      const r = await s.as(a.token, 'POST', `/v1/tokens/${id}/revoke`, {});
      expect(r.status).toBe(404);
      expect(JSON.stringify(r.body)).not.toContain(b.accountId);
    }
    expect((await s.admin('POST', `/admin/accounts/${a.accountId}/tokens/${b.tokenId}/revoke`, {})).status).toBe(404);
    expect((await s.as(b.token, 'GET', '/v1/wallet')).status).toBe(200);
    expect(JSON.stringify((await s.as(a.token, 'GET', '/v1/tokens')).body)).not.toContain(bSpare.body.tokenId);
    expect((await s.admin('POST', `/admin/accounts/${b.accountId}/tokens/${bSpare.body.tokenId}/revoke`, {})).status).toBe(200);
    expect((await s.as(bSpare.body.token, 'GET', '/v1/wallet')).status).toBe(401);
    expect((await s.as(b.token, 'GET', '/v1/wallet')).status).toBe(200);
  });

  it('records the last use at most once a minute', async () => {
    const a = await s.newAccount();
    const lastUsed = async () => (await s.admin('GET', `/admin/accounts/${a.accountId}/tokens`)).body.items[0].lastUsedAtMs as number | null;
    expect(await lastUsed()).toBeNull();
    const before = s.clock.now();
    await s.as(a.token, 'GET', '/v1/wallet');
    const t0 = (await lastUsed())!;
    expect(t0).toBeGreaterThanOrEqual(before);
    expect(t0).toBeLessThanOrEqual(s.clock.now());
    // the test clock runs with real time: leave these steps a margin of 10 s
    s.clock.advance(LAST_USED_STEP_MS - 10_000);
    await s.as(a.token, 'GET', '/v1/wallet');
    await s.as(a.token, 'GET', '/v1/ledger');
    expect(await lastUsed()).toBe(t0);
    s.clock.advance(10_000);
    const later = s.clock.now();
    await s.as(a.token, 'GET', '/v1/wallet');
    expect(await lastUsed()).toBeGreaterThanOrEqual(later);
  });

  it('the operator CLI issues, lists and revokes tokens', async () => {
    const a = await s.newAccount();
    const conn = ['--server', s.url, '--admin-token', s.adminToken, '--account', a.accountId];
    const issued = (await cli(['token', ...conn, '--label', 'cli'])) as { tokenId: string; token: string };
    expect(issued).toMatchObject({ tokenId: expect.stringMatching(/^tok_/), token: expect.stringMatching(/^cdk_/) });
    const listed = (await cli(['tokens', ...conn])) as { items: { id: string; label: string }[] };
    expect(listed.items.map((t) => t.label).sort()).toEqual(['cli', 'first token']);
    const revoked = (await cli(['revoke-token', ...conn, '--token-id', issued.tokenId])) as { id: string; revokedAtMs: number | null };
    expect(revoked).toMatchObject({ id: issued.tokenId, revokedAtMs: expect.any(Number) });
    expect((await s.as(issued.token, 'GET', '/v1/wallet')).status).toBe(401);
    await expect(cli(['revoke-token', ...conn])).rejects.toThrow(/--token-id is required/);
  });
});
