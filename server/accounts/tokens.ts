// Bearer tokens of accounts: issued once (only their hash is stored), named by id, listed without secrets, revoked, and checked on every request.
import { and, count, desc, eq, isNull, lt, or } from 'drizzle-orm';
import { TOKEN_ALREADY_ISSUED, TOKEN_LIST_MAX, type TokenView } from '../../shared/api/index';
import { accounts, apiTokens } from '../db/schema';
import type { Db, Tx } from '../db/open';
import { DomainError, notFound } from '../errors';
import { newId, newToken, sha256 } from '../util';

/** A token's last use is written at most this often: a request reads its token, it does not write it. */
export const LAST_USED_STEP_MS = 60_000;
/** Active tokens one account may hold: a leak of many is a mistake to stop, not a feature. */
export const MAX_ACTIVE_TOKENS = 200;
/** Longer bearer values are not looked up at all. */
export const MAX_TOKEN_CHARS = 200;

export interface IssuedToken {
  tokenId: string;
  label: string;
  createdAtMs: number;
  /** the secret: handed to the caller once and never stored */
  token: string;
}

type TokenRow = typeof apiTokens.$inferSelect;

const view = (r: TokenRow): TokenView => ({ id: r.id, label: r.label, createdAtMs: r.createdAtMs, lastUsedAtMs: r.lastUsedAtMs, revokedAtMs: r.revokedAtMs });

/** Issues a token for an account (which the caller has checked exists); the account holds at most MAX_ACTIVE_TOKENS at once. */
export async function issueToken(tx: Tx, accountId: string, nowMs: number, label = ''): Promise<IssuedToken> {
  const [active] = await tx.select({ n: count() }).from(apiTokens).where(and(eq(apiTokens.accountId, accountId), isNull(apiTokens.revokedAtMs)));
  if (Number(active?.n ?? 0) >= MAX_ACTIVE_TOKENS) {
    throw new DomainError('conflict', 'too_many_tokens', `this account already has ${MAX_ACTIVE_TOKENS} active tokens; revoke some first`);
  }
  const token = newToken();
  const tokenId = newId('tok');
  await tx.insert(apiTokens).values({ tokenHash: sha256(token), id: tokenId, accountId, label, createdAtMs: nowMs });
  return { tokenId, label, createdAtMs: nowMs, token };
}

export interface TokenOwner {
  accountId: string;
  tokenId: string;
  /** the account's plan as this read found it (read in the same statement, for checks that need no lock) */
  planId: string;
}

/**
 * The account a bearer token belongs to, or null if it is unknown or revoked. It reads the database on every request, so a
 * revocation holds at once on every server sharing it; the last-used time is written only when it is a minute old or more.
 */
export async function accountForToken(db: Db, token: string, nowMs: number): Promise<TokenOwner | null> {
  if (!token || token.length > MAX_TOKEN_CHARS) return null;
  const tokenHash = sha256(token);
  const [row] = await db
    .select({ accountId: apiTokens.accountId, tokenId: apiTokens.id, lastUsedAtMs: apiTokens.lastUsedAtMs, planId: accounts.planId })
    .from(apiTokens)
    .innerJoin(accounts, eq(accounts.id, apiTokens.accountId))
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAtMs)))
    .prepare('token_owner')
    .execute();
  if (!row) return null;
  if (row.lastUsedAtMs === null || nowMs - row.lastUsedAtMs >= LAST_USED_STEP_MS) {
    // conditional, so that concurrent requests (or servers) write it once
    await db
      .update(apiTokens)
      .set({ lastUsedAtMs: nowMs })
      .where(and(eq(apiTokens.tokenHash, tokenHash), or(isNull(apiTokens.lastUsedAtMs), lt(apiTokens.lastUsedAtMs, nowMs - LAST_USED_STEP_MS + 1))));
  }
  return { accountId: row.accountId, tokenId: row.tokenId, planId: row.planId };
}

/** An account's tokens, newest first, without their secrets (which are not stored) or hashes. */
export async function listTokens(db: Db | Tx, accountId: string): Promise<TokenView[]> {
  const rows = await db.select().from(apiTokens).where(eq(apiTokens.accountId, accountId)).orderBy(desc(apiTokens.createdAtMs), desc(apiTokens.id)).limit(TOKEN_LIST_MAX);
  return rows.map(view);
}

/** Revokes one of an account's tokens; revoking a revoked token changes nothing. Another account's token is not found. */
export async function revokeToken(tx: Tx, accountId: string, tokenId: string, nowMs: number): Promise<TokenView> {
  await tx.update(apiTokens).set({ revokedAtMs: nowMs }).where(and(eq(apiTokens.id, tokenId), eq(apiTokens.accountId, accountId), isNull(apiTokens.revokedAtMs)));
  const [row] = await tx.select().from(apiTokens).where(and(eq(apiTokens.id, tokenId), eq(apiTokens.accountId, accountId)));
  if (!row) throw notFound(`token ${tokenId}`);
  return view(row);
}

/**
 * What is stored for a token's creation, and so what a replay of it answers: a 409 naming the token by id, never the secret
 * (the database, its dumps and its files must not hold one). A client that lost the first answer revokes that token and asks
 * again with a new Idempotency-Key.
 */
export function issuedTokenReplay(first: { status: number; body: unknown }): { status: number; body: unknown } {
  const { accountId, tokenId } = first.body as { accountId: string; tokenId: string };
  const message = `this request already issued token ${tokenId}; its secret is shown only once (revoke it if it was lost, and issue a new one with a new Idempotency-Key)`;
  return { status: 409, body: { error: { code: TOKEN_ALREADY_ISSUED, message, details: { accountId, tokenId } } } };
}
