// The main process's client for the credits server, over the one HTTP layer (http.ts): typed errors, and every response validated.
import type { AxiosInstance, AxiosResponse, ResponseType } from 'axios';
import type { FetchLike } from 'eventsource';
import type { z } from 'zod';
import {
  catalogKeySchema, estimateAnswerSchema, catalogResponseSchema, errorBodySchema, ledgerPageSchema, generationPageSchema, generationSchema, healthSchema, walletSchema,
  purchasePageSchema, purchaseSchema, subscriptionChangeAnswerSchema, subscriptionViewSchema,
  type CreateEstimateBody, type CreateGenerationBody, type EstimateAnswer, type Generation, type Wallet,
  trainingListSchema, trainingSchema, type Training,
  spendLimitsAnswerSchema, type SetSpendLimitsBody, autoTopUpViewSchema, type AutoTopUpSettingsBody,
} from '../../shared/api/index';
import { MAX_MESSAGE_BYTES } from '../../shared/ipc/bridge-protocol';
import { clockOffsetMs } from '../../shared/rules/schedule';
import { createHttp, eventStreamFetch, isTimeout, networkErrorCode, OUTPUT_TIMEOUT_MS, REQUEST_TIMEOUT_MS, STREAM_IDLE_TIMEOUT_MS } from './http';

export type ApiClientErrorCode = 'offline' | 'timeout' | 'unauthorized' | 'bad_response' | 'server_error' | 'rejected';

export class ApiClientError extends Error {
  constructor(
    readonly code: ApiClientErrorCode,
    message: string,
    readonly status?: number,
    readonly serverCode?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiClientError';
  }
}

export interface TimedWallet {
  wallet: Wallet;
  clockOffsetMs: number;
}

interface SendOptions {
  body?: unknown;
  headers?: Record<string, string>;
  responseType?: ResponseType;
  timeoutMs?: number;
  maxContentLength?: number;
  maxBodyLength?: number;
  /** what the user was waiting for, for the offline message */
  purpose?: string;
}

const TRAINING_UPLOAD_TIMEOUT_MS = 120_000;

export class CreditsApiClient {
  private readonly http: AxiosInstance;

  constructor(
    readonly baseUrl: string,
    private token: string | null,
    private readonly now: () => number = Date.now,
    private readonly timeoutMs = REQUEST_TIMEOUT_MS,
    /** an open event stream with no byte (not even the heartbeat) for this long is a server not answering */
    private readonly streamIdleMs = STREAM_IDLE_TIMEOUT_MS,
  ) {
    this.http = createHttp(baseUrl, timeoutMs);
  }

  setToken(token: string): void {
    this.token = token;
  }

