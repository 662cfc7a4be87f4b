// The `test` payment provider, the embedded default: its checkout page is served by this server, and it confirms through the signed webhook path.
import { randomBytes } from 'node:crypto';
import type { PaymentMethod } from '../../shared/api/index';
import { newId } from '../util';
import { paymentEventSchema, WebhookSignatureError, type CheckoutRequest, type CheckoutSession, type PaymentEvent, type PaymentProvider } from './provider';
import { signPayload, verifySignature } from './signature';

export const TEST_SIGNATURE_HEADER = 'x-test-signature';
export const TEST_CHECKOUT_PREFIX = '/checkout/test';
/** How many checkouts may wait for their (simulated) authentication at once; the oldest is forgotten past it. */
const MAX_AWAITING_AUTH = 1_000;
const MAX_EVENT_BYTES = 16 * 1024;

/** The test cards the checkout page pays with (Stripe's test numbers), as a receipt names them. */
export const TEST_CARDS = {
  pay: { brand: 'visa', last4: '4242' },
  /** a card whose bank asks to confirm the payment (3-D Secure) */
  authenticated: { brand: 'visa', last4: '3220' },
  declined: { brand: 'visa', last4: '0002' },
} as const satisfies Record<string, PaymentMethod>;

/** What the provider keeps of a subscription's checkout to bill its renewals: the card and the billing country. */
interface SavedPayment {
  paymentMethod: PaymentMethod | null;
  billingCountry: string | null;
}

/** What the server does with a signed delivery: the same function the webhook route calls. */
export type Deliver = (rawBody: Buffer, headers: Record<string, string>) => Promise<unknown>;

export class TestPaymentProvider implements PaymentProvider {
  readonly name = 'test' as const;
  readonly webhookSecret: string;
  private readonly awaitingAuth = new Set<string>();
  /** refunds asked of this provider, newest last (tests read them) */
  readonly refunds: string[] = [];
  readonly canceledSubscriptions: { ref: string; atPeriodEnd: boolean }[] = [];
  /** subscriptions whose cancel at the period's end was taken back, newest last (tests read them) */
  readonly resumedSubscriptions: string[] = [];
  private deliver: Deliver | null = null;
  /** subscriptions whose renewals this provider declines (tests of the grace period) */
  readonly failingRenewals = new Set<string>();
  /** the card and country each subscription was bought with, which its renewals charge (newest kept, bounded) */
  private readonly saved = new Map<string, SavedPayment>();

  constructor(opts: { webhookSecret?: string | undefined } = {}) {
    this.webhookSecret = opts.webhookSecret ?? `whsec_test_${randomBytes(24).toString('hex')}`;
  }

  /** Wires the provider to the server's webhook handler (done once the handler exists). */
  connect(deliver: Deliver): void {
    this.deliver = deliver;
  }

  async createCheckout(req: CheckoutRequest): Promise<CheckoutSession> {
    return { sessionId: `cs_test_${req.purchaseId}`, checkoutUrl: `${req.baseUrl}${TEST_CHECKOUT_PREFIX}/${req.purchaseId}` };
  }

  async refund(paymentId: string): Promise<void> {
    this.refunds.push(paymentId);
    if (this.refunds.length > MAX_AWAITING_AUTH) this.refunds.shift();
    await this.send({ kind: 'refunded', eventId: newId('evt_test'), paymentId });
  }

  async cancelSubscription(ref: string, atPeriodEnd: boolean): Promise<void> {
    this.canceledSubscriptions.push({ ref, atPeriodEnd });
    if (this.canceledSubscriptions.length > MAX_AWAITING_AUTH) this.canceledSubscriptions.shift();
  }

  /** The test provider renews what the server's schedule asks it to: nothing to change here but the record. */
  async resumeSubscription(ref: string): Promise<void> {
    this.resumedSubscriptions.push(ref);
    if (this.resumedSubscriptions.length > MAX_AWAITING_AUTH) this.resumedSubscriptions.shift();
  }

