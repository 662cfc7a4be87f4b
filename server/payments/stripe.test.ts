// The stripe provider with the real SDK against a local stand-in of the Stripe API: a pack, a subscription and its renewal, signed events, replays, forgeries.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';
import { StripePaymentProvider } from './stripe-provider';

const WEBHOOK_SECRET = 'whsec_stand_in_secret';
const WEEK_S = 7 * 86_400;

/** A small stand-in of the Stripe API: the calls this server makes, answered as Stripe would, each recorded. */
class StripeStandIn {
  readonly calls: { method: string; path: string; params: Record<string, string>; auth: string | undefined }[] = [];
  private server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      this.calls.push({ method: req.method!, path: req.url!, params, auth: req.headers.authorization });
      const [status, answer] = this.answer(req.method!, req.url!, params);
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${this.calls.length}` });
      res.end(JSON.stringify(answer));
    });
  });
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }
  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private answer(method: string, path: string, p: Record<string, string>): [number, unknown] {
    const n = this.calls.length;
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      return [200, { id: `cs_test_${n}`, object: 'checkout.session', mode: p.mode, url: `https://checkout.stripe.test/c/pay/cs_test_${n}`, client_reference_id: p.client_reference_id, metadata: { purchaseId: p['metadata[purchaseId]'], accountId: p['metadata[accountId]'] }, payment_status: 'unpaid', status: 'open' }];
    }
    if (method === 'POST' && path === '/v1/payment_intents') {
      // an off-session payment with a saved card: Stripe's test cards that need the buyer answer 402 card errors
      if (p.payment_method === 'pm_card_authenticationRequired') return [402, { error: { type: 'card_error', code: 'authentication_required', message: 'Your card was declined. This transaction requires authentication.' } }];
      return [200, { id: `pi_auto_${n}`, object: 'payment_intent', status: 'succeeded', amount: Number(p.amount), currency: p.currency, customer: p.customer, payment_method: p.payment_method, metadata: { purchaseId: p['metadata[purchaseId]'], reason: p['metadata[reason]'] } }];
    }
    if (method === 'POST' && path === '/v1/refunds') return [200, { id: `re_${n}`, object: 'refund', payment_intent: p.payment_intent, status: 'succeeded' }];
    const sub = /^\/v1\/subscriptions\/(sub_[A-Za-z0-9_]+)$/.exec(path);
    if (sub && method === 'GET') return [200, { id: sub[1], object: 'subscription', status: 'active', items: { object: 'list', data: [{ id: 'si_1', object: 'subscription_item', price: { id: 'price_1', object: 'price', product: 'prod_1' } }] } }];
    if (sub && method === 'POST') return [200, { id: sub[1], object: 'subscription', cancel_at_period_end: p.cancel_at_period_end === 'true', status: 'active' }];
    if (sub && method === 'DELETE') return [200, { id: sub[1], object: 'subscription', status: 'canceled' }];
    return [404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path})` } }];
  }

  sessionFor(purchaseId: string) {
    return this.calls.find((c) => c.path === '/v1/checkout/sessions' && c.params['metadata[purchaseId]'] === purchaseId)!;
  }
}

describe.each(DRIVERS)('stripe provider on %s (real SDK, local stand-in)', (driver) => {
  let s: TestServer;
  const api = new StripeStandIn();
  let n = 0;
  beforeAll(async () => {
    await api.start();
    const provider = new StripePaymentProvider({ secretKey: 'sk_test_stand_in', webhookSecret: WEBHOOK_SECRET, apiHost: '127.0.0.1', apiPort: api.port, apiProtocol: 'http' });
    s = await startServer(driver, { payments: { provider } });
  });
  afterAll(async () => {
    await s?.close();
    await api.close();
  });

  /** A Stripe event, signed as Stripe signs it (the SDK's generateTestHeaderString) unless another secret is given. */
  function signed(type: string, object: Record<string, unknown>, opts: { id?: string; secret?: string } = {}) {
    const payload = JSON.stringify({ id: opts.id ?? `evt_${++n}_${Date.now()}`, object: 'event', type, api_version: '2026-10-28.endive', created: Math.floor(Date.now() / 1000), data: { object } });
    return { payload, header: Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? WEBHOOK_SECRET }) };
  }
  const deliver = async (e: { payload: string; header: string }) => {
    const r = await fetch(`${s.url}/v1/payments/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': e.header }, body: e.payload });
    return { status: r.status, body: (await r.json()) as any };
  };
  const available = async (token: string) => (await s.as(token, 'GET', '/v1/wallet')).body.availableMc as number;
  const completed = (purchaseId: string, extra: Record<string, unknown>) => ({ id: `cs_${purchaseId}`, object: 'checkout.session', payment_status: 'paid', client_reference_id: purchaseId, metadata: { purchaseId }, customer_details: { address: { country: 'US' } }, ...extra });

  it('a pack: a Checkout Session in payment mode with the purchase id in metadata, paid once however often the event comes', async () => {
    const { token } = await s.newAccount('starter');
    const p = (await s.as(token, 'POST', '/v1/purchases', { packId: 'pack-1100', country: 'FR' })).body;
    expect(p).toMatchObject({ status: 'pending', checkoutUrl: expect.stringMatching(/^https:\/\/checkout\.stripe\.test\//) });
    const call = api.sessionFor(p.id);
    expect(call.auth).toBe('Bearer sk_test_stand_in');
    expect(call.params).toMatchObject({ mode: 'payment', client_reference_id: p.id, 'line_items[0][price_data][unit_amount]': '999', 'line_items[0][price_data][currency]': 'usd', 'payment_intent_data[metadata][purchaseId]': p.id });

    const event = signed('checkout.session.completed', completed(p.id, { payment_intent: `pi_${p.id}` }));
    expect(await deliver(event)).toEqual({ status: 200, body: { received: true, duplicate: false } });
    expect((await deliver(event)).body.duplicate).toBe(true);
    // the same payment reported again by another event: dedupe by payment id
    expect((await deliver(signed('checkout.session.async_payment_succeeded', completed(p.id, { payment_intent: `pi_${p.id}` })))).status).toBe(200);
    expect(await available(token)).toBe(1_100_000);
    expect((await s.as(token, 'GET', `/v1/purchases/${p.id}`)).body.status).toBe('paid');

    // refunded at Stripe: what is left is taken back
    expect((await deliver(signed('charge.refunded', { id: 'ch_1', object: 'charge', payment_intent: `pi_${p.id}`, refunded: true }))).status).toBe(200);
    expect(await available(token)).toBe(0);
    expect((await s.as(token, 'GET', `/v1/purchases/${p.id}`)).body).toMatchObject({ status: 'refunded', takenBackMc: 1_100_000 });
  });

  it('refuses a forged, stale or tampered signature with a 400 and changes nothing', async () => {
    const { token } = await s.newAccount('starter');
    const p = (await s.as(token, 'POST', '/v1/purchases', { packId: 'pack-200', country: 'US' })).body;
    const good = signed('checkout.session.completed', completed(p.id, { payment_intent: `pi_${p.id}` }));
    const forged = signed('checkout.session.completed', completed(p.id, { payment_intent: `pi_${p.id}` }), { secret: 'whsec_someone_else' });
    const stale = { payload: good.payload, header: Stripe.webhooks.generateTestHeaderString({ payload: good.payload, secret: WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - 3600 }) };
    for (const e of [forged, stale, { payload: good.payload.replace('"paid"', '"unpaid"'), header: good.header }, { payload: good.payload, header: '' }]) {
      const r = await deliver(e);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_signature');
    }
    expect(await available(token)).toBe(0);
  });

  it('a billing country outside the list is refunded at Stripe and grants nothing', async () => {
    const { token } = await s.newAccount('starter');
    const p = (await s.as(token, 'POST', '/v1/purchases', { packId: 'pack-200', country: 'US' })).body;
    await deliver(signed('checkout.session.completed', completed(p.id, { payment_intent: `pi_${p.id}`, customer_details: { address: { country: 'IR' } } })));
    expect(api.calls.filter((c) => c.path === '/v1/refunds').map((c) => c.params.payment_intent)).toContain(`pi_${p.id}`);
    expect((await s.as(token, 'GET', `/v1/purchases/${p.id}`)).body).toMatchObject({ status: 'refunded', failure: { code: 'country_not_allowed' } });
    expect(await available(token)).toBe(0);
  });

  it('a subscription: a session in subscription mode, its first period, a renewal by invoice (once), cancel and resume at Stripe, and its end', async () => {
    const { token } = await s.newAccount('free');
    const p = (await s.as(token, 'POST', '/v1/subscription', { planId: 'starter', period: 'weekly', country: 'US' })).body;
    expect(api.sessionFor(p.id).params).toMatchObject({ mode: 'subscription', 'line_items[0][price_data][recurring][interval]': 'week', 'subscription_data[metadata][purchaseId]': p.id });
    await deliver(signed('checkout.session.completed', completed(p.id, { mode: 'subscription', subscription: 'sub_1', invoice: `in_first_${p.id}`, payment_intent: null })));
    const first = (await s.as(token, 'GET', '/v1/subscription')).body;
    expect(first).toMatchObject({ planId: 'starter', period: 'weekly', status: 'active' });
    const subCredits = async () => (await s.as(token, 'GET', '/v1/wallet')).body.grants.filter((g: any) => g.kind === 'subscription').map((g: any) => g.amountMc);
    expect(await subCredits()).toEqual([200_000]);
    // Stripe's first invoice is the checkout's: nothing more
    const parent = { subscription_details: { subscription: 'sub_1' } };
    await deliver(signed('invoice.paid', { id: 'in_first', object: 'invoice', billing_reason: 'subscription_create', parent }));
    expect(await subCredits()).toEqual([200_000]);
    // the renewal, delivered twice
    const startS = Math.floor(first.currentPeriodEndMs / 1000);
    const renewal = signed('invoice.paid', { id: 'in_2', object: 'invoice', billing_reason: 'subscription_cycle', parent, lines: { data: [{ period: { start: startS, end: startS + WEEK_S } }] } });
    await deliver(renewal);
    await deliver(renewal);
    await deliver(signed('invoice.paid', { id: 'in_2', object: 'invoice', billing_reason: 'subscription_cycle', parent, lines: { data: [{ period: { start: startS, end: startS + WEEK_S } }] } }));
    expect((await subCredits()).sort()).toEqual([200_000, 200_000]);
    expect((await s.as(token, 'GET', '/v1/subscription')).body).toMatchObject({ currentPeriodStartMs: startS * 1000, currentPeriodEndMs: (startS + WEEK_S) * 1000 });

    // another period is a change at the period's end: Stripe charges the new price from the next renewal, without proration
    const down = await s.as(token, 'POST', '/v1/subscription/change', { planId: 'starter', period: 'yearly' });
    expect(down.body.subscription).toMatchObject({ planId: 'starter', period: 'weekly', nextPeriod: 'yearly' });
    expect(api.calls.filter((c) => c.path === '/v1/subscriptions/sub_1').map((c) => c.method)).toEqual(['GET', 'POST']);
    expect(api.calls.filter((c) => c.path === '/v1/subscriptions/sub_1')[1]!.params).toMatchObject({ 'items[0][id]': 'si_1', 'items[0][price_data][unit_amount]': '19900', 'items[0][price_data][product]': 'prod_1', 'items[0][price_data][recurring][interval]': 'year', proration_behavior: 'none' });

    expect((await s.as(token, 'POST', '/v1/subscription/cancel', {})).status).toBe(200);
    expect(api.calls.filter((c) => c.path === '/v1/subscriptions/sub_1').at(-1)?.params).toEqual({ cancel_at_period_end: 'true' });
    // the change of period the cancel replaced is taken back at Stripe: a resume renews at the plan's own price
    expect(api.calls.filter((c) => c.path === '/v1/subscriptions/sub_1' && c.method === 'POST').at(-2)?.params).toMatchObject({ 'items[0][price_data][unit_amount]': '499', 'items[0][price_data][recurring][interval]': 'week' });
    // resumed before the period ends: cancel_at_period_end back to false at Stripe; then cancelled again
    const resumed = await s.as(token, 'POST', '/v1/subscription/resume', {});
    expect(resumed.body.subscription).toMatchObject({ planId: 'starter', cancelAtPeriodEnd: false });
    expect(api.calls.filter((c) => c.path === '/v1/subscriptions/sub_1').at(-1)?.params).toEqual({ cancel_at_period_end: 'false' });
    expect((await s.as(token, 'POST', '/v1/subscription/cancel', {})).status).toBe(200);
    await deliver(signed('customer.subscription.deleted', { id: 'sub_1', object: 'subscription', status: 'canceled' }));
    expect((await s.as(token, 'GET', '/v1/subscription')).body).toMatchObject({ planId: 'free', status: 'none' });
  });

  it('receipts: the charge gives the card, the session the country; a renewal is a purchase with its amount, refunded by its payment', async () => {
    const { token } = await s.newAccount('free');
    const p = (await s.as(token, 'POST', '/v1/purchases', { packId: 'pack-200', country: 'US' })).body;
    await deliver(signed('checkout.session.completed', completed(p.id, { payment_intent: `pi_${p.id}`, customer_details: { address: { country: 'CA' } } })));
    await deliver(signed('charge.succeeded', { id: `ch_${p.id}`, object: 'charge', payment_intent: `pi_${p.id}`, payment_method_details: { type: 'card', card: { brand: 'mastercard', last4: '4444' } }, billing_details: { address: { country: 'CA' } } }));
    expect((await s.as(token, 'GET', `/v1/purchases/${p.id}`)).body).toMatchObject({ status: 'paid', paymentMethod: { brand: 'mastercard', last4: '4444' }, billingCountry: 'CA' });

    const sub = (await s.as(token, 'POST', '/v1/subscription', { planId: 'starter', period: 'weekly', country: 'US' })).body;
    await deliver(signed('checkout.session.completed', completed(sub.id, { mode: 'subscription', subscription: 'sub_r', invoice: `in_first_${sub.id}`, payment_intent: null })));
    const first = (await s.as(token, 'GET', '/v1/subscription')).body;
    const startS = Math.floor(first.currentPeriodEndMs / 1000);
    const parent = { subscription_details: { subscription: 'sub_r' } };
    await deliver(signed('invoice.paid', { id: 'in_r2', object: 'invoice', billing_reason: 'subscription_cycle', parent, amount_paid: 499, currency: 'usd', payment_intent: 'pi_r2', customer_address: { country: 'GB' }, lines: { data: [{ period: { start: startS, end: startS + WEEK_S } }] } }));
    const renewal = ((await s.as(token, 'GET', '/v1/purchases')).body.items as any[]).find((x) => x.kind === 'renewal');
    expect(renewal).toMatchObject({ status: 'paid', priceMinor: 499, currency: 'USD', billingCountry: 'GB', grantExpiresAtMs: (startS + WEEK_S) * 1000, paymentMethod: null });
    await deliver(signed('charge.succeeded', { id: 'ch_r2', object: 'charge', payment_intent: 'pi_r2', payment_method_details: { type: 'card', card: { brand: 'visa', last4: '1881' } }, billing_details: { address: {} } }));
    await deliver(signed('charge.refunded', { id: 'ch_r2', object: 'charge', payment_intent: 'pi_r2', amount_refunded: 499, currency: 'usd', refunded: true }));
    expect((await s.as(token, 'GET', `/v1/purchases/${renewal.id}`)).body).toMatchObject({ status: 'refunded', paymentMethod: { brand: 'visa', last4: '1881' }, refundedMinor: 499, takenBackMc: 200_000 });
  });

  /** An account with a card saved at a pack's checkout (setup_future_usage off_session), and auto top-up on just below its balance. */
  async function withSavedCard(method: string): Promise<{ token: string; before: number }> {
    const { token, accountId } = await s.newAccount('pro');
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '10' });
    const p = (await s.as(token, 'POST', '/v1/purchases', { packId: 'pack-200', country: 'US', saveCard: true })).body;
    expect(api.sessionFor(p.id).params).toMatchObject({ 'payment_intent_data[setup_future_usage]': 'off_session', customer_creation: 'always' });
    await deliver(signed('checkout.session.completed', completed(p.id, { payment_intent: `pi_${p.id}`, customer: `cus_${accountId}` })));
    const charge = { id: `ch_${p.id}`, object: 'charge', payment_method_details: { card: { brand: 'visa', last4: '4242' } }, billing_details: { address: { country: 'US' } } };
    await deliver(signed('payment_intent.succeeded', { id: `pi_${p.id}`, object: 'payment_intent', metadata: { purchaseId: p.id }, setup_future_usage: 'off_session', customer: `cus_${accountId}`, payment_method: method, latest_charge: charge }));
    expect((await s.as(token, 'GET', '/v1/auto-top-up')).body.card).toEqual({ brand: 'visa', last4: '4242' });
    const before = await available(token);
    const on = await s.as(token, 'PUT', '/v1/auto-top-up', { enabled: true, packId: 'pack-1100', thresholdMc: before - 500, cap: { kind: 'count', count: 2 }, country: 'US' });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
    return { token, before };
  }
  const crossing = async (token: string) => {
    expect((await s.as(token, 'POST', '/v1/generations', { request: { modelId: 'flux-schnell', prompt: 'a crossing' }, approvedMc: 1_000 })).status).toBe(201);
    await s.credits.runner.idle();
    return ((await s.as(token, 'GET', '/v1/purchases')).body.items as any[]).find((x) => x.reason === 'auto_top_up');
  };
  /** Waits for what the server does after answering (the charge at Stripe), reading until it shows: never a fixed time. */
  async function until(seen: () => Promise<boolean> | boolean): Promise<void> {
    for (let i = 0; i < 5_000 && !(await seen()); i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  it('auto top-up: a crossing pays the saved card off-session (the purchase its idempotency key), and its payment_intent.succeeded grants it once', async () => {
    const { token, before } = await withSavedCard('pm_card_visa');
    const topUp = await crossing(token);
    await until(() => api.calls.some((c) => c.path === '/v1/payment_intents' && c.params['metadata[purchaseId]'] === topUp.id));
    const call = api.calls.find((c) => c.path === '/v1/payment_intents' && c.params['metadata[purchaseId]'] === topUp.id)!;
    expect(call.params).toMatchObject({ amount: '999', currency: 'usd', off_session: 'true', confirm: 'true', payment_method: 'pm_card_visa', 'metadata[reason]': 'auto_top_up' });
    const paid = { id: 'pi_auto_paid', object: 'payment_intent', status: 'succeeded', metadata: { purchaseId: topUp.id, reason: 'auto_top_up' }, latest_charge: { id: 'ch_auto', object: 'charge', payment_method_details: { card: { brand: 'visa', last4: '4242' } } } };
    expect((await deliver(signed('payment_intent.succeeded', paid))).status).toBe(200);
    expect((await deliver(signed('payment_intent.succeeded', paid))).status).toBe(200); // delivered again as a new event: one grant
    expect((await s.as(token, 'GET', `/v1/purchases/${topUp.id}`)).body).toMatchObject({ status: 'paid', reason: 'auto_top_up' });
    expect(await available(token)).toBe(before - 1_000 + 1_100_000);
  });

  it('auto top-up: a bank that asks for the buyer pauses it, with a checkout for the same purchase to confirm at', async () => {
    const { token } = await withSavedCard('pm_card_authenticationRequired');
    const topUp = await crossing(token);
    await until(async () => (await s.as(token, 'GET', '/v1/auto-top-up')).body.paused !== null);
    const paused = (await s.as(token, 'GET', '/v1/auto-top-up')).body.paused;
    expect(paused).toMatchObject({ code: 'authentication_required', purchaseId: topUp.id, fixUrl: expect.stringMatching(/^https:\/\/checkout\.stripe\.test\//) });
    expect(api.sessionFor(topUp.id).params).toMatchObject({ mode: 'payment', 'payment_intent_data[setup_future_usage]': 'off_session' });
  });

  it('records and ignores events it does not act on', async () => {
    expect(await deliver(signed('customer.created', { id: 'cus_1', object: 'customer' }))).toEqual({ status: 200, body: { received: true, duplicate: false } });
  });
});
