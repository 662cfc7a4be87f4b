// Wallet plugin: the account's wallet, its ledger pages, and its live event stream.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ledgerQuerySchema } from '../../shared/api/index';
import { accountAuth } from '../accounts/auth';
import type { ServerContext } from '../http/context';
import { ledgerAfter } from './ledger';
import { spendLimitRoutes } from './spend-limit-routes';
import { serveStream, SSE_HEARTBEAT_MS, type OpenStreams } from './stream';

export function walletRoutes(ctx: ServerContext, streams: OpenStreams, heartbeatMs = SSE_HEARTBEAT_MS): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', accountAuth(ctx.db, ctx.clock));
    await app.register(spendLimitRoutes(ctx));
    app.get('/v1/wallet', async (req) => ctx.wallet(req.accountId));
    app.get('/v1/wallet/events', (req, reply) => serveStream(ctx, streams, req, reply, heartbeatMs));
    app.get('/v1/ledger', { schema: { querystring: ledgerQuerySchema } }, async (req) => {
      await ctx.wallet(req.accountId); // materialise due expiries so they are in the ledger
      return ledgerAfter(ctx.db, req.accountId, req.query.after, req.query.limit);
    });
  };
}
