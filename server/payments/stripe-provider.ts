// The `stripe` payment provider, with the official SDK: Checkout Sessions (payment for packs, subscription for plans) and webhooks checked by constructEvent.
import Stripe from 'stripe';
import { ProviderError, WebhookSignatureError, type CheckoutRequest, type CheckoutSession, type PaymentEvent, type PaymentProvider } from './provider';

export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';
export const STRIPE_TIMEOUT_MS = 15_000;
const STRIPE_RETRIES = 2;
const MAX_EVENT_BYTES = 256 * 1024;

export interface StripeOptions {
  secretKey: string;
  webhookSecret: string;
  /** the API's host, port and protocol: Stripe's own when absent (tests point them at a local stand-in) */
  apiHost?: string | undefined;
  apiPort?: number | undefined;
  apiProtocol?: 'http' | 'https' | undefined;
  /** where the browser returns after paying or canceling; {PURCHASE_ID} is replaced; the server's return page when absent */
  returnUrl?: string | undefined;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});
/** An id field that may be expanded into its object. */
const idOf = (v: unknown): string | null => (typeof v === 'string' ? v : typeof obj(v).id === 'string' ? (obj(v).id as string) : null);
const secondsToMs = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v * 1000 : null);
const INTERVALS = { weekly: 'week', monthly: 'month', yearly: 'year' } as const;

export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  readonly stripe: Stripe;

  constructor(private readonly opts: StripeOptions) {
    this.stripe = new Stripe(opts.secretKey, {
      maxNetworkRetries: STRIPE_RETRIES,
      timeout: STRIPE_TIMEOUT_MS,
      ...(opts.apiHost ? { host: opts.apiHost } : {}),
      ...(opts.apiPort ? { port: opts.apiPort } : {}),
      ...(opts.apiProtocol ? { protocol: opts.apiProtocol } : {}),
    });
  }

  private returnUrl(baseUrl: string, purchaseId: string): string {
    return (this.opts.returnUrl ?? `${baseUrl}/checkout/return/{PURCHASE_ID}`).replaceAll('{PURCHASE_ID}', purchaseId);
  }

  async createCheckout(req: CheckoutRequest): Promise<CheckoutSession> {
    const metadata = { purchaseId: req.purchaseId, accountId: req.accountId };
    const unit: Stripe.Checkout.SessionCreateParams.LineItem.PriceData = {
      currency: req.currency.toLowerCase(), unit_amount: req.priceMinor, product_data: { name: req.name },
      ...(req.mode === 'subscription' && req.period ? { recurring: { interval: INTERVALS[req.period] } } : {}),
    };
    try {
      const session = await this.stripe.checkout.sessions.create({
        mode: req.mode,
        line_items: [{ price_data: unit, quantity: 1 }],
        client_reference_id: req.purchaseId,
        metadata,
        billing_address_collection: 'required',
        success_url: this.returnUrl(req.baseUrl, req.purchaseId),
        cancel_url: this.returnUrl(req.baseUrl, req.purchaseId),
        ...(req.mode === 'payment' ? { payment_intent_data: { metadata } } : { subscription_data: { metadata } }),
      }, { idempotencyKey: `checkout-${req.purchaseId}` });
      if (!session.url) throw new ProviderError('the checkout session has no URL');
      return { sessionId: session.id, checkoutUrl: session.url };
    } catch (e) {
      throw e instanceof ProviderError ? e : new ProviderError((e as Error).message);
    }
  }

  async refund(paymentId: string): Promise<void> {
    await this.stripe.refunds.create({ payment_intent: paymentId }, { idempotencyKey: `refund-${paymentId}` });
  }

  async cancelSubscription(subscriptionRef: string, atPeriodEnd: boolean): Promise<void> {
    if (atPeriodEnd) await this.stripe.subscriptions.update(subscriptionRef, { cancel_at_period_end: true });
    else await this.stripe.subscriptions.cancel(subscriptionRef);
  }

  async changeSubscriptionPrice(subscriptionRef: string, price: { name: string; priceMinor: number; currency: string; period: 'weekly' | 'monthly' | 'yearly' }): Promise<void> {
    const sub = await this.stripe.subscriptions.retrieve(subscriptionRef);
    const item = sub.items.data[0];
    if (!item) throw new ProviderError(`subscription ${subscriptionRef} has no item to reprice`);
    const product = typeof item.price.product === 'string' ? item.price.product : item.price.product.id;
    await this.stripe.subscriptions.update(subscriptionRef, {
      items: [{ id: item.id, price_data: { currency: price.currency.toLowerCase(), unit_amount: price.priceMinor, product, recurring: { interval: INTERVALS[price.period] } } }],
      proration_behavior: 'none',
      metadata: { nextPlan: price.name },
    });
  }

  parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): PaymentEvent {
    if (rawBody.length > MAX_EVENT_BYTES) throw new WebhookSignatureError('the event is too large');
    const header = headers[STRIPE_SIGNATURE_HEADER];
    if (typeof header !== 'string' || header.length === 0) throw new WebhookSignatureError('missing Stripe-Signature header');
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, header, this.opts.webhookSecret);
    } catch (e) {
      throw new WebhookSignatureError((e as Error).message);
    }
    return translateStripeEvent(event);
  }
}

