// The server's log: a forced 500 is logged with its stack and request id, and no token, prompt or body ever reaches the log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { errorBodySchema } from '../../shared/api/index';
import { parseServerConfig } from '../config';
import { startServer, type TestServer } from '../../test/server/helpers';

/** A stream the logger writes its JSON lines to, kept for the test to read. */
function logSink() {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => void lines.push(line) }, records: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

describe('logging', () => {
  let s: TestServer;
  const sink = logSink();
  let a: { accountId: string; token: string };
  beforeAll(async () => {
    s = await startServer('pglite', { log: { level: 'trace', stream: sink.stream } });
    a = await s.newAccount();
  });
  afterAll(async () => {
    await s.close();
  });

  it('logs a 500 with its stack and request id, and never the token or the prompt', async () => {
    const prompt = `a prompt nobody may read ${Math.random().toString(36).slice(2)}`;
    // every run the server accepts now fails in the database, where the prompt is a parameter of the failing insert
    await s.database.db.execute(sql`alter table generations add constraint logging_test_boom check (false) not valid`);
    try {
      const r = await fetch(`${s.url}/v1/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json', 'idempotency-key': 'logging-test-key-1' },
        body: JSON.stringify({ request: { modelId: 'flux-schnell', prompt }, approvedMc: 1_000_000 }),
      });
      expect(r.status).toBe(500);
      const requestId = r.headers.get('x-request-id');
      expect(requestId).toMatch(/^[0-9a-f]{16}$/);
      const body = errorBodySchema.parse(await r.json());
      expect(body.error).toMatchObject({ code: 'internal', details: { requestId } });

      const records = sink.records();
      const failure = records.find((l) => l.level === 50 && l.reqId === requestId);
      expect(failure, sink.lines.join('\n')).toBeDefined();
      expect(failure!.err.stack).toMatch(/Failed query: with "placed_hold"[\s\S]*insert into "generations"[\s\S]*\n\s+at /);
      expect(failure!.err.cause.message).toMatch(/logging_test_boom/);
      // every line about a request names it
      for (const l of records.filter((x) => x.req || x.res || x.err)) expect(l.reqId).toEqual(expect.any(String));
      const all = sink.lines.join('\n');
      expect(all).not.toContain(a.token);
      expect(all).not.toContain(prompt);
      expect(all).not.toContain('prompt nobody may read');
    } finally {
      await s.database.db.execute(sql`alter table generations drop constraint logging_test_boom`);
    }
  });

  it('never logs an authorization header or a body, even at trace level', async () => {
    sink.lines.length = 0;
    const secret = `a body nobody may read ${Math.random().toString(36).slice(2)}`;
    const r = await s.as(a.token, 'POST', '/v1/generations', { request: { modelId: 'flux-schnell', prompt: secret }, approvedMc: 1_000_000 });
    expect(r.status).toBe(201);
    await s.credits.runner.idle();
    expect(sink.lines.length).toBeGreaterThan(0);
    const all = sink.lines.join('\n');
    expect(all).not.toContain(a.token);
    expect(all).not.toContain(secret);
    expect(all).not.toContain(s.adminToken);
  });

  it('logs by default: info for a server, warn for the app\'s embedded one; --log-level chooses', () => {
    expect(parseServerConfig([], {}).logLevel).toBe('info');
    expect(parseServerConfig(['--embedded'], {}).logLevel).toBe('warn');
    expect(parseServerConfig(['--log-level', 'debug'], {}).logLevel).toBe('debug');
    expect(parseServerConfig(['--embedded', '--log'], {}).logLevel).toBe('info');
    expect(parseServerConfig([], { CREDITS_LOG_LEVEL: 'error' }).logLevel).toBe('error');
    expect(() => parseServerConfig(['--log-level', 'loud'], {})).toThrow(/--log-level/);
  });
});