  /** Charges a subscription's next period, as a provider's billing run would: the invoice is paid, or declined for a failing card. */
  async renew(subscriptionRef: string, periodStartMs: number, periodEndMs: number): Promise<void> {
    const invoiceId = `in_test_${subscriptionRef}_${periodStartMs}`;
    const eventId = `evt_test_${invoiceId}`;
    // forgotten (a restart): the renewal reports no card, as a provider that does not say which one
    const saved = this.saved.get(subscriptionRef) ?? { paymentMethod: null, billingCountry: null };
    if (this.failingRenewals.has(subscriptionRef)) {
      await this.send({ kind: 'invoice_failed', eventId, subscriptionRef, invoiceId, paymentMethod: saved.paymentMethod, code: 'renewal_declined', message: 'the card was declined at renewal' });
    } else {
      await this.send({ kind: 'invoice_paid', eventId, subscriptionRef, invoiceId, periodStartMs, periodEndMs, paymentMethod: saved.paymentMethod, billingCountry: saved.billingCountry });
    }
  }

  /** The test provider charges the plan the subscription renews into (the sweep asks it for that period): nothing to change here. */
  async changeSubscriptionPrice(): Promise<void> {}

  /** Signs an event as this provider does: tests use it to replay and to forge. */
  sign(event: PaymentEvent | Record<string, unknown>): { body: string; headers: Record<string, string> } {
    const body = JSON.stringify(event);
    return { body, headers: { 'content-type': 'application/json', [TEST_SIGNATURE_HEADER]: signPayload(body, this.webhookSecret, Date.now()) } };
  }

  /** Sends a signed event through the server's webhook path. */
  async send(event: PaymentEvent): Promise<void> {
    if (!this.deliver) throw new Error('the test payment provider is not connected to a webhook handler');
    const { body, headers } = this.sign(event);
    await this.deliver(Buffer.from(body, 'utf8'), headers);
  }

  parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): PaymentEvent {
    if (rawBody.length > MAX_EVENT_BYTES) throw new WebhookSignatureError('the event is too large');
    verifySignature(rawBody, headers[TEST_SIGNATURE_HEADER], this.webhookSecret, Date.now());
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new WebhookSignatureError('the signed body is not JSON');
    }
    const parsed = paymentEventSchema.safeParse(json);
    if (!parsed.success) throw new WebhookSignatureError('the signed body is not an event of this provider');
    return parsed.data;
  }

  /** The buyer's choice on the checkout page, as the provider's events. Returns what the page shows next. */
  async act(purchaseId: string, action: CheckoutAction, billingCountry: string | null, subscription: boolean): Promise<'done' | 'requires_authentication'> {
    const subscriptionRef = subscription ? `sub_test_${purchaseId.slice(4)}` : null;
    const paid = async (paymentMethod: PaymentMethod): Promise<void> => {
      if (subscriptionRef) this.remember(subscriptionRef, { paymentMethod, billingCountry });
      await this.send({ kind: 'payment_succeeded', eventId: newId('evt_test'), purchaseId, paymentId: newId('pi_test'), billingCountry, subscriptionRef, periodStartMs: null, periodEndMs: null, paymentMethod });
    };
    switch (action) {
      case 'pay':
        await paid(TEST_CARDS.pay);
        return 'done';
      case 'pay_with_authentication':
        if (this.awaitingAuth.size >= MAX_AWAITING_AUTH) this.awaitingAuth.delete(this.awaitingAuth.values().next().value!);
        this.awaitingAuth.add(purchaseId);
        return 'requires_authentication';
      case 'authenticate':
        if (!this.awaitingAuth.delete(purchaseId)) return 'requires_authentication';
        await paid(TEST_CARDS.authenticated);
        return 'done';
      case 'decline':
        await this.send({ kind: 'payment_failed', eventId: newId('evt_test'), purchaseId, code: 'card_declined', message: 'the card was declined', paymentMethod: TEST_CARDS.declined });
        return 'done';
      case 'cancel':
        await this.send({ kind: 'checkout_canceled', eventId: newId('evt_test'), purchaseId });
        return 'done';
    }
  }

  private remember(subscriptionRef: string, p: SavedPayment): void {
    this.saved.delete(subscriptionRef);
    if (this.saved.size >= MAX_AWAITING_AUTH) this.saved.delete(this.saved.keys().next().value!);
    this.saved.set(subscriptionRef, p);
  }
}

export const CHECKOUT_ACTIONS = ['pay', 'pay_with_authentication', 'authenticate', 'decline', 'cancel'] as const;
export type CheckoutAction = (typeof CHECKOUT_ACTIONS)[number];
