// Every failure leaves the server in the one error shape of shared/api, including Fastify's own (route, JSON, type, size, URL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBodySchema } from '../../shared/api/index';
import { BODY_LIMIT_BYTES } from '../app';
import { startServer, type TestServer } from '../../test/server/helpers';

describe('the one error shape', () => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startServer('pglite');
    token = (await s.newAccount()).token;
  });
  afterAll(async () => {
    await s.close();
  });

  const raw = (method: string, route: string, init: { body?: string | Uint8Array; headers?: Record<string, string> } = {}) =>
    fetch(`${s.url}${route}`, { method, headers: { authorization: `Bearer ${token}`, 'idempotency-key': `k-${Math.random().toString(36).slice(2)}`, ...init.headers }, body: init.body ?? null });

  const json = { 'content-type': 'application/json' };
  it.each([
    ['an unknown route', 'GET', '/v1/nothing-here', {}, 404, 'not_found'],
    ['bad JSON', 'POST', '/v1/generations', { body: '{"request": ', headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
    ['an empty JSON body', 'POST', '/v1/generations', { body: '', headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
    ['a wrong content type', 'POST', '/v1/generations', { body: 'hello', headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
    ['a body too large', 'POST', '/v1/generations', { body: JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT_BYTES) }), headers: { 'content-type': 'application/json' } }, 413, 'body_too_large'],
    ['a body of the wrong shape', 'POST', '/v1/generations', { body: JSON.stringify({ request: 5 }), headers: { 'content-type': 'application/json' } }, 400, 'invalid_request'],
    ['a bad query', 'GET', '/v1/ledger?limit=abc', {}, 400, 'invalid_request'],
    ['an unknown query field', 'GET', '/v1/ledger?sneaky=1', {}, 400, 'invalid_request'],
    ['a bad path parameter', 'GET', '/v1/generations/not-an-id', {}, 400, 'invalid_request'],
    ['a malformed URL', 'GET', '/v1/generations/%E0%A4%A', {}, 400, 'invalid_request'],
    ['no token', 'GET', '/v1/wallet', { headers: { authorization: '' } }, 401, 'unauthorized'],
    ['a forged token', 'GET', '/v1/wallet', { headers: { authorization: 'Bearer cdk_forged' } }, 401, 'unauthorized'],
    ['an account token on an admin route', 'GET', '/admin/accounts', {}, 403, 'forbidden'],
    ['a NUL in a prompt', 'POST', '/v1/generations', { body: JSON.stringify({ request: { modelId: 'flux-schnell', prompt: 'a\u0000b' }, approvedMc: 1000 }), headers: json }, 400, 'invalid_request'],
    ['a lone surrogate in a prompt', 'POST', '/v1/generations', { body: '{"request":{"modelId":"flux-schnell","prompt":"a\\ud800b"},"approvedMc":1000}', headers: json }, 400, 'invalid_request'],
    ['a lone low surrogate in a model id', 'POST', '/v1/generations', { body: '{"request":{"modelId":"flux\\udc00"},"approvedMc":1000}', headers: json }, 400, 'invalid_request'],
    ['invalid UTF-8 in a body', 'POST', '/v1/generations', { body: Buffer.concat([Buffer.from('{"request":{"modelId":"flux-schnell","prompt":"'), Buffer.from([0xff, 0xc0, 0x80]), Buffer.from('"},"approvedMc":1000}')]), headers: json }, 400, 'invalid_encoding'],
    ['a surrogate encoded as UTF-8 in a body', 'POST', '/v1/generations', { body: Buffer.concat([Buffer.from('{"request":{"modelId":"flux-schnell","prompt":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"},"approvedMc":1000}')]), headers: json }, 400, 'invalid_encoding'],
    ['a NUL in a path parameter', 'GET', '/admin/accounts/%00/wallet', () => ({ headers: { authorization: `Bearer ${s.adminToken}` } }), 400, 'invalid_request'],
    ['a NUL in an operator body', 'POST', '/admin/accounts', () => ({ body: JSON.stringify({ displayName: 'Ada\u0000' }), headers: { ...json, authorization: `Bearer ${s.adminToken}` } }), 400, 'invalid_request'],
    ['a NUL in a cursor', 'GET', '/v1/generations?cursor=%00', {}, 400, 'invalid_request'],
    ['deep JSON to an operator route', 'POST', '/admin/accounts/x/tokens', () => ({ body: '['.repeat(20_000) + ']'.repeat(20_000), headers: { ...json, authorization: `Bearer ${s.adminToken}` } }), 400, 'invalid_request'],
    ['a POST without an idempotency key', 'POST', '/v1/generations', { body: JSON.stringify({ request: { modelId: 'flux-schnell', prompt: 'x' }, approvedMc: 1000 }), headers: { 'content-type': 'application/json', 'idempotency-key': '' } }, 400, 'idempotency_key_required'],
  ])('%s', async (_what, method, route, init, status, code) => {
    const r = await raw(method, route, (typeof init === 'function' ? init() : init) as never);
    expect(r.status).toBe(status);
    const body = errorBodySchema.parse(await r.json());
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
  });

  it('a validation error names the bad field', async () => {
    const r = await raw('POST', '/v1/generations', { body: JSON.stringify({ request: { modelId: 'flux-schnell', prompt: 'x' }, approvedMc: -1 }), headers: { 'content-type': 'application/json' } });
    const body = errorBodySchema.parse(await r.json());
    expect(body.error.message).toMatch(/^invalid body: approvedMc: /);
    expect(body.error.details).toMatchObject({ issues: [{ path: 'approvedMc' }] });
  });
});
