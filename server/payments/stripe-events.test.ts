// Stripe's events translated for receipts: the card (brand, last 4) and billing country of a charge or PaymentIntent, a session's country, a renewal's amount and payment, a refund's amount.
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { translateStripeEvent } from './stripe-provider';

const event = (type: string, object: Record<string, unknown>): Stripe.Event => ({ id: `evt_${type}`, object: 'event', type, data: { object } }) as unknown as Stripe.Event;
const charge = (extra: Record<string, unknown> = {}) => ({
  id: 'ch_1', object: 'charge', payment_intent: 'pi_1', metadata: { purchaseId: 'pur_a' },
  payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242', country: 'US' } },
  billing_details: { address: { country: 'DE' } },
  ...extra,
});

describe('stripe events for receipts', () => {
  it("a charge's card and billing address are reported for its payment (and the purchase its metadata names)", () => {
    expect(translateStripeEvent(event('charge.succeeded', charge()))).toEqual({
      kind: 'payment_details', eventId: 'evt_charge.succeeded', paymentId: 'pi_1', purchaseId: 'pur_a', paymentMethod: { brand: 'visa', last4: '4242' }, billingCountry: 'DE',
    });
    // no card (a bank debit) and no address: nothing to report
    expect(translateStripeEvent(event('charge.succeeded', charge({ payment_method_details: { type: 'sepa_debit' }, billing_details: {} })))).toMatchObject({ kind: 'ignored' });
  });

  it("a PaymentIntent's latest charge, when expanded, gives the card; a checkout session's expanded intent too, beside the customer's country", () => {
    const intent = { id: 'pi_2', object: 'payment_intent', metadata: { purchaseId: 'pur_b' }, latest_charge: charge({ id: 'ch_2', payment_intent: 'pi_2' }) };
    expect(translateStripeEvent(event('payment_intent.succeeded', intent))).toMatchObject({ kind: 'payment_details', paymentId: 'pi_2', purchaseId: 'pur_b', paymentMethod: { brand: 'visa', last4: '4242' }, billingCountry: 'DE' });
    const session = { id: 'cs_1', object: 'checkout.session', payment_status: 'paid', metadata: { purchaseId: 'pur_b' }, payment_intent: intent, customer_details: { address: { country: 'FR' } } };
    expect(translateStripeEvent(event('checkout.session.completed', session))).toMatchObject({ kind: 'payment_succeeded', paymentId: 'pi_2', billingCountry: 'FR', paymentMethod: { brand: 'visa', last4: '4242' } });
    // not expanded: the card comes later, with the charge
    expect(translateStripeEvent(event('checkout.session.completed', { ...session, payment_intent: 'pi_2' }))).toMatchObject({ kind: 'payment_succeeded', paymentId: 'pi_2', billingCountry: 'FR', paymentMethod: null });
  });

  it("a declined PaymentIntent is a failed payment of the purchase it names, with the card that was declined", () => {
    const intent = { id: 'pi_3', object: 'payment_intent', metadata: { purchaseId: 'pur_c' }, last_payment_error: { code: 'card_declined', message: 'Your card was declined.', payment_method: { card: { brand: 'mastercard', last4: '0341' } } } };
    expect(translateStripeEvent(event('payment_intent.payment_failed', intent))).toEqual({
      kind: 'payment_failed', eventId: 'evt_payment_intent.payment_failed', purchaseId: 'pur_c', code: 'card_declined', message: 'Your card was declined.', paymentMethod: { brand: 'mastercard', last4: '0341' },
    });
    expect(translateStripeEvent(event('payment_intent.payment_failed', { ...intent, metadata: {} }))).toMatchObject({ kind: 'ignored' });
  });

  it("a renewal's invoice reports what was paid, in which currency, by which payment, and the customer's country", () => {
    const inv = {
      id: 'in_9', object: 'invoice', billing_reason: 'subscription_cycle', parent: { subscription_details: { subscription: 'sub_1' } }, amount_paid: 499, amount_due: 499, currency: 'usd',
      payment_intent: 'pi_9', customer_address: { country: 'GB' }, lines: { data: [{ period: { start: 1_000, end: 1_000 + 604_800 } }] },
    };
    expect(translateStripeEvent(event('invoice.paid', inv))).toEqual({
      kind: 'invoice_paid', eventId: 'evt_invoice.paid', subscriptionRef: 'sub_1', invoiceId: 'in_9', periodStartMs: 1_000_000, periodEndMs: 605_800_000,
      paymentId: 'pi_9', amountMinor: 499, currency: 'USD', billingCountry: 'GB', paymentMethod: null,
    });
    // API 2025 and later: the payment is in invoice.payments
    const basil = { ...inv, payment_intent: undefined, payments: { data: [{ payment: { type: 'payment_intent', payment_intent: 'pi_10' } }] } };
    expect(translateStripeEvent(event('invoice.paid', basil))).toMatchObject({ paymentId: 'pi_10' });
    expect(translateStripeEvent(event('invoice.payment_failed', { ...inv, amount_paid: 0 }))).toMatchObject({ kind: 'invoice_failed', invoiceId: 'in_9', paymentId: 'pi_9', amountMinor: 499, currency: 'USD' });
  });

  it('a refund reports the amount refunded', () => {
    expect(translateStripeEvent(event('charge.refunded', charge({ amount_refunded: 199, currency: 'usd', refunded: true })))).toEqual({ kind: 'refunded', eventId: 'evt_charge.refunded', paymentId: 'pi_1', amountMinor: 199, currency: 'USD' });
  });
});
