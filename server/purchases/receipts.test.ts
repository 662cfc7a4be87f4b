// Receipts on PGlite and PostgreSQL with the test provider: each payment's card (brand, last 4), billing country, grant and expiry recorded and served; renewals, refunds and failed payments recorded and in the ledger.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';
import { MS_PER_DAY, packExpiry } from '../../shared/rules/schedule';
import { ledgerTotals } from '../wallet/ledger';
import { TEST_CARDS, type TestPaymentProvider } from '../payments/test-provider';

const WEEK = 7 * MS_PER_DAY;

describe.each(DRIVERS)('receipts on %s', (driver) => {
  let s: TestServer;
  let provider: TestPaymentProvider;
  beforeAll(async () => {
    s = await startServer(driver);
    provider = s.credits.payments as TestPaymentProvider;
  });
  afterAll(async () => {
    await s?.close();
  });

  const checkout = (id: string, action: string, billingCountry?: string) =>
    fetch(`${s.url}/checkout/test/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action, ...(billingCountry ? { billingCountry } : {}) }) }).then(async (r) => (await r.json()) as any);
  const purchase = async (token: string, id: string) => (await s.as(token, 'GET', `/v1/purchases/${id}`)).body;
  const ledger = async (token: string) => (await s.as(token, 'GET', '/v1/ledger')).body.items as any[];
  async function buy(token: string, packId = 'pack-200', country = 'US') {
    const r = await s.as(token, 'POST', '/v1/purchases', { packId, country });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  }

  it('a paid pack records the card, the billing country and the grant with its expiry, on the purchase and in its ledger entry', async () => {
    const { token } = await s.newAccount('starter');
    const p = await buy(token, 'pack-200', 'DE');
    expect(p).toMatchObject({ paymentMethod: null, billingCountry: null, grantExpiresAtMs: null, refundedAtMs: null, refundedMinor: null });
    await checkout(p.id, 'pay', 'FR');
    const paid = await purchase(token, p.id);
    expect(paid).toMatchObject({ status: 'paid', paymentMethod: TEST_CARDS.pay, billingCountry: 'FR', grantExpiresAtMs: packExpiry(paid.paidAtMs) });
    expect(TEST_CARDS.pay).toEqual({ brand: 'visa', last4: '4242' });
    // the list serves the same
    expect((await s.as(token, 'GET', '/v1/purchases')).body.items).toEqual([paid]);
    const entry = (await ledger(token)).find((e) => e.kind === 'purchase');
    expect(entry).toMatchObject({
      amountMc: 200_000, grantId: paid.grantId,
      details: expect.objectContaining({ purchaseId: p.id, name: '200 credits', priceMinor: 199, currency: 'USD', paymentMethod: TEST_CARDS.pay, billingCountry: 'FR', expiresAtMs: paid.grantExpiresAtMs }),
    });
  });

  it('a card that needs authentication is recorded as that card', async () => {
    const { token } = await s.newAccount('starter');
    const p = await buy(token);
    await checkout(p.id, 'pay_with_authentication');
    await checkout(p.id, 'authenticate');
    expect(await purchase(token, p.id)).toMatchObject({ status: 'paid', paymentMethod: TEST_CARDS.authenticated, billingCountry: 'US' });
    expect(TEST_CARDS.authenticated.last4).not.toBe(TEST_CARDS.pay.last4);
  });

  it('a declined payment is in the ledger (nothing granted) with its card and reason; paying after it records the card that paid', async () => {
    const { token, accountId } = await s.newAccount('starter');
    const p = await buy(token);
    await checkout(p.id, 'decline');
    expect(await purchase(token, p.id)).toMatchObject({ status: 'failed', paymentMethod: TEST_CARDS.declined, failure: { code: 'card_declined' } });
    const failed = (await ledger(token)).filter((e) => e.kind === 'payment_failed');
    expect(failed).toEqual([
      expect.objectContaining({ amountMc: 0, grantId: null, details: expect.objectContaining({ purchaseId: p.id, name: '200 credits', priceMinor: 199, currency: 'USD', code: 'card_declined', paymentMethod: TEST_CARDS.declined }) }),
    ]);
    await checkout(p.id, 'pay');
    expect(await purchase(token, p.id)).toMatchObject({ status: 'paid', paymentMethod: TEST_CARDS.pay });
    const t = await ledgerTotals(s.database.db, accountId);
    expect(t.granted - t.expired - t.takenBack).toBe(t.remaining);
  });

  it('a payment refused for its billing country is refunded in the ledger: the amount given back, no credits', async () => {
    const { token } = await s.newAccount('starter');
    const p = await buy(token);
    await checkout(p.id, 'pay', 'RU');
    const after = await purchase(token, p.id);
    expect(after).toMatchObject({ status: 'refunded', billingCountry: 'RU', paymentMethod: TEST_CARDS.pay, refundedMinor: 199, refundedAtMs: expect.any(Number), grantId: null });
    expect((await ledger(token)).filter((e) => e.kind === 'refund')).toEqual([
      expect.objectContaining({ amountMc: 0, details: expect.objectContaining({ purchaseId: p.id, reason: 'country_not_allowed', refundedMinor: 199, currency: 'USD', takenBackMc: 0, paymentMethod: TEST_CARDS.pay }) }),
    ]);
  });

  it('a refund records when and how much was given back, on the purchase and in its ledger entry', async () => {
    const { token } = await s.newAccount('starter');
    const p = await buy(token);
    await checkout(p.id, 'pay');
    const paid = await purchase(token, p.id);
    await s.clock.advance(MS_PER_DAY);
    await provider.send({ kind: 'refunded', eventId: `evt_refund_${p.id}`, paymentId: await paymentIdOf(token, p.id), amountMinor: 199, currency: 'USD' });
    const refunded = await purchase(token, p.id);
    expect(refunded).toMatchObject({ status: 'refunded', takenBackMc: 200_000, refundedMinor: 199, paymentMethod: TEST_CARDS.pay });
    expect(refunded.refundedAtMs).toBeGreaterThanOrEqual(paid.paidAtMs + MS_PER_DAY);
    expect((await ledger(token)).filter((e) => e.kind === 'refund')).toEqual([
      expect.objectContaining({ amountMc: -200_000, details: expect.objectContaining({ purchaseId: p.id, name: '200 credits', refundedMinor: 199, currency: 'USD', takenBackMc: 200_000, paymentMethod: TEST_CARDS.pay, paidAtMs: paid.paidAtMs }) }),
    ]);
  });

  async function paymentIdOf(token: string, purchaseId: string): Promise<string> {
    const e = (await ledger(token)).find((x) => x.kind === 'purchase' && x.details.purchaseId === purchaseId);
    return e.details.paymentId as string;
  }

  it('a renewal is a paid purchase of its own, with its amount, card and grant; a failed renewal is a failed one, in the ledger', async () => {
    const { token, accountId } = await s.newAccount('free');
    const r = await s.as(token, 'POST', '/v1/subscription', { planId: 'starter', period: 'weekly', country: 'US' });
    await checkout(r.body.id, 'pay', 'GB');
    const first = await purchase(token, r.body.id);
    const view = (await s.as(token, 'GET', '/v1/subscription')).body;
    expect(first).toMatchObject({ kind: 'subscription', status: 'paid', paymentMethod: TEST_CARDS.pay, billingCountry: 'GB', grantExpiresAtMs: view.currentPeriodEndMs });

    await s.admin('POST', '/admin/clock', { advanceMs: WEEK });
    const items = (await s.as(token, 'GET', '/v1/purchases')).body.items as any[];
    const renewal = items.find((x) => x.kind === 'renewal');
    expect(renewal).toMatchObject({
      status: 'paid', planId: 'starter', period: 'weekly', name: 'Starter (weekly)', creditsMc: 200_000, priceMinor: 499, currency: 'USD',
      paymentMethod: TEST_CARDS.pay, billingCountry: 'GB', grantExpiresAtMs: view.currentPeriodEndMs + WEEK, paidAtMs: expect.any(Number),
    });
    const receipts = (await ledger(token)).filter((e) => e.kind === 'purchase');
    expect(receipts.map((e) => e.details.purchaseId)).toEqual([r.body.id, renewal.id]);
    expect(receipts[1]).toMatchObject({ amountMc: 200_000, grantId: renewal.grantId, details: expect.objectContaining({ priceMinor: 499, currency: 'USD', paymentMethod: TEST_CARDS.pay, expiresAtMs: renewal.grantExpiresAtMs }) });

    provider.failingRenewals.add(`sub_test_${r.body.id.slice(4)}`);
    await s.admin('POST', '/admin/clock', { advanceMs: WEEK });
    const failedRenewal = ((await s.as(token, 'GET', '/v1/purchases')).body.items as any[]).find((x) => x.kind === 'renewal' && x.status === 'failed');
    expect(failedRenewal).toMatchObject({ priceMinor: 499, currency: 'USD', paymentMethod: TEST_CARDS.pay, grantId: null, failure: { code: 'renewal_declined' } });
    expect((await ledger(token)).filter((e) => e.kind === 'payment_failed')).toEqual([
      expect.objectContaining({ amountMc: 0, details: expect.objectContaining({ purchaseId: failedRenewal.id, name: 'Starter (weekly)', priceMinor: 499, code: 'renewal_declined' }) }),
    ]);
    const t = await ledgerTotals(s.database.db, accountId);
    expect(t.granted - t.expired - t.takenBack).toBe(t.remaining);
  });

  it('details a provider reports apart from the payment (Stripe\'s charge) fill in what the purchase lacks, before or after it is paid', async () => {
    const { token } = await s.newAccount('starter');
    const p = await buy(token);
    await provider.send({ kind: 'payment_details', eventId: `evt_details_${p.id}`, paymentId: `pi_${p.id}`, purchaseId: p.id, paymentMethod: { brand: 'mastercard', last4: '4444' }, billingCountry: 'CA' });
    expect(await purchase(token, p.id)).toMatchObject({ status: 'pending', paymentMethod: { brand: 'mastercard', last4: '4444' }, billingCountry: 'CA' });
    // a purchase found by its payment: what it already has stays
    const q = await buy(token);
    await checkout(q.id, 'pay');
    await provider.send({ kind: 'payment_details', eventId: `evt_details_${q.id}`, paymentId: await paymentIdOf(token, q.id), purchaseId: null, paymentMethod: { brand: 'amex', last4: '0005' }, billingCountry: 'AU' });
    expect(await purchase(token, q.id)).toMatchObject({ paymentMethod: TEST_CARDS.pay, billingCountry: 'US' });
    // another account's purchase is not touched by an event naming it with another payment
    const other = await s.newAccount('starter');
    await provider.send({ kind: 'payment_details', eventId: `evt_details_x_${q.id}`, paymentId: 'pi_unrelated', purchaseId: q.id, paymentMethod: { brand: 'amex', last4: '0005' }, billingCountry: 'AU' });
    expect(await purchase(token, q.id)).toMatchObject({ paymentMethod: TEST_CARDS.pay });
    expect((await s.as(other.token, 'GET', '/v1/purchases')).body.items).toEqual([]);
  });
});
