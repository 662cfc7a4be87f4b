// The `test` payment provider, the embedded default: its checkout page is served by this server, and it confirms through the signed webhook path.
import { randomBytes } from 'node:crypto';
import type { PaymentMethod } from '../../shared/api/index';
import { newId } from '../util';
import { paymentEventSchema, WebhookSignatureError, type ChargeOutcome, type CheckoutRequest, type CheckoutSession, type PaymentEvent, type PaymentProvider, type SavedCharge } from './provider';
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
  /** pays now and is saved, but its later payments without the buyer are declined (Stripe's 4000 0000 0000 0341) */
  declinesLater: { brand: 'visa', last4: '0341' },
} as const satisfies Record<string, PaymentMethod>;

/** How a saved test card answers a payment without the buyer, by its last 4: 4242 pays, 3220 needs authentication, 0341 is declined. */
const SAVED_CARD_BEHAVIOUR: Record<string, 'pays' | 'authenticates' | 'declines'> = { '4242': 'pays', '3220': 'authenticates', '0341': 'declines' };

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
  /** checkouts opened to save the card for payments without the buyer: purchase id → account (bounded) */
  private readonly saving = new Map<string, string>();
  /** payments made without the buyer, newest last (tests read them) */
  readonly savedCharges: string[] = [];

  constructor(opts: { webhookSecret?: string | undefined } = {}) {
    this.webhookSecret = opts.webhookSecret ?? `whsec_test_${randomBytes(24).toString('hex')}`;
  }

  /** Wires the provider to the server's webhook handler (done once the handler exists). */
  connect(deliver: Deliver): void {
    this.deliver = deliver;
  }

  async createCheckout(req: CheckoutRequest): Promise<CheckoutSession> {
    if (req.saveMethod) {
      if (this.saving.size >= MAX_AWAITING_AUTH) this.saving.delete(this.saving.keys().next().value!);
      this.saving.set(req.purchaseId, req.accountId);
    }
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

  /** Whether a checkout keeps its card for payments without the buyer (the page then offers the card that declines later). */
  isSaving(purchaseId: string): boolean {
    return this.saving.has(purchaseId);
  }

  /**
   * A payment without the buyer, with the card they saved, as a provider makes it: the card answers by its kind (pays, needs
   * the buyer to authenticate on the purchase's checkout page, or is declined), through the signed webhook like every payment.
   * The purchase id names the payment, so a second try of the same top-up is the same payment.
   */
  async chargeSaved(req: SavedCharge): Promise<ChargeOutcome> {
    this.savedCharges.push(req.purchaseId);
    if (this.savedCharges.length > MAX_AWAITING_AUTH) this.savedCharges.shift();
    const last4 = /^pm_test_(\d{4})$/.exec(req.methodRef)?.[1] ?? '';
    const card = { brand: 'visa', last4 };
    switch (SAVED_CARD_BEHAVIOUR[last4]) {
      case 'pays': {
        const paymentId = `pi_test_${req.purchaseId.slice(4)}`;
        await this.send({ kind: 'payment_succeeded', eventId: `evt_test_charge_${req.purchaseId}`, purchaseId: req.purchaseId, paymentId, billingCountry: null, subscriptionRef: null, periodStartMs: null, periodEndMs: null, paymentMethod: card });
        return { status: 'succeeded', paymentId };
      }
      case 'authenticates':
        return { status: 'requires_action', code: 'authentication_required', message: 'your bank asks you to confirm this payment', actionUrl: `${req.baseUrl}${TEST_CHECKOUT_PREFIX}/${req.purchaseId}` };
      default:
        await this.send({ kind: 'payment_failed', eventId: `evt_test_charge_${req.purchaseId}`, purchaseId: req.purchaseId, code: 'card_declined', message: 'the saved card was declined', paymentMethod: card });
        return { status: 'declined', code: 'card_declined', message: 'your saved card was declined' };
    }
  }

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
    const accountId = this.saving.get(purchaseId);
    const paid = async (paymentMethod: PaymentMethod): Promise<void> => {
      if (subscriptionRef) this.remember(subscriptionRef, { paymentMethod, billingCountry });
      // a checkout opened to save the card keeps it: the customer is the account, the method names the card
      const savedMethod = accountId ? { customerRef: `cus_test_${accountId}`, methodRef: `pm_test_${paymentMethod.last4}` } : null;
      await this.send({ kind: 'payment_succeeded', eventId: newId('evt_test'), purchaseId, paymentId: newId('pi_test'), billingCountry, subscriptionRef, periodStartMs: null, periodEndMs: null, paymentMethod, savedMethod });
    };
    switch (action) {
      case 'pay':
        await paid(TEST_CARDS.pay);
        return 'done';
      case 'pay_card_declines_later':
        await paid(TEST_CARDS.declinesLater);
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

export const CHECKOUT_ACTIONS = ['pay', 'pay_with_authentication', 'authenticate', 'decline', 'cancel', 'pay_card_declines_later'] as const;
export type CheckoutAction = (typeof CHECKOUT_ACTIONS)[number];
