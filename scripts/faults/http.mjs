// check:faults: requests to the server under test (127.0.0.1 only), retried with the same idempotency key across crashes, as the app does.
/* global fetch, AbortSignal -- Node 20 globals */
import { sleep } from './util.mjs';

export const REQUEST_TIMEOUT_MS = 30_000;
export const MAX_ATTEMPTS = 60;
const BUSY_BACKOFF_MS = 200;

/** A request that reached no server, or whose answer was cut: the server may or may not have acted on it. */
export class NetworkError extends Error {}

/** One HTTP call; a network failure (refused, reset, cut) throws NetworkError. */
export async function call(server, { method = 'GET', path, token, body, key }) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (key) headers['idempotency-key'] = key;
  let res;
  let text;
  try {
    res = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    text = await res.text();
  } catch (e) {
    throw new NetworkError(e.cause?.code ?? e.message);
  }
  return { status: res.status, body: text ? JSON.parse(text) : null, replayed: res.headers.get('idempotent-replayed') === 'true' };
}

/**
 * Sends until there is an answer: after a network failure it waits for the server to be up and sends the same request with the
 * same key again; a 503 (busy) is retried after a pause. Returns the answer and how many sends it took.
 */
export async function callRetrying(server, req, stats = { networkRetries: 0, busyRetries: 0 }) {
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await call(server, req);
      if (r.status !== 503 || attempt >= MAX_ATTEMPTS) return { ...r, attempts: attempt };
      stats.busyRetries++;
      await sleep(BUSY_BACKOFF_MS * Math.min(attempt, 10));
    } catch (e) {
      if (!(e instanceof NetworkError) || attempt >= MAX_ATTEMPTS) throw e;
      stats.networkRetries++;
      await server.whenUp();
      await sleep(20 * Math.min(attempt, 10));
    }
  }
}

/** The operator's calls used to set the stage: accounts and grants (idempotent, so a retry never grants twice). */
export function admin(server, adminToken) {
  let n = 0;
  const post = (path, body) => callRetrying(server, { method: 'POST', path, token: adminToken, body, key: `faults-admin-${process.pid}-${Date.now()}-${++n}` });
  return {
    async account(displayName, planId) {
      const r = await post('/admin/accounts', { displayName, planId });
      if (r.status !== 201) throw new Error(`creating an account failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async grant(accountId, credits, kind = 'bonus') {
      const r = await post(`/admin/accounts/${accountId}/grants`, { credits: String(credits), kind });
      if (r.status !== 201) throw new Error(`a grant failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
  };
}

/**
 * The mix of runs. 'mixed' (the crash runs): images, text, a partial batch and a failure (refunded), so settle, release and void
 * all happen. 'light' (spends and replays, thousands of runs): text runs, some failing, which the local engine makes quickly.
 */
export function runRequest(rng, n, mix = 'mixed') {
  const r = rng();
  if (mix === 'light') {
    if (r < 0.9) return { modelId: 'deepseek-v3-0324', prompt: `a haiku about harbour ${n}`, maxOutputTokens: 300 };
    return { modelId: 'deepseek-v3-0324', prompt: `a haiku about a storm [fail] ${n}`, maxOutputTokens: 300 };
  }
  if (r < 0.45) return { modelId: 'flux-schnell', prompt: `a lighthouse at dusk ${n}` };
  if (r < 0.75) return { modelId: 'deepseek-v3-0324', prompt: `a haiku about harbour ${n}`, maxOutputTokens: 300 };
  if (r < 0.87) return { modelId: 'flux-schnell', prompt: `two boats [partial] ${n}`, count: 2 };
  return { modelId: 'flux-schnell', prompt: `a storm [fail] ${n}` };
}

/** Approved generously: the server holds its own estimate, never the approval. */
export const APPROVED_MC = 100_000;
