// Main's one HTTP layer to the credits server: the axios instance every request goes through, its time limits, and the retry schedules.
import { Readable } from 'node:stream';
import axios, { AxiosError, type AxiosInstance, type AxiosResponse, type RawAxiosResponseHeaders, type AxiosResponseHeaders } from 'axios';
import type { FetchLike, FetchLikeResponse } from 'eventsource';
import { DEFAULT_STREAM_HEARTBEAT_MS, STREAM_HEARTBEAT_HEADER } from '../../shared/api/index';
import type { BackoffPolicy } from '../../shared/rules/backoff';

/** an ordinary request: connect, send, and the whole answer */
export const REQUEST_TIMEOUT_MS = 8_000;
/** the supervisor's check that a freshly started server answers */
export const HEALTH_TIMEOUT_MS = 5_000;
/** an output file (an image, a video) streamed to the renderer */
export const OUTPUT_TIMEOUT_MS = 60_000;
/**
 * an open event stream with no byte for this long is dead, when its server does not say how often it sends its heartbeat (an
 * older server: every 15 s); a shorter --stream-idle-ms applies to every server
 */
export const STREAM_IDLE_TIMEOUT_MS = 45_000;
/** heartbeats of the event stream that may go missing before the server counts as not answering */
export const STREAM_MISSED_HEARTBEATS = 2;
/** and this long beyond them: a late timer or a slow write on a busy machine is not a hung server */
export const STREAM_SILENCE_MARGIN_MS = 1_000;
/** How long an open event stream may be silent when its server sends a heartbeat every `heartbeatMs`. */
export const streamSilenceMs = (heartbeatMs: number): number => STREAM_MISSED_HEARTBEATS * heartbeatMs + STREAM_SILENCE_MARGIN_MS;
/** the silence that makes a server with the default heartbeat (2 s) "not answering": 5 s */
export const STREAM_SILENCE_MS = streamSilenceMs(DEFAULT_STREAM_HEARTBEAT_MS);
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
const MIN_TIMEOUT_MS = 200;
const MAX_TIMEOUT_MS = 300_000;

/** The two limits that decide how soon a hung server is called "not answering": configurable, so tests take seconds. */
export interface Timeouts {
  requestMs: number;
  streamIdleMs: number;
}

/**
 * The limits from flags or the environment (CREDITS_REQUEST_TIMEOUT_MS, CREDITS_STREAM_IDLE_MS), the defaults otherwise.
 * A value out of range is refused with the range, never clamped.
 */
export function parseTimeouts(request: string | undefined, streamIdle: string | undefined): Timeouts {
  const one = (text: string | undefined, name: string, fallback: number) => {
    if (text === undefined || text === '') return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < MIN_TIMEOUT_MS || n > MAX_TIMEOUT_MS) throw new Error(`${name} must be a whole number of milliseconds from ${MIN_TIMEOUT_MS} to ${MAX_TIMEOUT_MS}, got ${text}`);
    return n;
  };
  return { requestMs: one(request, 'the request timeout', REQUEST_TIMEOUT_MS), streamIdleMs: one(streamIdle, 'the stream idle limit', STREAM_IDLE_TIMEOUT_MS) };
}

// The retry schedules of main. The backoff function itself is shared/rules/backoff.ts, because the browser page's bridge (which
// may import only shared/) reconnects with the same one.

/** Restarting the embedded server after it died. */
export const SERVER_RESTART_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };
/** Reconnecting the wallet (fetch and event stream) after the server could not be reached. */
export const WALLET_RETRY_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 30_000 };

/** The axios instance for one server address: no proxy, no redirects, bounded answers, and every status returned to the caller. */
export function createHttp(baseUrl: string, timeoutMs = REQUEST_TIMEOUT_MS): AxiosInstance {
  return axios.create({
    baseURL: baseUrl,
    timeout: timeoutMs,
    maxContentLength: MAX_RESPONSE_BYTES,
    maxRedirects: 0,
    validateStatus: () => true,
    proxy: false,
    // a timeout is ETIMEDOUT, not the ambiguous ECONNABORTED
    transitional: { clarifyTimeoutError: true },
  });
}

/** A request that failed before any answer because it took too long (as opposed to a refused or broken connection). */
export function isTimeout(e: unknown): boolean {
  const code = (e as AxiosError | undefined)?.code;
  return code === 'ETIMEDOUT' || code === 'ECONNABORTED' || code === 'ERR_CANCELED';
}

/** The network's name for a failure (ECONNREFUSED, ...), for messages. */
export function networkErrorCode(e: unknown): string {
  return e instanceof AxiosError && e.code ? e.code : 'network error';
}

/**
 * The `fetch` the event-stream client (the `eventsource` package, which keeps the SSE parsing) is given, made with the same
 * axios instance, so the stream has the same address, proxy and redirect policy, time limits and headers as every other request
 * instead of a second HTTP stack (the global fetch). The request timeout bounds the wait for the answer's headers (axios stops
 * timing a streamed answer once it has them); after that the socket's idle timer bounds the open stream: two of the heartbeats
 * the server says it sends (STREAM_HEARTBEAT_HEADER) and a margin, or `idleTimeoutMs` if shorter or the server does not say.
 * `onQuiet` hears of a stream ended for its silence (with the limit it passed) before the stream fails.
 */
export function eventStreamFetch(http: AxiosInstance, headers: () => Record<string, string>, idleTimeoutMs = STREAM_IDLE_TIMEOUT_MS, onQuiet?: (silentMs: number) => void): FetchLike {
  return async (url, init) => {
    const res: AxiosResponse<Readable> = await http.request({
      url: String(url),
      method: 'GET',
      headers: { ...init.headers, ...headers() },
      responseType: 'stream',
      signal: init.signal as AbortSignal,
      // a stream that stays open: bounded by the idle timer below, not by its total size
      maxContentLength: -1,
    });
    const body = res.data;
    const answer = { url: String(url), status: res.status, redirected: false, headers: headerReader(res.headers) };
    if (res.status !== 200) {
      body.destroy();
      return { ...answer, body: null } satisfies FetchLikeResponse;
    }
    const heartbeatMs = Number(res.headers[STREAM_HEARTBEAT_HEADER]);
    const silentMs = Number.isInteger(heartbeatMs) && heartbeatMs > 0 ? Math.min(idleTimeoutMs, streamSilenceMs(heartbeatMs)) : idleTimeoutMs;
    (res.request as { setTimeout?(ms: number, cb: () => void): unknown }).setTimeout?.(silentMs, () => {
      onQuiet?.(silentMs);
      body.destroy(new Error('the event stream went quiet'));
    });
    return { ...answer, body: Readable.toWeb(body) as FetchLikeResponse['body'] } satisfies FetchLikeResponse;
  };
}

function headerReader(headers: RawAxiosResponseHeaders | AxiosResponseHeaders): FetchLikeResponse['headers'] {
  return {
    get: (name) => {
      const v = (headers as Record<string, unknown>)[name.toLowerCase()];
      return v === undefined || v === null ? null : String(v);
    },
  };
}