function checkoutEvent(eventId: string, type: string, s: Obj): PaymentEvent {
  const purchaseId = (typeof obj(s.metadata).purchaseId === 'string' ? (obj(s.metadata).purchaseId as string) : null) ?? (typeof s.client_reference_id === 'string' ? s.client_reference_id : null);
  if (!purchaseId) return { kind: 'ignored', eventId, type };
  if (type === 'checkout.session.async_payment_failed') return { kind: 'payment_failed', eventId, purchaseId, code: 'async_payment_failed', message: 'the bank declined the payment' };
  if (type === 'checkout.session.expired') return { kind: 'checkout_canceled', eventId, purchaseId };
  // a completed session whose payment is still processing (bank debits) waits for async_payment_succeeded
  if (s.payment_status !== 'paid' && s.payment_status !== 'no_payment_required') return { kind: 'ignored', eventId, type };
  const paymentId = idOf(s.payment_intent) ?? idOf(s.invoice) ?? (s.id as string);
  const country = obj(obj(s.customer_details).address).country;
  return {
    kind: 'payment_succeeded', eventId, purchaseId, paymentId, billingCountry: typeof country === 'string' && /^[A-Z]{2}$/.test(country) ? country : null,
    subscriptionRef: idOf(s.subscription), periodStartMs: null, periodEndMs: null,
  };
}

/** The subscription an invoice bills: `parent.subscription_details.subscription` (API 2025 and later) or `subscription` (before). */
const invoiceSubscription = (inv: Obj): string | null => idOf(obj(obj(inv.parent).subscription_details).subscription) ?? idOf(inv.subscription);

function invoiceEvent(eventId: string, type: string, inv: Obj): PaymentEvent {
  const subscriptionRef = invoiceSubscription(inv);
  const invoiceId = idOf(inv);
  if (!subscriptionRef || !invoiceId) return { kind: 'ignored', eventId, type };
  if (type === 'invoice.payment_failed') return { kind: 'invoice_failed', eventId, subscriptionRef, invoiceId };
  // the first invoice is the checkout's: its period was granted when the session completed
  if (inv.billing_reason === 'subscription_create') return { kind: 'ignored', eventId, type };
  const line = obj(obj(inv.lines).data instanceof Array ? (obj(inv.lines).data as unknown[])[0] : null);
  const periodStartMs = secondsToMs(obj(line.period).start) ?? secondsToMs(inv.period_start);
  const periodEndMs = secondsToMs(obj(line.period).end) ?? secondsToMs(inv.period_end);
  if (periodStartMs === null || periodEndMs === null || periodEndMs <= periodStartMs) return { kind: 'ignored', eventId, type };
  return { kind: 'invoice_paid', eventId, subscriptionRef, invoiceId, periodStartMs, periodEndMs };
}

/** Stripe's events in the provider-neutral words; anything else is recorded and ignored. */
export function translateStripeEvent(event: Stripe.Event): PaymentEvent {
  const o = obj(event.data.object);
  const eventId = event.id;
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
    case 'checkout.session.async_payment_failed':
    case 'checkout.session.expired':
      return checkoutEvent(eventId, event.type, o);
    case 'invoice.paid':
    case 'invoice.payment_failed':
      return invoiceEvent(eventId, event.type, o);
    case 'customer.subscription.updated':
      return idOf(o) ? { kind: 'subscription_updated', eventId, subscriptionRef: idOf(o)!, cancelAtPeriodEnd: o.cancel_at_period_end === true, status: String(o.status).slice(0, 40) } : { kind: 'ignored', eventId, type: event.type };
    case 'customer.subscription.deleted':
      return idOf(o) ? { kind: 'subscription_ended', eventId, subscriptionRef: idOf(o)! } : { kind: 'ignored', eventId, type: event.type };
    case 'charge.refunded':
    case 'charge.dispute.created': {
      const paymentId = idOf(o.payment_intent);
      if (!paymentId) return { kind: 'ignored', eventId, type: event.type };
      return { kind: event.type === 'charge.refunded' ? 'refunded' : 'disputed', eventId, paymentId };
    }
    default:
      return { kind: 'ignored', eventId, type: event.type.slice(0, 120) };
  }
}
