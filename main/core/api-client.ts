// The main process's HTTP client for the credits server (axios): timeouts, typed errors, and every response validated.
import axios, { type AxiosInstance, AxiosError } from 'axios';
import type { z } from 'zod';
import {
  catalogKeySchema, catalogResponseSchema, errorBodySchema, ledgerPageSchema, generationPageSchema, generationSchema, healthSchema, tokenResponseSchema, walletSchema,
  type CreateGenerationBody, type Generation, type Wallet,
} from '../../shared/api/index';
import { clockOffsetMs } from '../../shared/rules/schedule';

export const REQUEST_TIMEOUT_MS = 8_000;
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

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

export class CreditsApiClient {
  private readonly http: AxiosInstance;

  constructor(
    readonly baseUrl: string,
    private token: string | null,
    private readonly now: () => number = Date.now,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ) {
    this.http = axios.create({
      baseURL: baseUrl,
      timeout: timeoutMs,
      maxContentLength: MAX_RESPONSE_BYTES,
      maxRedirects: 0,
      validateStatus: () => true,
      proxy: false,
    });
  }

  setToken(token: string): void {
    this.token = token;
  }

  authHeader(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  private async request<S extends z.ZodType>(schema: S, method: 'GET' | 'POST', url: string, opts: { token?: string; body?: unknown; headers?: Record<string, string>; allow304?: boolean } = {}): Promise<z.output<S>> {
    let res;
    try {
      res = await this.http.request({
        method,
        url,
        data: opts.body,
        transitional: { clarifyTimeoutError: true },
        headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : this.authHeader()), ...opts.headers },
      });
    } catch (e) {
      const ax = e as AxiosError;
      if (ax.code === 'ECONNABORTED' || ax.code === 'ETIMEDOUT' || ax.code === 'ERR_CANCELED') throw new ApiClientError('timeout', `The credits server did not answer within ${Math.round(REQUEST_TIMEOUT_MS / 1000)} s. Showing your last known balance; retrying automatically.`);
      throw new ApiClientError('offline', `Can't reach the credits server (${ax.code ?? 'network error'}). Showing your last known balance; retrying automatically.`);
    }
    if (res.status >= 400) {
      const err = errorBodySchema.safeParse(res.data);
      const message = err.success ? err.data.error.message : `the credits server answered ${res.status}`;
      const code: ApiClientErrorCode = res.status === 401 || res.status === 403 ? 'unauthorized' : res.status >= 500 ? 'server_error' : 'rejected';
      throw new ApiClientError(code, message, res.status, err.success ? err.data.error.code : undefined, err.success ? err.data.error.details : undefined);
    }
    const parsed = schema.safeParse(res.data);
    if (!parsed.success) throw new ApiClientError('bad_response', `the credits server sent an unexpected answer to ${url}`);
    return parsed.data;
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

  /** The price catalog, conditionally: null when unchanged since `etag`. The document is validated by the caller. */
  async catalog(etag: string | null): Promise<{ etag: string | null; doc: unknown; version: string; signature: string } | null> {
    let res;
    try {
      res = await this.http.get('/v1/catalog', { headers: { ...this.authHeader(), ...(etag ? { 'if-none-match': etag } : {}) } });
    } catch (e) {
      throw new ApiClientError('offline', `Can't reach the credits server to update prices (${(e as AxiosError).code ?? 'network error'}).`);
    }
    if (res.status === 304) return null;
    if (res.status !== 200) throw new ApiClientError(res.status >= 500 ? 'server_error' : 'rejected', `the credits server answered ${res.status} for the price catalog`, res.status);
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

  createGeneration(body: CreateGenerationBody, idempotencyKey: string): Promise<Generation> {
    return this.request(generationSchema, 'POST', '/v1/generations', { body, headers: { 'idempotency-key': idempotencyKey } });
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

  /** An output file as a stream with its type, for the shells to serve to the renderer. */
  async output(id: string, name: string): Promise<{ stream: NodeJS.ReadableStream; mime: string; bytes: number | null } | null> {
    let res;
    try {
      res = await this.http.get(`/v1/generations/${encodeURIComponent(id)}/outputs/${encodeURIComponent(name)}`, { headers: this.authHeader(), responseType: 'stream', maxContentLength: Infinity, timeout: 60_000 });
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

  /** Mints a token for an account with the admin token (the embedded server's local account). */
  async mintToken(adminToken: string, accountId: string, idempotencyKey: string): Promise<string> {
    const r = await this.request(tokenResponseSchema, 'POST', `/admin/accounts/${encodeURIComponent(accountId)}/tokens`, {
      token: adminToken,
      body: {},
      headers: { 'idempotency-key': idempotencyKey },
    });
    return r.token;
  }
}
