// The operator's token routes: issue a token for an account (its secret shown once), list an account's tokens, revoke one.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { accountIdParamsSchema, accountTokenParamsSchema, createTokenBodySchema, emptyBodySchema, tokenListSchema, tokenResponseSchema } from '../../shared/api/index';
import { accountExists } from '../accounts/service';
import { issuedTokenReplay, issueToken, listTokens, revokeToken } from '../accounts/tokens';
import type { Tx } from '../db/open';
import type { ServerContext } from '../http/context';
import { notFound } from '../errors';
import { idempotencyKeyOf } from '../http/idempotency';
import type { Once } from './once';

async function mustExist(tx: Tx, id: string): Promise<void> {
  if (!(await accountExists(tx, id))) throw notFound(`account ${id}`);
}

/** Registered inside the admin plugin, behind its admin-token hook. */
export function adminTokenRoutes(ctx: ServerContext, once: Once): FastifyPluginAsyncZod {
  const { db, clock } = ctx;
  return async (app) => {
    app.get('/admin/accounts/:id/tokens', { schema: { params: accountIdParamsSchema } }, async (req) => {
      await mustExist(db, req.params.id);
      return tokenListSchema.parse({ items: await listTokens(db, req.params.id) });
    });

    app.post('/admin/accounts/:id/tokens', { schema: { params: accountIdParamsSchema, body: createTokenBodySchema } }, (req, reply) =>
      once(
        req,
        reply,
        `tokens:${req.params.id}`,
        async (tx) => {
          const { id } = req.params;
          await mustExist(tx, id);
          const issued = await issueToken(tx, id, clock.now(), req.body?.label ?? '');
          return { status: 201, body: tokenResponseSchema.parse({ accountId: id, ...issued }) };
        },
        issuedTokenReplay,
      ),
    );

    app.post('/admin/accounts/:id/tokens/:tokenId/revoke', { schema: { params: accountTokenParamsSchema, body: emptyBodySchema } }, async (req) => {
      idempotencyKeyOf(req); // every POST carries one; revoking twice changes nothing, so nothing needs storing
      return db.transaction((tx) => revokeToken(tx, req.params.id, req.params.tokenId, clock.now()));
    });
  };
}
