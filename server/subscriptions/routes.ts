// Subscriptions plugin: read the plan, start one (a checkout), cancel at period end and resume it, change it; and the schedule that renews and ends periods.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { changeSubscriptionBodySchema, emptyBodySchema, resumeSubscriptionBodySchema, startSubscriptionBodySchema } from '../../shared/api/index';
import { accountAuth } from '../accounts/auth';
import type { ServerContext } from '../http/context';
import { idempotencyKeyOf, idempotent } from '../http/idempotency';
import type { PaymentProvider } from '../payments/provider';
import type { EventOutcome } from '../payments/service';
import { TestPaymentProvider } from '../payments/test-provider';
import { baseUrlOf } from '../purchases/routes';
import { cancelSubscription, changeSubscription, resumeSubscription, startSubscription, type ChangeDeps, type ChangeResult } from './change';
import type { Tx } from '../db/open';
import { sweepSubscriptions } from './events';
import { subscriptionView } from './service';

export const SUBSCRIPTION_SWEEP_INTERVAL_MS = 60_000;

export function subscriptionRoutes(ctx: ServerContext, provider: PaymentProvider, publicUrl: string | undefined, sweepIntervalMs = SUBSCRIPTION_SWEEP_INTERVAL_MS): FastifyPluginAsyncZod {
  const { db, catalog, clock } = ctx;
  const sweep = async () => {
    // a renewal, an end or a fall back to Free changed the account's plan and subscription: its streams hear of it now
    const changed = async (id: string) => ctx.publishWallet(id, await ctx.wallet(id));
    await sweepSubscriptions({ db, catalog, provider, testProvider: provider instanceof TestPaymentProvider ? provider : null, changed }, clock.now());
  };
  return async (app) => {
    let timer: NodeJS.Timeout | null = null;
    let forgetClock = () => {};
    app.addHook('onReady', async () => {
      timer = setInterval(() => void sweep().catch((e: unknown) => app.log.error({ err: e }, 'the subscription schedule failed')), sweepIntervalMs);
      timer.unref();
      forgetClock = clock.onMoved(sweep); // a moved test clock: renewals and ends that fell due are made before the move is answered
    });
    app.addHook('onClose', async () => {
      if (timer) clearInterval(timer);
      forgetClock();
    });
    app.addHook('onRequest', accountAuth(db, clock));

    app.get('/v1/subscription', async (req) => subscriptionView(db, req.accountId, clock.now()));

    app.post('/v1/subscription', { schema: { body: startSubscriptionBodySchema } }, async (req, reply) => {
      const { accountId } = req;
      const deps = { catalog, provider, baseUrl: baseUrlOf(req, publicUrl) };
      const answer = await idempotent(db, `subscription:${accountId}`, idempotencyKeyOf(req), { start: req.body }, clock.now(), async (tx) => ({ status: 201, body: await startSubscription(tx, deps, accountId, req.body, clock.now()) }));
      if (answer.replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(answer.status).send(answer.body);
    });

    const change = (what: string, run: (tx: Tx, deps: ChangeDeps, accountId: string) => Promise<ChangeResult>) =>
      async (req: FastifyRequest, reply: FastifyReply) => {
        const { accountId } = req;
        const deps = { catalog, provider, baseUrl: baseUrlOf(req, publicUrl) };
        let after: EventOutcome['after'] = [];
        const answer = await idempotent(db, `subscription:${accountId}`, idempotencyKeyOf(req), { [what]: req.body ?? {} }, clock.now(), async (tx) => {
          const r = await run(tx, deps, accountId);
          after = r.after;
          return { status: 200, body: r.answer };
        });
        if (answer.replayed) reply.header('idempotent-replayed', 'true');
        for (const step of after) await step().catch((e: unknown) => app.log.error({ err: e }, 'the payment provider refused a subscription change'));
        ctx.publishWallet(accountId, await ctx.wallet(accountId));
        return answer.body;
      };

    app.post('/v1/subscription/cancel', { schema: { body: emptyBodySchema } }, change('cancel', (tx, deps, accountId) => cancelSubscription(tx, deps, accountId, clock.now())));
    app.post('/v1/subscription/resume', { schema: { body: resumeSubscriptionBodySchema } }, change('resume', (tx, deps, accountId) => resumeSubscription(tx, deps, accountId, clock.now())));
    app.post('/v1/subscription/change', { schema: { body: changeSubscriptionBodySchema } }, async (req, reply) =>
      change('change', (tx, deps, accountId) => changeSubscription(tx, deps, accountId, req.body, clock.now()))(req, reply),
    );
  };
}
