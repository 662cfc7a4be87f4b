// The event stream's fetch goes through main's one HTTP layer: the same instance and headers, a bounded wait for an answer, and a
// stream that goes quiet is ended so the sync can reconnect.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttp, eventStreamFetch, parseTimeouts, REQUEST_TIMEOUT_MS, STREAM_IDLE_TIMEOUT_MS, streamSilenceMs } from '../../main/core/http';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const init = (signal = new AbortController().signal) => ({ headers: { Accept: 'text/event-stream' as const }, signal, mode: 'cors' as const, cache: 'no-store' as const, redirect: 'follow' as const });

describe('eventStreamFetch', () => {
  it('sends the caller headers through the axios instance and hands back a web stream', async () => {
    let seen: http.IncomingHttpHeaders = {};
    const url = await serve((req, res) => {
      seen = req.headers;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('event: wallet\ndata: {}\n\n');
    });
    const fetch = eventStreamFetch(createHttp(url), () => ({ authorization: 'Bearer cdk_x', 'last-event-id': '41' }));
    const res = await fetch(`${url}/v1/wallet/events`, init());
    expect(seen).toMatchObject({ authorization: 'Bearer cdk_x', 'last-event-id': '41', accept: 'text/event-stream' });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
    expect(text).toBe('event: wallet\ndata: {}\n\n');
  });

  it('gives a refused stream no body, and ends a stream that goes quiet', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/refused') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': hello\n\n'); // then nothing, ever
    });
    const fetch = eventStreamFetch(createHttp(url), () => ({}), 200);
    const refused = await fetch(`${url}/refused`, init());
    expect(refused).toMatchObject({ status: 401, body: null });
    const quiet = await fetch(`${url}/quiet`, init());
    const reader = (quiet.body as ReadableStream<Uint8Array>).getReader();
    const started = Date.now();
    await expect((async () => {
      for (;;) if ((await reader.read()).done) return 'ended without an error';
    })()).rejects.toThrow(/went quiet/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('ends a stream silent for two of the heartbeats its server says it sends and a margin, within the long default limit', async () => {
    const heartbeatMs = 100;
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-heartbeat-ms': String(heartbeatMs) });
      res.write(': hello\n\n'); // then nothing, ever: a hung server
    });
    const quietFor: number[] = [];
    const res = await eventStreamFetch(createHttp(url), () => ({}), STREAM_IDLE_TIMEOUT_MS, (ms) => quietFor.push(ms))(`${url}/hung`, init());
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await expect((async () => {
      for (;;) if ((await reader.read()).done) return 'ended without an error';
    })()).rejects.toThrow(/went quiet/);
    expect(quietFor).toEqual([streamSilenceMs(heartbeatMs)]);
    expect(streamSilenceMs(heartbeatMs)).toBe(2 * heartbeatMs + 1_000);
  });

  it('stops the request when the event source closes', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': open\n\n');
    });
    const controller = new AbortController();
    const res = await eventStreamFetch(createHttp(url), () => ({}))(`${url}/s`, init(controller.signal));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await expect(reader.read()).rejects.toThrow();
  });
});

describe('parseTimeouts', () => {
  it('takes the defaults, or whole milliseconds in range, and refuses the rest with the range (never clamps)', () => {
    expect(parseTimeouts(undefined, undefined)).toEqual({ requestMs: REQUEST_TIMEOUT_MS, streamIdleMs: STREAM_IDLE_TIMEOUT_MS });
    expect(parseTimeouts('1500', '2000')).toEqual({ requestMs: 1500, streamIdleMs: 2000 });
    expect(() => parseTimeouts('50', undefined)).toThrow('the request timeout must be a whole number of milliseconds from 200 to 300000, got 50');
    expect(() => parseTimeouts(undefined, '1.5')).toThrow(/stream idle limit .* got 1.5/);
  });
});
