// Stripe's events in the provider-neutral words the domains use: checkouts, payments and the cards that paid, invoices (renewals), refunds and disputes.
import type Stripe from 'stripe';
import type { PaymentMethod } from '../../shared/api/index';
import type { PaymentEvent } from './provider';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});
/** An id field that may be expanded into its object. */
export const idOf = (v: unknown): string | null => (typeof v === 'string' ? v : typeof obj(v).id === 'string' ? (obj(v).id as string) : null);
const secondsToMs = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v * 1000 : null);
const countryOf = (v: unknown): string | null => (typeof v === 'string' && /^[A-Z]{2}$/.test(v) ? v : null);
const currencyOf = (v: unknown): string | null => (typeof v === 'string' && /^[A-Za-z]{3}$/.test(v) ? v.toUpperCase() : null);
const minorOf = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);
const metadataPurchase = (o: Obj): string | null => (typeof obj(o.metadata).purchaseId === 'string' ? (obj(o.metadata).purchaseId as string) : null);
const ignored = (eventId: string, type: string): PaymentEvent => ({ kind: 'ignored', eventId, type: type.slice(0, 120) });

/** The card a holder names (a charge's payment_method_details, a PaymentMethod): its brand and last 4 digits, or null (not a card). */
function cardOf(holder: unknown): PaymentMethod | null {
  const c = obj(obj(holder).card);
  const brand = typeof c.brand === 'string' ? c.brand.toLowerCase() : '';
  return /^[a-z0-9_]{1,40}$/.test(brand) && typeof c.last4 === 'string' && /^[0-9]{4}$/.test(c.last4) ? { brand, last4: c.last4 } : null;
}
const chargeCard = (ch: Obj) => cardOf(ch.payment_method_details);
const chargeCountry = (ch: Obj) => countryOf(obj(obj(ch.billing_details).address).country);

/** A PaymentIntent's charge, when the event carries it: `latest_charge` expanded, or `charges.data` (API versions before 2022-11-15). */
function intentCharge(pi: Obj): Obj | null {
  if (pi.latest_charge && typeof pi.latest_charge === 'object') return obj(pi.latest_charge);
  const list = obj(pi.charges).data;
  return Array.isArray(list) && list.length > 0 ? obj(list[0]) : null;
}

function checkoutEvent(eventId: string, type: string, s: Obj): PaymentEvent {
  const purchaseId = metadataPurchase(s) ?? (typeof s.client_reference_id === 'string' ? s.client_reference_id : null);
  if (!purchaseId) return ignored(eventId, type);
  if (type === 'checkout.session.async_payment_failed') return { kind: 'payment_failed', eventId, purchaseId, code: 'async_payment_failed', message: 'the bank declined the payment' };
  if (type === 'checkout.session.expired') return { kind: 'checkout_canceled', eventId, purchaseId };
  // a completed session whose payment is still processing (bank debits) waits for async_payment_succeeded
  if (s.payment_status !== 'paid' && s.payment_status !== 'no_payment_required') return ignored(eventId, type);
  const paymentId = idOf(s.payment_intent) ?? idOf(s.invoice) ?? (s.id as string);
  // webhooks do not expand the intent: then the card comes with its charge (charge.succeeded)
  const charge = typeof s.payment_intent === 'object' ? intentCharge(obj(s.payment_intent)) : null;
  return {
    kind: 'payment_succeeded', eventId, purchaseId, paymentId, billingCountry: countryOf(obj(obj(s.customer_details).address).country) ?? (charge ? chargeCountry(charge) : null),
    subscriptionRef: idOf(s.subscription), periodStartMs: null, periodEndMs: null, paymentMethod: charge ? chargeCard(charge) : null,
  };
}

/** A charge's or an intent's card and billing country, for the purchase it paid (found by the payment, else by the metadata's purchase). */
function detailsEvent(eventId: string, type: string, paymentId: string | null, purchaseId: string | null, charge: Obj | null): PaymentEvent {
  const paymentMethod = charge ? chargeCard(charge) : null;
  const billingCountry = charge ? chargeCountry(charge) : null;
  if (!paymentId || (!paymentMethod && !billingCountry)) return ignored(eventId, type);
  return { kind: 'payment_details', eventId, paymentId, purchaseId, paymentMethod, billingCountry };
}

/** The customer and card a checkout kept for payments without the buyer (setup_future_usage off_session), on its details event. */
function withSavedMethod(ev: PaymentEvent, pi: Obj): PaymentEvent {
  const customer = typeof pi.customer === 'string' ? pi.customer : null;
  const method = typeof pi.payment_method === 'string' ? pi.payment_method : null;
  if (ev.kind !== 'payment_details' || pi.setup_future_usage !== 'off_session' || !customer || !method) return ev;
  return { ...ev, savedMethod: { customerRef: customer, methodRef: method } };
}

