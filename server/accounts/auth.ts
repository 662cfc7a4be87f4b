// The account routes' authentication: the bearer token (stored hashed) is read from the database on every request.
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import { DomainError } from '../errors';
import { bearer } from '../http/auth';
import { accountForToken } from './tokens';

/**
 * onRequest hook for account routes: authenticates before the body is even parsed. It reads the token from the database on
 * every request, so a revoked token is refused at once by every server that shares the database.
 */
export function accountAuth(db: Db, clock: Clock) {
  return async (req: FastifyRequest): Promise<void> => {
    const owner = await accountForToken(db, bearer(req), clock.now());
    if (!owner) throw new DomainError('unauthenticated', 'unauthorized', 'unknown or revoked token');
    req.accountId = owner.accountId;
    req.tokenId = owner.tokenId;
    req.planId = owner.planId;
  };
}
