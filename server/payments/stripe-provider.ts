// The `stripe` payment provider, with the official SDK: Checkout Sessions (payment for packs, subscription for plans) and webhooks checked by constructEvent.
import Stripe from 'stripe';
import type { BillingPeriod } from '../../shared/rules/schedule';
import { ProviderError, WebhookSignatureError, type ChargeOutcome, type CheckoutRequest, type CheckoutSession, type PaymentEvent, type PaymentProvider, type SavedCharge } from './provider';
import { translateStripeEvent } from './stripe-events';

export { translateStripeEvent };

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
        ...(req.mode === 'payment' ? { payment_intent_data: { metadata, ...(req.saveMethod ? { setup_future_usage: 'off_session' as const } : {}) } } : { subscription_data: { metadata } }),
        ...(req.saveMethod && req.mode === 'payment' ? { customer_creation: 'always' as const } : {}),
      }, { idempotencyKey: `checkout-${req.purchaseId}` });
      if (!session.url) throw new ProviderError('the checkout session has no URL');
      return { sessionId: session.id, checkoutUrl: session.url };
    } catch (e) {
      throw e instanceof ProviderError ? e : new ProviderError((e as Error).message);
    }
  }

  /**
   * An auto top-up: a PaymentIntent confirmed off-session with the saved card (the purchase id its idempotency key and metadata;
   * its payment_intent.succeeded event grants it). A bank that asks for the buyer, or a declined card, is answered with a checkout
   * for the same purchase, where the buyer confirms or pays with another card.
   */
  async chargeSaved(req: SavedCharge): Promise<ChargeOutcome> {
    const metadata = { purchaseId: req.purchaseId, accountId: req.accountId, reason: 'auto_top_up' };
    try {
      const pi = await this.stripe.paymentIntents.create(
        { amount: req.priceMinor, currency: req.currency.toLowerCase(), customer: req.customerRef, payment_method: req.methodRef, off_session: true, confirm: true, description: req.name, metadata },
        { idempotencyKey: `topup-${req.purchaseId}` },
      );
      if (pi.status === 'succeeded' || pi.status === 'processing') return { status: 'succeeded', paymentId: pi.id };
      return await this.buyerNeeded(req, 'authentication_required', 'your bank asks you to confirm this payment');
    } catch (e) {
      if (!(e instanceof Stripe.errors.StripeCardError)) throw new ProviderError((e as Error).message);
      if (e.code === 'authentication_required') return this.buyerNeeded(req, 'authentication_required', 'your bank asks you to confirm this payment');
      const fix = await this.buyerNeeded(req, e.code ?? 'card_declined', `your saved card was declined (${e.message})`);
      return { status: 'declined', code: fix.code, message: fix.message, actionUrl: fix.actionUrl };
    }
  }

  private async buyerNeeded(req: SavedCharge, code: string, message: string): Promise<Extract<ChargeOutcome, { status: 'requires_action' }>> {
    const session = await this.createCheckout({ purchaseId: req.purchaseId, accountId: req.accountId, mode: 'payment', name: req.name, priceMinor: req.priceMinor, currency: req.currency, country: 'US', baseUrl: req.baseUrl, saveMethod: true });
    return { status: 'requires_action', code, message, actionUrl: session.checkoutUrl };
  }

  async refund(paymentId: string): Promise<void> {
    await this.stripe.refunds.create({ payment_intent: paymentId }, { idempotencyKey: `refund-${paymentId}` });
  }

  async cancelSubscription(subscriptionRef: string, atPeriodEnd: boolean): Promise<void> {
    if (atPeriodEnd) await this.stripe.subscriptions.update(subscriptionRef, { cancel_at_period_end: true });
    else await this.stripe.subscriptions.cancel(subscriptionRef);
  }

  async resumeSubscription(subscriptionRef: string): Promise<void> {
    await this.stripe.subscriptions.update(subscriptionRef, { cancel_at_period_end: false });
  }

  async changeSubscriptionPrice(subscriptionRef: string, price: { name: string; priceMinor: number; currency: string; period: BillingPeriod }): Promise<void> {
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
