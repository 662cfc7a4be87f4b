// Money in, wired: the configured provider, the one webhook path its events take, the purchase routes and the test provider's checkout page.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServerContext } from '../http/context';
import type { PaymentProvider } from '../payments/provider';
import { paymentRoutes, webhookReceiver } from '../payments/routes';
import type { EventHandler, EventOutcome } from '../payments/service';
import { TestPaymentProvider } from '../payments/test-provider';
import { applyPurchaseEvent, type PurchaseEventDeps } from './events';
import { chargeTopUp } from './auto-top-up';
import { autoTopUpRoutes } from './auto-top-up-routes';
import { purchaseRoutes } from './routes';
import { findPurchaseRow } from './service';

export interface MoneyInOptions {
  provider: PaymentProvider;
  /** the base URL buyers' browsers reach this server at; the request's own when absent */
  publicUrl?: string | undefined;
  /** handlers of events that are not about purchases (subscriptions), tried in order */
  moreHandlers?: ((tx: Parameters<EventHandler>[0], ev: Parameters<EventHandler>[1], nowMs: number) => Promise<EventOutcome | null>)[];
  subscriptionPaid?: PurchaseEventDeps['subscriptionPaid'];
}

export function moneyInRoutes(ctx: ServerContext, opts: MoneyInOptions): FastifyPluginAsyncZod {
  const { provider } = opts;
  const deps: PurchaseEventDeps = { catalog: ctx.catalog, provider, subscriptionPaid: opts.subscriptionPaid ?? null };
  const handler: EventHandler = async (tx, ev, nowMs) => {
    const done = await applyPurchaseEvent(tx, deps, ev, nowMs);
    if (done) return done;
    for (const h of opts.moreHandlers ?? []) {
      const r = await h(tx, ev, nowMs);
      if (r) return r;
    }
    return { accountId: null, after: [] };
  };
  return async (app) => {
    const receive = webhookReceiver(ctx, provider, handler, (m) => app.log.error(m));
    const changed = async (accountId: string) => ctx.publishWallet(accountId, await ctx.wallet(accountId));
    ctx.chargeTopUp = (purchaseId, requestBase) => void chargeTopUp({ db: ctx.db, provider, clock: ctx.clock, changed }, purchaseId, (opts.publicUrl ?? requestBase).replace(/\/$/, '')).catch((e: unknown) => app.log.error(`auto top-up ${purchaseId}: ${(e as Error).message}`));
    const testProvider = provider instanceof TestPaymentProvider ? provider : null;
    testProvider?.connect(receive);
    const describe = async (id: string) => {
      const p = await findPurchaseRow(ctx.db, id);
      return p && p.kind !== 'renewal' ? { name: p.name, priceMinor: p.priceMinor, currency: p.currency, country: p.country, status: p.status, subscription: p.kind === 'subscription' } : null;
    };
    await app.register(paymentRoutes({ receive, testProvider, describe }));
    await app.register(purchaseRoutes(ctx, provider, opts.publicUrl));
    await app.register(autoTopUpRoutes(ctx));
  };
}
