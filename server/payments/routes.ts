// Payments plugin: the provider's signed webhook (no bearer token; raw body checked before anything changes) and the test provider's checkout page.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { webhookAnswerSchema } from '../../shared/api/index';
import type { ServerContext } from '../http/context';
import { DomainError } from '../errors';
import { WebhookSignatureError, type PaymentProvider } from './provider';
import { receiveEvent, type EventHandler } from './service';
import { CHECKOUT_ACTIONS, TEST_CHECKOUT_PREFIX, type TestPaymentProvider } from './test-provider';
import { checkoutPage, returnPage, type CheckoutInfo } from './test-page';

export const WEBHOOK_PATH = '/v1/payments/webhook';
const WEBHOOK_BODY_LIMIT_BYTES = 256 * 1024;

export type WebhookReceiver = (rawBody: Buffer, headers: Record<string, string | string[] | undefined>) => Promise<{ received: true; duplicate: boolean }>;

/** The one path every provider event takes: signature, then exactly-once application, then the wallet event and any refund. */
export function webhookReceiver(ctx: ServerContext, provider: PaymentProvider, handler: EventHandler, log: (m: string) => void): WebhookReceiver {
  return async (rawBody, headers) => {
    let event;
    try {
      event = provider.parseWebhook(rawBody, headers);
    } catch (e) {
      if (e instanceof WebhookSignatureError) throw new DomainError('invalid', 'invalid_signature', `the webhook's signature was refused: ${e.message}; nothing was changed`);
      throw e;
    }
    const { duplicate, outcome } = await receiveEvent(ctx.db, provider.name, event, handler, ctx.clock.now());
    if (outcome?.accountId) ctx.publishWallet(outcome.accountId, await ctx.wallet(outcome.accountId));
    for (const step of outcome?.after ?? []) {
      // the provider is told after the commit; a failure is logged, and the provider's own retry of the event finds it done
      await step().catch((e: unknown) => log(`payment provider call after event ${event.eventId} failed: ${(e as Error).message}`));
    }
    return { received: true as const, duplicate };
  };
}

const checkoutParamsSchema = z.object({ id: z.string().regex(/^pur_[A-Za-z0-9_-]{1,40}$/, 'not a purchase id') }).strict();
const checkoutActionSchema = z.object({ action: z.enum(CHECKOUT_ACTIONS), billingCountry: z.string().regex(/^[A-Z]{2}$/).optional() }).strict();

export interface PaymentRoutesOptions {
  receive: WebhookReceiver;
  /** the test provider, when it is the configured one: its checkout page is served here */
  testProvider: TestPaymentProvider | null;
  /** what the checkout page shows of a purchase */
  describe: (purchaseId: string) => Promise<CheckoutInfo | null>;
}

export function paymentRoutes(opts: PaymentRoutesOptions): FastifyPluginAsyncZod {
  return async (app) => {
    // the signature is over the exact bytes: this plugin keeps the body as a Buffer (other plugins keep their JSON parser)
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT_BYTES }, (_req, body, done) => done(null, body));

    app.post(WEBHOOK_PATH, { schema: { response: { 200: webhookAnswerSchema } } }, async (req) => {
      if (!Buffer.isBuffer(req.body)) throw new DomainError('invalid', 'invalid_signature', 'a webhook delivery is a signed JSON body; nothing was changed');
      return opts.receive(req.body, req.headers);
    });

    // where a provider's checkout sends the browser back: it hands over to the app through its creditsdesk:// link
    app.get('/checkout/return/:id', { schema: { params: checkoutParamsSchema } }, async (req, reply) =>
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").send(returnPage(req.params.id)),
    );

    const test = opts.testProvider;
    if (!test) return;
    app.get(`${TEST_CHECKOUT_PREFIX}/:id`, { schema: { params: checkoutParamsSchema } }, async (req, reply) => {
      const found = await opts.describe(req.params.id);
      if (!found) throw new DomainError('not_found', 'not_found', 'no such checkout');
      const info = { ...found, saving: test.isSaving(req.params.id) };
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('content-security-policy', "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'").send(checkoutPage(info));
    });
    app.post(`${TEST_CHECKOUT_PREFIX}/:id`, { schema: { params: checkoutParamsSchema, body: z.preprocess((b) => (Buffer.isBuffer(b) ? parseJsonOrNull(b) : b), checkoutActionSchema) } }, async (req) => {
      const info = await opts.describe(req.params.id);
      if (!info) throw new DomainError('not_found', 'not_found', 'no such checkout');
      if (info.status !== 'pending' && info.status !== 'failed') throw new DomainError('conflict', 'checkout_closed', `this checkout is ${info.status}`);
      const state = await test.act(req.params.id, req.body.action, req.body.billingCountry ?? info.country, info.subscription);
      const after = await opts.describe(req.params.id);
      return { state, status: after?.status ?? info.status, returnUrl: `creditsdesk://purchase/${req.params.id}` };
    });
  };
}

function parseJsonOrNull(b: Buffer): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b));
  } catch {
    return null;
  }
}
