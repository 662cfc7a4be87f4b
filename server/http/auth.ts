// Bearer tokens on requests: the request's account (set by accounts/auth.ts), reading the bearer, and the operator's token for /admin routes.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { sha256 } from '../util';
import { ApiError } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** the authenticated account; set by the account hook before any validation or handler runs */
    accountId: string;
    /** the id (never the secret) of the token it authenticated with */
    tokenId: string;
    /** the account's plan when it authenticated (checks that must be exact read it again under the account's lock) */
    planId: string;
  }
}

/** The request's bearer token, or '' when it has none. */
export function bearerOf(req: FastifyRequest): string {
  const h = req.headers.authorization;
  return typeof h === 'string' && h.startsWith('Bearer ') ? h.slice('Bearer '.length).trim() : '';
}

/** The request's bearer token; a request without one is refused. */
export function bearer(req: FastifyRequest): string {
  const h = req.headers.authorization;
  if (typeof h !== 'string' || !h.startsWith('Bearer ')) throw new ApiError(401, 'unauthorized', 'missing bearer token');
  return h.slice('Bearer '.length).trim();
}

/** onRequest hook for operator routes: compares hashes in constant time. */
export function adminAuth(adminToken: string) {
  const adminHash = Buffer.from(sha256(adminToken), 'hex');
  return async (req: FastifyRequest): Promise<void> => {
    const given = Buffer.from(sha256(bearer(req)), 'hex');
    if (!timingSafeEqual(given, adminHash)) throw new ApiError(403, 'forbidden', 'admin token required');
  };
}
