// The server's log: Fastify's pino logger, JSON lines with a request id on every request's line, errors with their stack, never a token, a body or a query's parameters.
import { randomBytes } from 'node:crypto';
import type { FastifyRequest, FastifyServerOptions } from 'fastify';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogOptions {
  level: LogLevel;
  /** where the JSON lines go; standard output when absent */
  stream?: { write(line: string): void };
}

/** Long texts are cut: a log line is for reading, and a request's URL or a stack can be made huge on purpose. */
const MAX_TEXT_CHARS = 8_000;
const MAX_URL_CHARS = 500;
const MAX_CAUSE_DEPTH = 3;
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Paths pino blanks wherever they appear. Fastify logs no headers and no bodies by default; these hold if a line ever carries
 * them (an error's details, a future serializer).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.body', 'headers.authorization', 'headers.cookie', 'body',
  'token', '*.token', 'prompt', '*.prompt', 'request.prompt', '*.request.prompt',
];

const clip = (text: string, max = MAX_TEXT_CHARS) => (text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text);

/** A query error's message (drizzle's "Failed query: … params: …") without its parameters: they hold prompts, names and hashes. */
function withoutParams(e: { params?: unknown }, text: string): string {
  if (!Array.isArray(e.params)) return text;
  return text.replace(`\nparams: ${e.params.join(',')}`, `\nparams: [${e.params.length} redacted]`);
}

/** Query parameters cut out of a text that is already a string (a stack in a message); the safe side of a prompt holding "    at ". */
export function scrubText(text: string): string {
  return clip(text.replace(/\nparams: [\s\S]*?(?=\n {4}at |$)/g, '\nparams: [redacted]'));
}

type SerializedError = { type: string; message: string; stack: string; [field: string]: unknown };

/** An error for the log: type, message, stack, code and cause, with no query parameters; other fields are left out. */
export function serializeError(e: unknown, depth = 0): SerializedError {
  if (!(e instanceof Error)) return { type: typeof e, message: clip(String(e)), stack: '' };
  const x = e as Error & { code?: unknown; statusCode?: unknown; query?: unknown; params?: unknown };
  const out: SerializedError = { type: x.name, message: scrubText(withoutParams(x, x.message)), stack: scrubText(withoutParams(x, x.stack ?? '')) };
  if (typeof x.code === 'string' || typeof x.code === 'number') out.code = x.code;
  if (typeof x.statusCode === 'number') out.statusCode = x.statusCode;
  // the SQL with its placeholders ($1, $2), never the values
  if (typeof x.query === 'string') out.query = clip(x.query);
  if (x.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = serializeError(x.cause, depth + 1);
  return out;
}

function serializeRequest(req: FastifyRequest) {
  return { method: req.method, url: clip(req.url, MAX_URL_CHARS), remoteAddress: req.ip };
}

/** A request id: random, so that ids from several servers sharing one database do not collide in a merged log. */
export const newRequestId = (): string => randomBytes(8).toString('hex');

/** Fastify's logger options; silent when `log` is absent (tests). */
export function loggerOptions(log: LogOptions | undefined): FastifyServerOptions['logger'] {
  if (!log || log.level === 'silent') return false;
  return {
    level: log.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: (e: Error) => serializeError(e), error: (e: Error) => serializeError(e), req: serializeRequest },
    ...(log.stream ? { stream: log.stream } : {}),
  };
}
