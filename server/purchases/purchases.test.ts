// Buying packs on PGlite and PostgreSQL with the test provider: checkout, signed webhook, exactly-once grant, country rule, decline, refund and dispute.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';
import { EngineRouter, enginesConfigSchema } from '../engines/router';
import type { EngineJob, EngineResult } from '../engines/types';
import { TestPaymentProvider, TEST_SIGNATURE_HEADER } from '../payments/test-provider';
import type { PaymentEvent } from '../payments/provider';
import { ledgerTotals } from '../wallet/ledger';
import { packExpiry } from '../../shared/rules/schedule';
import { MAX_PENDING_CHECKOUTS } from './service';

/** The local engine, held at a gate until the test opens it, so that a run's hold stays pinned while a refund arrives. */
function gatedEngines() {
  const engines = new EngineRouter(enginesConfigSchema.parse({}));
  const run = engines.local.run.bind(engines.local);
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  engines.local.run = async (job: EngineJob): Promise<EngineResult> => {
    await gate;
    return run(job);
  };
  return { engines, open: () => release(), close: () => void (gate = new Promise((r) => (release = r))) };
}

describe.each(DRIVERS)('packs on %s', (driver) => {
  let s: TestServer;
  let provider: TestPaymentProvider;
  const gate = gatedEngines();
  beforeAll(async () => {
    s = await startServer(driver, { engines: gate.engines });
    provider = s.credits.payments as TestPaymentProvider;
  });
  afterAll(async () => {
    gate.open();
    await s?.close();
  });
  beforeEach(() => gate.open());
  afterEach(async () => {
    gate.open();
    await s.credits.runner.idle();
  });

  const webhook = (body: string, headers: Record<string, string>) =>
    fetch(`${s.url}/v1/payments/webhook`, { method: 'POST', headers, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
  const send = (ev: PaymentEvent) => {
    const signed = provider.sign(ev);
    return webhook(signed.body, signed.headers);
  };
  const checkout = (id: string, action: string, billingCountry?: string) =>
    fetch(`${s.url}/checkout/test/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action, ...(billingCountry ? { billingCountry } : {}) }) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
  const available = async (token: string) => (await s.as(token, 'GET', '/v1/wallet')).body.availableMc as number;
  const succeeded = (purchaseId: string, paymentId: string, eventId = `evt_${Math.random().toString(36).slice(2)}`): PaymentEvent => ({ kind: 'payment_succeeded', eventId, purchaseId, paymentId, billingCountry: 'US', subscriptionRef: null, periodStartMs: null, periodEndMs: null });

  async function buy(token: string, packId = 'pack-200', country = 'US') {
    const r = await s.as(token, 'POST', '/v1/purchases', { packId, country });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  }

  it('buys a pack: pending with a checkout page, then paid through the signed webhook, once; the receipt is in the ledger', async () => {
    const { token, accountId } = await s.newAccount('starter');
    const p = await buy(token);
    expect(p).toMatchObject({ status: 'pending', kind: 'pack', packId: 'pack-200', creditsMc: 200_000, priceMinor: 199, currency: 'USD', country: 'US', grantId: null });
    expect(p.checkoutUrl).toBe(`${s.url}/checkout/test/${p.id}`);
    const page = await fetch(p.checkoutUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('200 credits');
    expect(await available(token)).toBe(0);

    const paid = await checkout(p.id, 'pay');
    expect(paid.body).toMatchObject({ state: 'done', status: 'paid', returnUrl: `creditsdesk://purchase/${p.id}` });
    expect(await available(token)).toBe(200_000);
    const after = (await s.as(token, 'GET', `/v1/purchases/${p.id}`)).body;
    expect(after).toMatchObject({ status: 'paid', paidAtMs: expect.any(Number) });
    const w = (await s.as(token, 'GET', '/v1/wallet')).body;
    expect(w.grants).toEqual([expect.objectContaining({ id: after.grantId, kind: 'pack', paid: true, amountMc: 200_000, expiresAtMs: packExpiry(after.paidAtMs) })]);
    const ledger = (await s.as(token, 'GET', '/v1/ledger')).body.items;
    expect(ledger.filter((e: any) => e.kind === 'purchase')).toEqual([expect.objectContaining({ amountMc: 200_000, grantId: after.grantId, details: expect.objectContaining({ purchaseId: p.id, priceMinor: 199, currency: 'USD' }) })]);
    // paying again on the same page: the checkout is closed
    expect((await checkout(p.id, 'pay')).status).toBe(409);
    expect((await s.as(token, 'GET', '/v1/purchases')).body.items.map((x: any) => x.id)).toEqual([p.id]);
    const t = await ledgerTotals(s.database.db, accountId);
    expect(t.granted - t.expired - t.takenBack).toBe(t.remaining);
  });

  it('refuses a country outside the list before any checkout, naming it; nothing is created', async () => {
    const { token } = await s.newAccount('starter');
    const r = await s.as(token, 'POST', '/v1/purchases', { packId: 'pack-200', country: 'ru' });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('country_not_allowed');
    expect(r.body.error.message).toContain('Russia (RU)');
    expect((await s.as(token, 'GET', '/v1/purchases')).body.items).toEqual([]);
    expect((await s.as(token, 'POST', '/v1/purchases', { packId: 'pack-nope', country: 'US' })).body.error.code).toBe('unknown_pack');
    expect((await s.as(token, 'POST', '/v1/purchases', { packId: 'pack-200', country: 'USA' })).status).toBe(400);
  });

  it('a billing country outside the list, reported by the provider, is refunded and grants nothing', async () => {
    const { token } = await s.newAccount('starter');
    const p = await buy(token, 'pack-200', 'DE');
    await checkout(p.id, 'pay', 'RU');
    const after = (await s.as(token, 'GET', `/v1/purchases/${p.id}`)).body;
    expect(after).toMatchObject({ status: 'refunded', grantId: null, failure: { code: 'country_not_allowed' } });
    expect(provider.refunds.length).toBeGreaterThan(0);
    expect(await available(token)).toBe(0);
  });

  it('decline and cancel grant nothing and say so; a declined checkout can still be paid', async () => {
    const { token } = await s.newAccount('starter');
    const p = await buy(token);
    expect((await checkout(p.id, 'decline')).body).toMatchObject({ status: 'failed' });
    expect((await s.as(token, 'GET', `/v1/purchases/${p.id}`)).body.failure).toMatchObject({ code: 'card_declined' });
    expect(await available(token)).toBe(0);
    expect((await checkout(p.id, 'pay_with_authentication')).body).toMatchObject({ state: 'requires_authentication', status: 'failed' });
    expect(await available(token)).toBe(0);
    expect((await checkout(p.id, 'authenticate')).body).toMatchObject({ state: 'done', status: 'paid' });
    expect(await available(token)).toBe(200_000);
    const q = await buy(token);
    expect((await checkout(q.id, 'cancel')).body).toMatchObject({ status: 'canceled' });
    expect(await available(token)).toBe(200_000);
  });

  it('refuses a forged or missing signature with a 400 and changes nothing', async () => {
    const { token } = await s.newAccount('starter');
    const p = await buy(token);
    const ev = succeeded(p.id, 'pi_forged');
    const body = JSON.stringify(ev);
    const forged = new TestPaymentProvider({ webhookSecret: 'whsec_not_the_servers' }).sign(ev);
    for (const headers of [forged.headers, { 'content-type': 'application/json' }, { 'content-type': 'application/json', [TEST_SIGNATURE_HEADER]: 't=1,v1=00' }]) {
      const r = await webhook(body, headers);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_signature');
    }
    // a signature over other bytes
    const signed = provider.sign(ev);
    expect((await webhook(body.replace('pi_forged', 'pi_other'), signed.headers)).status).toBe(400);
    expect((await s.as(token, 'GET', `/v1/purchases/${p.id}`)).body.status).toBe('pending');
    expect(await available(token)).toBe(0);
  });

  it('one confirmation delivered 5 times concurrently, and again by another event of the same payment, grants once', async () => {
    const { token, accountId } = await s.newAccount('starter');
    const p = await buy(token);
    const signed = provider.sign(succeeded(p.id, 'pi_once', 'evt_once_' + p.id));
    const answers = await Promise.all(Array.from({ length: 5 }, () => webhook(signed.body, signed.headers)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(1);
    const other = await Promise.all(Array.from({ length: 3 }, () => send(succeeded(p.id, 'pi_once'))));
    expect(other.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(await available(token)).toBe(200_000);
    const ledger = (await s.as(token, 'GET', '/v1/ledger')).body.items;
    expect(ledger.filter((e: any) => e.kind === 'purchase')).toHaveLength(1);
    expect((await ledgerTotals(s.database.db, accountId)).granted).toBe(200_000);
  });

  it('a refund after partial spending takes back only what is left; a run in progress keeps what it pinned, and its release expires', async () => {
    const { token, accountId } = await s.newAccount('starter');
    const p = await buy(token);
    await send(succeeded(p.id, `pi_${p.id}`));
    const spent = await s.as(token, 'POST', '/v1/generations', { request: { modelId: 'flux-schnell', prompt: 'a cat' }, approvedMc: 200_000 });
    expect(spent.status, JSON.stringify(spent.body)).toBe(201);
    await s.credits.runner.idle();
    const afterRun = await available(token);
    const spentMc = 200_000 - afterRun;
    expect(spentMc).toBeGreaterThan(0);
    // a second run waits at the gate, its credits pinned to the pack
    gate.close();
    const held = await s.as(token, 'POST', '/v1/generations', { request: { modelId: 'flux-schnell', prompt: 'a dog' }, approvedMc: 200_000 });
    expect(held.status).toBe(201);
    const heldMc = held.body.heldMc as number;
    const r = await send({ kind: 'refunded', eventId: `evt_refund_${p.id}`, paymentId: `pi_${p.id}` });
    expect(r.status).toBe(200);
    expect((await send({ kind: 'disputed', eventId: `evt_dispute_${p.id}`, paymentId: `pi_${p.id}` })).status).toBe(200);
    const purchase = (await s.as(token, 'GET', `/v1/purchases/${p.id}`)).body;
    expect(purchase).toMatchObject({ status: 'refunded', takenBackMc: afterRun - heldMc });
    expect(await available(token)).toBe(0);
    const refund = (await s.as(token, 'GET', '/v1/ledger')).body.items.filter((e: any) => e.kind === 'refund');
    expect(refund).toEqual([expect.objectContaining({ amountMc: -(afterRun - heldMc), details: expect.objectContaining({ spentMc, takenBackMc: afterRun - heldMc, pinnedMc: heldMc }) })]);
    gate.open();
    await s.credits.runner.idle();
    const w = (await s.as(token, 'GET', '/v1/wallet')).body;
    expect(w.availableMc).toBe(0);
    expect(w.heldMc).toBe(0);
    const t = await ledgerTotals(s.database.db, accountId);
    expect(t.remaining).toBe(0);
  });

  it('limits the checkouts waiting for payment', async () => {
    const { token } = await s.newAccount('starter');
    for (let i = 0; i < MAX_PENDING_CHECKOUTS; i++) await buy(token);
    const r = await s.as(token, 'POST', '/v1/purchases', { packId: 'pack-200', country: 'US' });
    expect(r.status).toBe(429);
    expect(r.body.error).toMatchObject({ code: 'too_many_checkouts', details: { limit: MAX_PENDING_CHECKOUTS } });
  });

  it('another account cannot see a purchase', async () => {
    const a = await s.newAccount('starter');
    const b = await s.newAccount('starter');
    const p = await buy(a.token);
    expect((await s.as(b.token, 'GET', `/v1/purchases/${p.id}`)).status).toBe(404);
    expect((await s.as(b.token, 'GET', '/v1/purchases')).body.items).toEqual([]);
  });
});
