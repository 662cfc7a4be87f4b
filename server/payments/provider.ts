// The one PaymentProvider interface: checkout sessions, refunds and signed webhook events, in the provider-neutral words the domains use.
import { z } from 'zod';
import { paymentMethodSchema } from '../../shared/api/index';
import type { BillingPeriod } from '../../shared/rules/schedule';

/** What a domain asks a provider to sell. */
export interface CheckoutRequest {
  purchaseId: string;
  accountId: string;
  mode: 'payment' | 'subscription';
  name: string;
  priceMinor: number;
  currency: string;
  country: string;
  /** for mode subscription */
  period?: BillingPeriod;
  planId?: string;
  /** the server's own base URL as the buyer's request reached it (the test provider's checkout page lives there) */
  baseUrl: string;
  /** keep the card for payments made without the buyer (auto top-up; Stripe: setup_future_usage off_session) */
  saveMethod?: boolean;
}

/** A payment made without the buyer with the card they saved (an auto top-up); the purchase id is the idempotency key. */
export interface SavedCharge {
  purchaseId: string;
  accountId: string;
  name: string;
  priceMinor: number;
  currency: string;
  customerRef: string;
  methodRef: string;
  baseUrl: string;
}

/** What the charge came to: paid (the provider's payment event grants it), needs the buyer (where to confirm it), or declined. */
export type ChargeOutcome =
  | { status: 'succeeded'; paymentId: string }
  | { status: 'requires_action'; code: string; message: string; actionUrl: string }
  | { status: 'declined'; code: string; message: string; actionUrl?: string | undefined };

export interface CheckoutSession {
  sessionId: string;
  checkoutUrl: string;
}

const id = z.string().min(1).max(255);
const country = z.string().regex(/^[A-Z]{2}$/).nullable();
/** what a receipt says of a payment, when the provider reports it (absent: not reported) */
const card = paymentMethodSchema.nullable().optional();
const money = { amountMinor: z.int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(), currency: z.string().regex(/^[A-Z]{3}$/).nullable().optional() };

/** A provider's event, translated: the only shape the purchase and subscription domains ever see. */
export const paymentEventSchema = z.discriminatedUnion('kind', [
  /** a checkout was paid (a pack, or a subscription's first period) */
  z.object({ kind: z.literal('payment_succeeded'), eventId: id, purchaseId: id, paymentId: id, billingCountry: country, subscriptionRef: id.nullable().default(null), periodStartMs: z.int().nullable().default(null), periodEndMs: z.int().nullable().default(null), paymentMethod: card, savedMethod: z.object({ customerRef: id, methodRef: id }).nullable().optional() }),
  z.object({ kind: z.literal('payment_failed'), eventId: id, purchaseId: id, code: z.string().max(80), message: z.string().max(300), paymentMethod: card }),
  z.object({ kind: z.literal('checkout_canceled'), eventId: id, purchaseId: id }),
  z.object({ kind: z.literal('refunded'), eventId: id, paymentId: id, ...money }),
  z.object({ kind: z.literal('disputed'), eventId: id, paymentId: id }),
  /** the card and billing country of a payment, reported apart from it (Stripe's charge): recorded on the purchase that lacks them */
  z.object({ kind: z.literal('payment_details'), eventId: id, paymentId: id, purchaseId: id.nullable(), paymentMethod: card, billingCountry: country, savedMethod: z.object({ customerRef: id, methodRef: id }).nullable().optional() }),
  /** a subscription's period was paid (a renewal); exactly once per invoice. paymentId: what a refund names (the invoice's when absent) */
  z.object({ kind: z.literal('invoice_paid'), eventId: id, subscriptionRef: id, invoiceId: id, periodStartMs: z.int().min(0), periodEndMs: z.int().min(0), paymentId: id.nullable().optional(), ...money, billingCountry: country.optional(), paymentMethod: card }),
  z.object({ kind: z.literal('invoice_failed'), eventId: id, subscriptionRef: id, invoiceId: id, paymentId: id.nullable().optional(), ...money, paymentMethod: card, code: z.string().max(80).optional(), message: z.string().max(300).optional() }),
  z.object({ kind: z.literal('subscription_updated'), eventId: id, subscriptionRef: id, cancelAtPeriodEnd: z.boolean(), status: z.string().max(40) }),
  z.object({ kind: z.literal('subscription_ended'), eventId: id, subscriptionRef: id }),
  /** an event this server does not act on: recorded, answered 200 */
  z.object({ kind: z.literal('ignored'), eventId: id, type: z.string().max(120) }),
]);
export type PaymentEvent = z.infer<typeof paymentEventSchema>;

export class WebhookSignatureError extends Error {}
export class ProviderError extends Error {}

export interface PaymentProvider {
  readonly name: 'test' | 'stripe';
  createCheckout(req: CheckoutRequest): Promise<CheckoutSession>;
  /** refunds a payment in full (the country rule after the fact) */
  refund(paymentId: string): Promise<void>;
  /** ends a subscription at the provider, now or at its period's end */
  cancelSubscription(subscriptionRef: string, atPeriodEnd: boolean): Promise<void>;
  /** takes back a cancel at the period's end (Stripe: cancel_at_period_end back to false): the subscription renews again */
  resumeSubscription(subscriptionRef: string): Promise<void>;
  /** a downgrade: the next renewal charges this price, and the paid period is not prorated */
  changeSubscriptionPrice(subscriptionRef: string, price: { name: string; priceMinor: number; currency: string; period: BillingPeriod }): Promise<void>;
  /** charges a card the buyer saved, without them (an auto top-up); the purchase id makes a retried charge the same charge */
  chargeSaved(req: SavedCharge): Promise<ChargeOutcome>;
  /** checks the signature over the raw body and translates the event; throws WebhookSignatureError on a bad one */
  parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): PaymentEvent;
}
