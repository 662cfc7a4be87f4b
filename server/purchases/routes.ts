// Purchases plugin: buy a pack (country rule, then a checkout at the provider; idempotent), list and read the account's purchases.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { createPurchaseBodySchema, purchaseIdParamsSchema, purchaseListQuerySchema, purchasePageSchema } from '../../shared/api/index';
import { accountAuth } from '../accounts/auth';
import type { ServerContext } from '../http/context';
import { idempotencyKeyOf, idempotent } from '../http/idempotency';
import type { PaymentProvider } from '../payments/provider';
import { createPackPurchase, getPurchase, listPurchases } from './service';

/** Where the buyer's browser reaches this server: the configured public URL, or the address the app's request used. */
export function baseUrlOf(req: FastifyRequest, publicUrl: string | undefined): string {
  return (publicUrl ?? `${req.protocol}://${req.host}`).replace(/\/$/, '');
}

export function purchaseRoutes(ctx: ServerContext, provider: PaymentProvider, publicUrl: string | undefined): FastifyPluginAsyncZod {
  const { db, catalog, clock } = ctx;
  return async (app) => {
    app.addHook('onRequest', accountAuth(db, clock));

    app.post('/v1/purchases', { schema: { body: createPurchaseBodySchema } }, async (req, reply) => {
      const { accountId } = req;
      const key = idempotencyKeyOf(req);
      const baseUrl = baseUrlOf(req, publicUrl);
      const answer = await idempotent(db, `purchase:${accountId}`, key, req.body, clock.now(), async (tx) => ({
        status: 201,
        body: await createPackPurchase(tx, catalog, provider, accountId, req.body, baseUrl, clock.now()),
      }));
      if (answer.replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(answer.status).send(answer.body);
    });

    app.get('/v1/purchases', { schema: { querystring: purchaseListQuerySchema } }, async (req) => purchasePageSchema.parse({ items: await listPurchases(db, req.accountId, req.query.limit) }));

    app.get('/v1/purchases/:id', { schema: { params: purchaseIdParamsSchema } }, async (req) => getPurchase(db, req.accountId, req.params.id));
  };
}