  private authHeader(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  /** One request with the token; a failure to get any answer becomes an ApiClientError ('timeout' or 'offline'). */
  private async send(method: 'GET' | 'POST' | 'PUT', url: string, opts: SendOptions = {}): Promise<AxiosResponse> {
    try {
      return await this.http.request({
        method,
        url,
        data: opts.body,
        headers: { ...this.authHeader(), ...opts.headers },
        ...(opts.responseType ? { responseType: opts.responseType } : {}),
        ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
        ...(opts.maxContentLength !== undefined ? { maxContentLength: opts.maxContentLength } : {}),
        ...(opts.maxBodyLength !== undefined ? { maxBodyLength: opts.maxBodyLength } : {}),
      });
    } catch (e) {
      const what = opts.purpose ? ` ${opts.purpose}` : '';
      if (isTimeout(e)) throw new ApiClientError('timeout', `The credits server is not answering (nothing${what} within ${Math.round((opts.timeoutMs ?? this.timeoutMs) / 100) / 10} s). Showing your last known balance; retrying automatically.`);
      throw new ApiClientError('offline', `Can't reach the credits server${what} (${networkErrorCode(e)}). Showing your last known balance; retrying automatically.`);
    }
  }

  private async request<S extends z.ZodType>(schema: S, method: 'GET' | 'POST' | 'PUT', url: string, opts: SendOptions = {}): Promise<z.output<S>> {
    const res = await this.send(method, url, opts);
    if (res.status >= 400) throw statusError(res);
    const parsed = schema.safeParse(res.data);
    if (!parsed.success) throw new ApiClientError('bad_response', `the credits server sent an unexpected answer to ${url}`);
    return parsed.data;
  }

  setAutoTopUp(body: AutoTopUpSettingsBody) {
    return this.request(autoTopUpViewSchema, 'PUT', '/v1/auto-top-up', { body, purpose: 'to change auto top-up' });
  }

  resumeAutoTopUp() {
    return this.request(autoTopUpViewSchema, 'POST', '/v1/auto-top-up/resume', { body: {}, purpose: 'to resume auto top-up' });
  }

  /** Replaces the user's spend limits (the operator's stay). */
  setSpendLimits(body: SetSpendLimitsBody) {
    return this.request(spendLimitsAnswerSchema, 'PUT', '/v1/spend-limits', { body, purpose: 'to set your spend limits' });
  }

  health() {
    return this.request(healthSchema, 'GET', '/health');
  }

  /** Reads the wallet and measures the offset of the server's clock from ours over the round trip. */
  async wallet(): Promise<TimedWallet> {
    const sent = this.now();
    const wallet = await this.request(walletSchema, 'GET', '/v1/wallet');
    const received = Math.max(sent, this.now());
    return { wallet, clockOffsetMs: clockOffsetMs(sent, wallet.serverTimeMs, received) };
  }

  /** The address of the account's event stream and the fetch to open it with (the same HTTP layer, with the token); `onQuiet` as eventStreamFetch's. */
  walletEvents(lastEventId: () => number | null, onQuiet?: (silentMs: number) => void): { url: string; fetch: FetchLike } {
    const headers = () => {
      const id = lastEventId();
      return { ...this.authHeader(), ...(id !== null ? { 'last-event-id': String(id) } : {}) };
    };
    return { url: `${this.baseUrl}/v1/wallet/events`, fetch: eventStreamFetch(this.http, headers, this.streamIdleMs, onQuiet) };
  }

  /** The price catalog, conditionally: null when unchanged since `etag`. The document is validated by the caller. */
  async catalog(etag: string | null): Promise<{ etag: string | null; doc: unknown; version: string; signature: string } | null> {
    const res = await this.send('GET', '/v1/catalog', { headers: etag ? { 'if-none-match': etag } : {}, purpose: 'to update prices' });
    if (res.status === 304) return null;
    if (res.status !== 200) throw statusError(res, 'the price catalog');
    const parsed = catalogResponseSchema.safeParse(res.data);
    if (!parsed.success) throw new ApiClientError('bad_response', 'the credits server sent a malformed price catalog');
    return { etag: typeof res.headers.etag === 'string' ? res.headers.etag : null, doc: parsed.data.catalog, version: parsed.data.version, signature: parsed.data.signature };
  }

  catalogKey() {
    return this.request(catalogKeySchema, 'GET', '/v1/catalog/key');
  }

  ledger(after: number, limit: number) {
    return this.request(ledgerPageSchema, 'GET', `/v1/ledger?after=${after}&limit=${limit}`);
  }

  trainings() {
    return this.request(trainingListSchema, 'GET', '/v1/trainings?limit=50');
  }

  /**
   * A training job goes up in one request, as a multipart form (trainingFormOf: the fields, then the images as files), which
   * axios streams part by part with its boundary and length: a longer timeout, and no more than the renderer may send.
   */
  startTraining(form: FormData, idempotencyKey: string): Promise<Training> {
    return this.request(trainingSchema, 'POST', '/v1/trainings', { body: form, headers: { 'idempotency-key': idempotencyKey }, timeoutMs: TRAINING_UPLOAD_TIMEOUT_MS, maxBodyLength: MAX_MESSAGE_BYTES, purpose: 'to start the training' });
  }

  cancelTraining(id: string, idempotencyKey: string): Promise<Training> {
    return this.request(trainingSchema, 'POST', `/v1/trainings/${encodeURIComponent(id)}/cancel`, { body: {}, headers: { 'idempotency-key': idempotencyKey } });
  }

  createGeneration(body: CreateGenerationBody, idempotencyKey: string): Promise<Generation> {
    return this.request(generationSchema, 'POST', '/v1/generations', { body, headers: { 'idempotency-key': idempotencyKey } });
  }

  /** What the server says a run would cost now and whether it would accept it (holds nothing). */
  estimate(body: CreateEstimateBody): Promise<EstimateAnswer> {
    return this.request(estimateAnswerSchema, 'POST', '/v1/estimates', { body });
  }

  generation(id: string): Promise<Generation> {
    return this.request(generationSchema, 'GET', `/v1/generations/${encodeURIComponent(id)}`);
  }

  /** The run created with this key, or null if the server never received it. */
  async generationByKey(key: string): Promise<Generation | null> {
    try {
      return await this.request(generationSchema, 'GET', `/v1/generations/by-key/${encodeURIComponent(key)}`);
    } catch (e) {
      if (e instanceof ApiClientError && e.status === 404) return null;
      throw e;
    }
  }

  generations(limit: number, cursor?: string) {
    return this.request(generationPageSchema, 'GET', `/v1/generations?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  }

  cancelGeneration(id: string, idempotencyKey: string): Promise<Generation> {
    return this.request(generationSchema, 'POST', `/v1/generations/${encodeURIComponent(id)}/cancel`, { body: {}, headers: { 'idempotency-key': idempotencyKey } });
  }

  createPurchase(body: { packId: string; country: string }, idempotencyKey: string) {
    return this.request(purchaseSchema, 'POST', '/v1/purchases', { body, headers: { 'idempotency-key': idempotencyKey }, purpose: 'to start the checkout' });
  }

  purchase(id: string) {
    return this.request(purchaseSchema, 'GET', `/v1/purchases/${encodeURIComponent(id)}`);
  }

  purchases(limit: number) {
    return this.request(purchasePageSchema, 'GET', `/v1/purchases?limit=${limit}`);
  }

  subscription() {
    return this.request(subscriptionViewSchema, 'GET', '/v1/subscription');
  }

  startSubscription(body: { planId: string; period: string; country: string }, idempotencyKey: string) {
    return this.request(purchaseSchema, 'POST', '/v1/subscription', { body, headers: { 'idempotency-key': idempotencyKey }, purpose: 'to start the checkout' });
  }

  /** Takes back a cancel at the period's end (409 nothing_to_resume, or subscription_period_ended once the period is over). */
  resumeSubscription(idempotencyKey: string) {
    return this.request(subscriptionChangeAnswerSchema, 'POST', '/v1/subscription/resume', { body: {}, headers: { 'idempotency-key': idempotencyKey }, purpose: 'to resume the plan' });
  }

  changeSubscription(body: { planId: string; period: string } | null, idempotencyKey: string) {
    const url = body ? '/v1/subscription/change' : '/v1/subscription/cancel';
    return this.request(subscriptionChangeAnswerSchema, 'POST', url, { body: body ?? {}, headers: { 'idempotency-key': idempotencyKey }, purpose: 'to change the plan' });
  }

  /** An output file as a stream with its type, for the shells to serve to the renderer. */
  async output(id: string, name: string): Promise<{ stream: NodeJS.ReadableStream; mime: string; bytes: number | null } | null> {
    let res;
    try {
      // an output may be larger than any JSON answer: it is streamed through, never held, so only the time is bounded
      res = await this.send('GET', `/v1/generations/${encodeURIComponent(id)}/outputs/${encodeURIComponent(name)}`, { responseType: 'stream', maxContentLength: -1, timeoutMs: OUTPUT_TIMEOUT_MS });
    } catch {
      return null;
    }
    if (res.status !== 200) {
      (res.data as NodeJS.ReadableStream & { resume(): void }).resume();
      return null;
    }
    const len = Number(res.headers['content-length']);
    return { stream: res.data as NodeJS.ReadableStream, mime: String(res.headers['content-type'] ?? 'application/octet-stream'), bytes: Number.isFinite(len) ? len : null };
  }
}

/** An answer with an error status as a typed error, with the server's own message and code when it sent the error shape. */
function statusError(res: AxiosResponse, what?: string): ApiClientError {
  const err = errorBodySchema.safeParse(res.data);
  const message = err.success ? err.data.error.message : `the credits server answered ${res.status}${what ? ` for ${what}` : ''}`;
  const code: ApiClientErrorCode = res.status === 401 || res.status === 403 ? 'unauthorized' : res.status >= 500 ? 'server_error' : 'rejected';
  return new ApiClientError(code, message, res.status, err.success ? err.data.error.code : undefined, withRetryAfter(err.success ? err.data.error.details : undefined, res));
}

/** the longest wait a Retry-After header is taken at, in seconds */
const MAX_RETRY_AFTER_S = 3_600;

/** An answer's details, with the wait its Retry-After header asks for (in seconds) as retryAfterMs when the body does not say it. */
function withRetryAfter(details: unknown, res: AxiosResponse): unknown {
  const header = Number(res.headers['retry-after']);
  const asked = details && typeof details === 'object' && 'retryAfterMs' in details;
  if (asked || !Number.isInteger(header) || header <= 0 || header > MAX_RETRY_AFTER_S) return details;
  return { ...(details && typeof details === 'object' ? details : {}), retryAfterMs: header * 1000 };
}
