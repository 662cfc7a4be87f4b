// Auto top-up on PGlite and PostgreSQL: opt-in with a saved card and a cap, one pack per crossing (64 runs crossing at once buy one), the cap never passed, a replayed payment granted once, a card that needs the buyer pausing it until it is fixed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoTopUpViewSchema, walletSchema } from '../../shared/api/index';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';
import type { TestPaymentProvider } from '../payments/test-provider';

describe.each(DRIVERS)('auto top-up on %s', (driver) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(driver, { clockMs: Date.parse('2026-11-25T10:00:00Z') });
  });
  afterAll(async () => {
    await s.close();
  });
  const provider = () => s.credits.payments as TestPaymentProvider;
  const act = (id: string, action: string) =>
    fetch(`${s.url}/checkout/test/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action }) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  /** A pro account with `credits` besides what signing up gives, and a card saved at a paid checkout (`action` picks the card). */
  async function account(credits: string, action = 'pay'): Promise<{ token: string; accountId: string; availableMc: number }> {
    const a = await s.newAccount('pro');
    await s.admin('POST', `/admin/accounts/${a.accountId}/grants`, { credits });
    const p = await s.as(a.token, 'POST', '/v1/purchases', { packId: 'pack-200', country: 'US', saveCard: true });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    if (action === 'pay_with_authentication') {
      await act(p.body.id, action);
      await act(p.body.id, 'authenticate');
    } else await act(p.body.id, action);
    const w = walletSchema.parse((await s.as(a.token, 'GET', '/v1/wallet')).body);
    return { ...a, availableMc: w.availableMc };
  }
  const turnOn = (token: string, thresholdMc: number, cap: unknown = { kind: 'count', count: 3 }) =>
    s.as(token, 'PUT', '/v1/auto-top-up', { enabled: true, packId: 'pack-1100', thresholdMc, cap, country: 'US' });
  const run = (token: string, count = 1, prompt = 'a lighthouse') => s.as(token, 'POST', '/v1/generations', { request: { modelId: 'flux-schnell', prompt, count }, approvedMc: 1_000 * count });
  /** Waits for what the server does after answering (the top-up's charge), reading until it shows: never a fixed time. */
  async function until(seen: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 5_000; i++) {
      if (await seen()) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    throw new Error('what the test waited for never happened');
  }
  const pausedOf = async (token: string) => autoTopUpViewSchema.parse((await s.as(token, 'GET', '/v1/auto-top-up')).body).paused;
  const topUps = async (token: string) => ((await s.as(token, 'GET', '/v1/purchases')).body.items as any[]).filter((p) => p.reason === 'auto_top_up');

  it('is off until the user opts in with a saved card; a purchase that saves the card does not turn it on', async () => {
    const a = await s.newAccount('pro');
    expect((await turnOn(a.token, 5_000)).body.error).toMatchObject({ code: 'no_saved_card' });
    const b = await account('10');
    const view = autoTopUpViewSchema.parse((await s.as(b.token, 'GET', '/v1/auto-top-up')).body);
    expect(view).toEqual({ settings: null, card: { brand: 'visa', last4: '4242' }, paused: null, month: { count: 0, amountMinor: 0, capReached: false } });
    const bad = await s.as(b.token, 'PUT', '/v1/auto-top-up', { enabled: true, packId: 'pack-1100', thresholdMc: 5_000, country: 'US' });
    expect(bad.status).toBe(400); // the cap is required
    expect((await turnOn(b.token, 5_000, { kind: 'amount', amountMinor: 500, currency: 'USD' })).body.error).toMatchObject({ code: 'cap_below_pack' });
    expect((await s.as(b.token, 'PUT', '/v1/auto-top-up', { enabled: true, packId: 'pack-1100', thresholdMc: 5_000, cap: { kind: 'count', count: 1 }, country: 'KP' })).status).toBe(422);
    expect((await turnOn(b.token, 5_000)).status).toBe(200);
  });

  it('64 runs crossing the threshold at once buy exactly one pack, paid with the saved card, granted once', async () => {
    const a = await account('0');
    const thresholdMc = a.availableMc - 10_000; // ten runs of 1 credit from here cross it
    expect((await turnOn(a.token, thresholdMc)).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 64 }, (_, i) => run(a.token, 1, `run ${i}`)));
    expect(answers.filter((r) => r.status === 201).length).toBeGreaterThan(10);
    await s.credits.runner.idle();
    await until(async () => (await topUps(a.token))[0]?.status === 'paid');
    const bought = await topUps(a.token);
    expect(bought).toHaveLength(1);
    expect(bought[0]).toMatchObject({ status: 'paid', packId: 'pack-1100', paymentMethod: { brand: 'visa', last4: '4242' } });
    const w = walletSchema.parse((await s.as(a.token, 'GET', '/v1/wallet')).body);
    expect(w.grants.filter((g) => g.kind === 'pack' && g.amountMc === 1_100_000)).toHaveLength(1);
    expect(w.autoTopUp?.month).toEqual({ count: 1, amountMinor: 999, capReached: false });
    // the provider's payment delivered again, five times: still one grant
    const paid = { kind: 'payment_succeeded', eventId: `evt_test_charge_${bought[0].id}`, purchaseId: bought[0].id, paymentId: `pi_test_${bought[0].id.slice(4)}`, billingCountry: null, paymentMethod: { brand: 'visa', last4: '4242' } };
    for (let i = 0; i < 5; i++) {
      const { body, headers } = provider().sign({ ...paid, eventId: `${paid.eventId}_${i}` });
      expect((await fetch(`${s.url}/v1/payments/webhook`, { method: 'POST', headers, body })).status).toBe(200);
    }
    const after = walletSchema.parse((await s.as(a.token, 'GET', '/v1/wallet')).body);
    expect(after.grants.filter((g) => g.kind === 'pack' && g.amountMc === 1_100_000)).toHaveLength(1);
  });

  it('never passes the month\'s cap, and says the cap stopped it', async () => {
    const a = await account('3000');
    expect((await turnOn(a.token, a.availableMc - 1_000_000, { kind: 'count', count: 1 })).status).toBe(200);
    // 2 s of video (1,680 credits) crosses the threshold 1,000 credits down; the 1,100-credit pack lifts the balance back above
    // it (1,680 − 1,100 = 580 down), and a second video crosses it again
    const video = (prompt: string) => s.as(a.token, 'POST', '/v1/generations', { request: { modelId: 'veo-3', prompt, seconds: 2 }, approvedMc: 1_680_000 });
    expect((await video('one')).status).toBe(201);
    await s.credits.runner.idle();
    await until(async () => (await topUps(a.token))[0]?.status === 'paid');
    expect((await video('two')).status).toBe(201);
    await s.credits.runner.idle();
    await until(async () => walletSchema.parse((await s.as(a.token, 'GET', '/v1/wallet')).body).autoTopUp?.month.capReached === true);
    expect(await topUps(a.token)).toHaveLength(1);
    expect(walletSchema.parse((await s.as(a.token, 'GET', '/v1/wallet')).body).autoTopUp?.month).toEqual({ count: 1, amountMinor: 999, capReached: true });
  });

  it('a card that needs the buyer pauses auto top-up, with where to confirm; paying there resumes it', async () => {
    const a = await account('0', 'pay_with_authentication');
    expect((await turnOn(a.token, a.availableMc - 500)).status).toBe(200);
    expect((await run(a.token)).status).toBe(201);
    await s.credits.runner.idle();
    await until(async () => (await pausedOf(a.token)) !== null);
    const [pending] = await topUps(a.token);
    expect(pending).toMatchObject({ status: 'pending', checkoutUrl: `${s.url}/checkout/test/${pending.id}` });
    const paused = autoTopUpViewSchema.parse((await s.as(a.token, 'GET', '/v1/auto-top-up')).body).paused;
    expect(paused).toMatchObject({ code: 'authentication_required', purchaseId: pending.id, fixUrl: pending.checkoutUrl });
    expect((await run(a.token, 1, 'while paused')).status).toBe(201);
    await s.credits.runner.idle();
    expect(await topUps(a.token)).toHaveLength(1); // paused: nothing more bought
    await act(pending.id, 'pay_with_authentication');
    await act(pending.id, 'authenticate');
    await until(async () => (await topUps(a.token))[0]?.status === 'paid');
    expect(autoTopUpViewSchema.parse((await s.as(a.token, 'GET', '/v1/auto-top-up')).body).paused).toBeNull();
  });

  it('a declined card fails the top-up and pauses auto top-up until the user resumes it', async () => {
    const a = await account('0', 'pay_card_declines_later');
    expect((await turnOn(a.token, a.availableMc - 500)).status).toBe(200);
    expect((await run(a.token)).status).toBe(201);
    await s.credits.runner.idle();
    await until(async () => (await pausedOf(a.token)) !== null);
    expect((await topUps(a.token))[0]).toMatchObject({ status: 'failed', failure: { code: 'card_declined' } });
    const view = autoTopUpViewSchema.parse((await s.as(a.token, 'GET', '/v1/auto-top-up')).body);
    expect(view.paused).toMatchObject({ code: 'card_declined', message: 'your saved card was declined' });
    expect(view.card).toEqual({ brand: 'visa', last4: '0341' });
    expect((await s.as(a.token, 'POST', '/v1/auto-top-up/resume', {})).status).toBe(200);
    expect((await s.as(a.token, 'POST', '/v1/auto-top-up/resume', {})).body.error).toMatchObject({ code: 'not_paused' });
  });
});
