// Typed API errors and the one error shape every failure leaves the server in: { error: { code, message, details? } }.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { ErrorBody } from '../../shared/api/index';
import { issuePath, issuesText, type IssueLike } from '../../shared/rules/issues';
import { DomainError, type RefusalKind } from '../errors';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The one place a domain's kind of refusal becomes an HTTP status. */
const STATUS_OF_KIND: Record<RefusalKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  insufficient_credits: 402,
  not_allowed: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  unprocessable: 422,
  too_many: 429,
  internal: 500,
  upstream_failed: 502,
  busy: 503,
};

export const statusOf = (kind: RefusalKind): number => STATUS_OF_KIND[kind];

/** A domain's refusal as the API answers it. */
export const apiErrorOfDomain = (e: DomainError): ApiError => new ApiError(statusOf(e.kind), e.code, e.message, e.details);

const MAX_ISSUES = 20;

/** A 400 saying each bad field (the first MAX_ISSUES), in words and in its details. */
function invalid(what: string, issues: readonly IssueLike[]): ApiError {
  const shown = issues.slice(0, MAX_ISSUES);
  return new ApiError(400, 'invalid_request', `invalid ${what}: ${issuesText(shown)}`, { issues: shown.map((i) => ({ path: issuePath(i), message: i.message })) });
}

/** Validates a value that is not a request part (a stored document, a header) with a shared schema; a failure is a 400 naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = 'request'): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalid(what, r.error.issues);
  return r.data;
}

const CONTEXT_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'headers' };

/** Fastify's own 4xx errors, by code, in the API's words. */
const FRAMEWORK_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
};

function toBody(e: ApiError): ErrorBody {
  return { error: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) } };
}

/** The error the API answers for anything thrown while handling a request. */
export function apiErrorOf(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof DomainError) return apiErrorOfDomain(err);
  if (hasZodFastifySchemaValidationErrors(err)) {
    const ctx = CONTEXT_NAMES[(err as { validationContext?: string }).validationContext ?? 'body'] ?? 'request';
    const issues = err.validation.map((v) => ({ path: v.instancePath.replace(/^\//, '').split('/'), message: v.message ?? 'invalid' }));
    return invalid(ctx, issues);
  }
  const e = err as Partial<FastifyError> & { status?: number };
  const status = e.statusCode ?? e.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = (e.code && FRAMEWORK_CODES[e.code]) ?? (status === 404 ? 'not_found' : 'invalid_request');
    return new ApiError(status, code, e.message ?? 'bad request');
  }
  return null;
}

/** Installs the one error shape on an app: thrown errors, Fastify's own errors, unknown routes and router failures. */
export function installErrorShape(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, req, reply) => {
    const api = apiErrorOf(err);
    if (api) {
      const retryAfterMs = (api.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
      if (typeof retryAfterMs === 'number' && retryAfterMs > 0) reply.header('retry-after', String(Math.ceil(retryAfterMs / 1000)));
      return reply.status(api.status).send(toBody(api));
    }
    req.log.error({ err }, 'request failed');
    return reply.status(500).send(toBody(new ApiError(500, 'internal', `the credits server failed; nothing was changed (request ${req.id})`, { requestId: req.id })));
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send(toBody(new ApiError(404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}`))));
}

/** How long a socket that sent unparseable HTTP is kept to deliver the answer before it is destroyed. */
const CLIENT_ERROR_LINGER_MS = 2_000;

/**
 * Node's HTTP parser refuses some requests before any route or hook sees them (broken framing, bad header bytes, headers too
 * large): they are answered here, on the raw socket, in the same shape as every other error, and the connection is closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'headers_too_large', 'the request headers are too large']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request_timeout', 'the request took too long to arrive']
    : [400, 'invalid_http', 'the request is not well-formed HTTP'];
  const body = JSON.stringify(toBody(new ApiError(status, code, message)));
  if (socket.writable) {
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  setTimeout(() => socket.destroy(), CLIENT_ERROR_LINGER_MS).unref();
}
