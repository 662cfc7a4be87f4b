// Idempotent POSTs: the first answer to a key is stored with the change, in one transaction; a replay returns it, a different body is refused.
import { and, eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { IDEMPOTENCY_HEADER, IDEMPOTENCY_KEY_PATTERN } from '../../shared/api/index';
import { idempotencyKeys } from '../db/schema';
import type { Db, Tx } from '../db/open';
import { ApiError } from './errors';
import { isUniqueViolation, sha256, stableJson } from '../util';
import { StableJsonLimitError } from '../../shared/api/canonical-json';

/** A request deeper or larger than this is not hashed: the schemas allow far less, so only a route without one could see it. */
export const REQUEST_MAX_DEPTH = 32;
export const REQUEST_MAX_CHARS = 256 * 1024;

/** The hash a request's answer is stored under; a request past the bounds is a 400, never a stack overflow. */
export function requestHashOf(request: unknown): string {
  try {
    return sha256(stableJson(request, { maxDepth: REQUEST_MAX_DEPTH, maxChars: REQUEST_MAX_CHARS }));
  } catch (e) {
    if (e instanceof StableJsonLimitError) throw new ApiError(400, 'invalid_request', `the request is too deep or too large (${e.message})`);
    throw e;
  }
}

export interface StoredAnswer {
  status: number;
  body: unknown;
  replayed: boolean;
}

/** The request's Idempotency-Key, checked: every POST needs one. */
export function idempotencyKeyOf(req: FastifyRequest): string {
  const key = req.headers[IDEMPOTENCY_HEADER];
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new ApiError(400, 'idempotency_key_required', 'every POST needs an Idempotency-Key header of 8 to 128 letters, digits or . _ : -');
  }
  return key;
}

async function storedRow(db: Db | Tx, scope: string, key: string) {
  const rows = await db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key))).prepare('idempotency_key').execute();
  return rows[0];
}

async function stored(db: Db | Tx, scope: string, key: string, requestHash: string): Promise<StoredAnswer | null> {
  const row = await storedRow(db, scope, key);
  if (!row) return null;
  if (row.requestHash !== requestHash) {
    throw new ApiError(422, 'idempotency_key_reused', 'this Idempotency-Key was already used with a different request');
  }
  return { status: row.status, body: row.body, replayed: true };
}

/** The stored answer for a key, whatever the request was. */
export async function storedAnswer(db: Db | Tx, scope: string, key: string): Promise<{ status: number; body: unknown } | null> {
  const row = await storedRow(db, scope, key);
  return row ? { status: row.status, body: row.body } : null;
}

type Answer = { status: number; body: unknown };

/** What happens between ruling out a replay and the change's transaction. */
export interface ChangeHooks {
  /** a refusal that needs no lock, thrown before any transaction begins (a replay still gets its stored answer) */
  beforeChange?: () => void;
  /** runs the transaction in the account's turn, so that waiting for the account's lock holds no connection */
  inTurn?: <T>(work: () => Promise<T>) => Promise<T>;
}

/**
 * Runs `fn` once per (scope, key). The answer is stored in the same transaction as the change, so a crash never leaves a
 * change without its answer; a concurrent duplicate waits on the key's unique index, then returns the stored answer.
 * `replayAs` says what to store (and so what a replay answers) when the first answer must not be stored as it is: a token's
 * secret is shown once and never written down.
 */
export async function idempotent(
  db: Db,
  scope: string,
  key: string,
  request: unknown,
  nowMs: number,
  fn: (tx: Tx) => Promise<Answer>,
  replayAs: (first: Answer) => Answer = (first) => first,
  hooks: ChangeHooks = {},
): Promise<StoredAnswer> {
  const requestHash = requestHashOf(request);
  const first = await stored(db, scope, key, requestHash);
  if (first) return first;
  hooks.beforeChange?.();
  const inTurn = hooks.inTurn ?? ((work) => work());
  try {
    return await inTurn(() =>
      db.transaction(async (tx) => {
        const answer = await fn(tx);
        const replay = replayAs(answer);
        await tx.insert(idempotencyKeys).values({ scope, key, requestHash, status: replay.status, body: replay.body as object, createdAtMs: nowMs }).prepare('idempotency_store').execute();
        return { ...answer, replayed: false };
      }),
    );
  } catch (e) {
    if (isUniqueViolation(e)) {
      const again = await stored(db, scope, key, requestHash);
      if (again) return again;
    }
    throw e;
  }
}
