// Accounts plugin: an account's own tokens, listed (never their secrets) and revoked.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { emptyBodySchema, tokenIdParamsSchema, tokenListSchema } from '../../shared/api/index';
import { accountAuth } from '../accounts/auth';
import type { ServerContext } from '../http/context';
import { idempotencyKeyOf } from '../http/idempotency';
import { listTokens, revokeToken } from './tokens';

export function accountRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  const { db, clock } = ctx;
  return async (app) => {
    app.addHook('onRequest', accountAuth(db, clock));

    app.get('/v1/tokens', async (req) => tokenListSchema.parse({ items: await listTokens(db, req.accountId) }));

    /** Any of the account's tokens, the one in use included (signing out); another account's token is not found. */
    app.post('/v1/tokens/:tokenId/revoke', { schema: { params: tokenIdParamsSchema, body: emptyBodySchema } }, async (req) => {
      idempotencyKeyOf(req); // every POST carries one; revoking twice changes nothing, so nothing needs storing
      return db.transaction((tx) => revokeToken(tx, req.accountId, req.params.tokenId, clock.now()));
    });
  };
}
