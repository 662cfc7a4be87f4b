// Admin plugin: the operator's routes (accounts, grants, plans, tokens, the test clock), behind the admin token.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { accountIdParamsSchema, accountListSchema, clockBodySchema, emptyBodySchema, createAccountBodySchema, createAccountResponseSchema, grantBodySchema, setPlanBodySchema } from '../../shared/api/index';
import { listAccounts } from '../accounts/service';
import { idempotencyKeyOf } from '../http/idempotency';
import { operatorEnd, operatorRenew, operatorSetPlan } from '../subscriptions/operator';
import { subscriptionView } from '../subscriptions/service';
import { issuedTokenReplay } from '../accounts/tokens';
import { TestClock } from '../clock';
import { adminAuth } from '../http/auth';
import type { ServerContext } from '../http/context';
import { DomainError } from '../errors';
import { adminGrant } from '../wallet/grants';
import { adminSpendLimitRoutes } from '../wallet/spend-limit-routes';
import { signUp } from '../wallet/signup';
import { operatorOnce } from './once';
import { adminTokenRoutes } from './token-routes';

export const MAX_ACCOUNTS_LISTED = 1000;

export function adminRoutes(ctx: ServerContext, adminToken: string): FastifyPluginAsyncZod {
  const { db, catalog, clock, events } = ctx;
  const once = operatorOnce(ctx);
  return async (app) => {
    app.addHook('onRequest', adminAuth(adminToken));
    await app.register(adminTokenRoutes(ctx, once));
    await app.register(adminSpendLimitRoutes(ctx));

    app.get('/admin/accounts', async () => {
      const rows = await listAccounts(db, MAX_ACCOUNTS_LISTED);
      return accountListSchema.parse({ accounts: rows.map((r) => ({ id: r.id, displayName: r.displayName, planId: r.planId, createdAtMs: r.createdAtMs })) });
    });

    // the answer carries the first token's secret, once: a replay answers 409 token_already_issued with the account and token ids
    app.post('/admin/accounts', { schema: { body: createAccountBodySchema } }, (req, reply) =>
      once(req, reply, 'accounts', async (tx) => ({ status: 201, body: createAccountResponseSchema.parse(await signUp(tx, catalog, req.body, clock.now())) }), issuedTokenReplay),
    );

    app.get('/admin/accounts/:id/wallet', { schema: { params: accountIdParamsSchema } }, async (req) => ctx.wallet(req.params.id));

    app.post('/admin/accounts/:id/grants', { schema: { params: accountIdParamsSchema, body: grantBodySchema } }, async (req, reply) => {
      const { id } = req.params;
      const res = await once(req, reply, `grants:${id}`, async (tx, key) => ({ status: 201, body: { grantId: await adminGrant(tx, catalog, id, req.body, `admin:${key}`, () => clock.now()) } }));
      ctx.publishWallet(id, await ctx.wallet(id));
      return res;
    });

    // the operator's subscriptions: set-plan starts one (its period's credits granted now), renew and end act as a provider would
    app.put('/admin/accounts/:id/plan', { schema: { params: accountIdParamsSchema, body: setPlanBodySchema } }, async (req) => {
      const { id } = req.params;
      await db.transaction((tx) => operatorSetPlan(tx, catalog, id, req.body, clock.now()));
      const w = await ctx.wallet(id);
      ctx.publishWallet(id, w);
      return w;
    });
    for (const [action, run] of [['renew', operatorRenew], ['end', operatorEnd]] as const) {
      app.post(`/admin/accounts/:id/subscription/${action}`, { schema: { params: accountIdParamsSchema, body: emptyBodySchema } }, async (req) => {
        const { id } = req.params;
        idempotencyKeyOf(req);
        await db.transaction((tx) => run(tx, catalog, id, clock.now()));
        const w = await ctx.wallet(id);
        ctx.publishWallet(id, w);
        return subscriptionView(db, id, clock.now());
      });
    }

    app.post('/admin/clock', { schema: { body: clockBodySchema } }, async (req) => {
      if (!(clock instanceof TestClock)) throw new DomainError('conflict', 'test_clock_disabled', 'the server was not started with a test clock');
      try {
        if (req.body.advanceMs !== undefined) clock.advance(req.body.advanceMs);
        else clock.set(req.body.setMs!);
      } catch (e) {
        throw new DomainError('invalid', 'invalid_request', (e as Error).message);
      }
      // Resets, expiries and hold deadlines may have passed: apply them and bring every streamed account up to date now.
      await clock.afterMove(); // each domain's pass, in the order the domains registered them (runs' deadlines first)
      for (const accountId of events.accountsWithStreams()) ctx.publishWallet(accountId, await ctx.wallet(accountId));
      return { nowMs: clock.now() };
    });
  };
}