/** An auto top-up's payment, made without the buyer (no checkout session): paid, as a checkout's completion says for a pack. */
function topUpPaid(eventId: string, type: string, pi: Obj): PaymentEvent {
  const purchaseId = metadataPurchase(pi);
  const paymentId = idOf(pi);
  if (!purchaseId || !paymentId) return ignored(eventId, type);
  const charge = intentCharge(pi);
  return { kind: 'payment_succeeded', eventId, purchaseId, paymentId, billingCountry: charge ? chargeCountry(charge) : null, subscriptionRef: null, periodStartMs: null, periodEndMs: null, paymentMethod: charge ? chargeCard(charge) : null };
}

/** A declined attempt at a pack's payment (its intent carries the purchase in metadata): the buyer may still pay on the same page. */
function intentFailed(eventId: string, type: string, pi: Obj): PaymentEvent {
  const purchaseId = metadataPurchase(pi);
  if (!purchaseId) return ignored(eventId, type);
  const err = obj(pi.last_payment_error);
  const code = (typeof err.code === 'string' && err.code ? err.code : 'payment_failed').slice(0, 80);
  const message = (typeof err.message === 'string' && err.message ? err.message : 'the payment was declined').slice(0, 300);
  return { kind: 'payment_failed', eventId, purchaseId, code, message, paymentMethod: cardOf(err.payment_method) };
}

/** The subscription an invoice bills: `parent.subscription_details.subscription` (API 2025 and later) or `subscription` (before). */
const invoiceSubscription = (inv: Obj): string | null => idOf(obj(obj(inv.parent).subscription_details).subscription) ?? idOf(inv.subscription);

/** The PaymentIntent that paid an invoice: `payment_intent` (before API 2025), or the first in `payments` (after). */
function invoiceIntent(inv: Obj): string | null {
  const direct = idOf(inv.payment_intent);
  if (direct) return direct;
  const list = obj(inv.payments).data;
  for (const p of Array.isArray(list) ? list : []) {
    const id = idOf(obj(obj(p).payment).payment_intent);
    if (id) return id;
  }
  return null;
}

function invoiceEvent(eventId: string, type: string, inv: Obj): PaymentEvent {
  const subscriptionRef = invoiceSubscription(inv);
  const invoiceId = idOf(inv);
  if (!subscriptionRef || !invoiceId) return ignored(eventId, type);
  const payment = {
    paymentId: invoiceIntent(inv), currency: currencyOf(inv.currency),
    paymentMethod: inv.charge && typeof inv.charge === 'object' ? chargeCard(obj(inv.charge)) : null,
  };
  if (type === 'invoice.payment_failed') return { kind: 'invoice_failed', eventId, subscriptionRef, invoiceId, ...payment, amountMinor: minorOf(inv.amount_due) };
  // the first invoice is the checkout's: its period was granted when the session completed
  if (inv.billing_reason === 'subscription_create') return ignored(eventId, type);
  const line = obj(Array.isArray(obj(inv.lines).data) ? (obj(inv.lines).data as unknown[])[0] : null);
  const periodStartMs = secondsToMs(obj(line.period).start) ?? secondsToMs(inv.period_start);
  const periodEndMs = secondsToMs(obj(line.period).end) ?? secondsToMs(inv.period_end);
  if (periodStartMs === null || periodEndMs === null || periodEndMs <= periodStartMs) return ignored(eventId, type);
  return {
    kind: 'invoice_paid', eventId, subscriptionRef, invoiceId, periodStartMs, periodEndMs,
    paymentId: payment.paymentId, amountMinor: minorOf(inv.amount_paid), currency: payment.currency, billingCountry: countryOf(obj(inv.customer_address).country), paymentMethod: payment.paymentMethod,
  };
}

function chargeEvent(eventId: string, type: string, o: Obj): PaymentEvent {
  if (type === 'charge.succeeded') return detailsEvent(eventId, type, idOf(o.payment_intent) ?? idOf(o), metadataPurchase(o), o);
  const paymentId = idOf(o.payment_intent);
  if (!paymentId) return ignored(eventId, type);
  if (type === 'charge.dispute.created') return { kind: 'disputed', eventId, paymentId };
  return { kind: 'refunded', eventId, paymentId, amountMinor: minorOf(o.amount_refunded), currency: currencyOf(o.currency) };
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
    case 'payment_intent.succeeded':
      return o.metadata && obj(o.metadata).reason === 'auto_top_up' ? topUpPaid(eventId, event.type, o) : withSavedMethod(detailsEvent(eventId, event.type, idOf(o), metadataPurchase(o), intentCharge(o)), o);
    case 'payment_intent.payment_failed':
      return intentFailed(eventId, event.type, o);
    case 'customer.subscription.updated':
      return idOf(o) ? { kind: 'subscription_updated', eventId, subscriptionRef: idOf(o)!, cancelAtPeriodEnd: o.cancel_at_period_end === true, status: String(o.status).slice(0, 40) } : ignored(eventId, event.type);
    case 'customer.subscription.deleted':
      return idOf(o) ? { kind: 'subscription_ended', eventId, subscriptionRef: idOf(o)! } : ignored(eventId, event.type);
    case 'charge.succeeded':
    case 'charge.refunded':
    case 'charge.dispute.created':
      return chargeEvent(eventId, event.type, o);
    default:
      return ignored(eventId, event.type);
  }
}
