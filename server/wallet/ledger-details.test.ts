// Every kind of ledger entry the server writes, on PGlite and PostgreSQL, fits its kind's details schema exactly (no field missing, none unknown) and reads back unchanged.
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_DETAILS, LEDGER_KINDS, ledgerEntrySchema, walletSchema, type LedgerKind } from '../../shared/api/index';
import { MS_PER_DAY } from '../../shared/rules/schedule';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';
import { images } from '../../test/server/training-images';
import { FAIL_MARKER } from '../engines/local';
import { ledgerEntries } from '../db/schema';
import type { TestPaymentProvider } from '../payments/test-provider';

describe.each(DRIVERS)('ledger details on %s', (driver) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(driver, { clockMs: Date.parse('2026-11-25T10:00:00Z'), trainingSpeed: 1_000 });
  });
  afterAll(async () => {
    await s?.close();
  });

  const checkout = (id: string, action: string, billingCountry?: string) =>
    fetch(`${s.url}/checkout/test/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action, ...(billingCountry ? { billingCountry } : {}) }) });
  const run = (token: string, prompt: string) => s.as(token, 'POST', '/v1/generations', { request: { modelId: 'flux-schnell', prompt }, approvedMc: 1_000 });
  const rowsOf = (accountIds: string[]) => s.database.db.select().from(ledgerEntries).where(inArray(ledgerEntries.accountId, accountIds)).orderBy(ledgerEntries.id);
  async function until(what: string, seen: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 5_000; i++) {
      if (await seen()) return;
      await new Promise<void>((resolve) => setTimeout(resolve, 2));
    }
    throw new Error(`${what} never happened`);
  }
  async function buy(token: string, action: string, opts: { saveCard?: boolean; country?: string } = {}): Promise<string> {
    const p = await s.as(token, 'POST', '/v1/purchases', { packId: 'pack-200', country: 'US', ...(opts.saveCard ? { saveCard: true } : {}) });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    await checkout(p.body.id, action, opts.country);
    return p.body.id as string;
  }

  it('runs, a failed run, purchases, refunds, a failed payment, expiries, subscription grants, a training charge and an auto top-up', async () => {
    const a = await s.newAccount('pro');
    await s.admin('POST', `/admin/accounts/${a.accountId}/grants`, { credits: '100', kind: 'pack', note: 'for the test' });
    // a run (hold, capture), one that delivers half its batch (hold, capture, release) and a failed one (hold, void)
    expect((await run(a.token, 'a lighthouse')).status).toBe(201);
    expect((await s.as(a.token, 'POST', '/v1/generations', { request: { modelId: 'flux-schnell', prompt: 'two cats [partial]', count: 2 }, approvedMc: 2_000 })).status).toBe(201);
    expect((await run(a.token, `${FAIL_MARKER} a storm`)).status).toBe(201);
    await s.credits.runner.idle();
    // a purchase that saves the card, refunded; one refused for its billing country; one declined
    const bought = await buy(a.token, 'pay', { saveCard: true });
    await buy(a.token, 'pay', { country: 'KP' });
    await buy(a.token, 'decline');
    const paymentId = (await rowsOf([a.accountId])).map((r) => r.details).find((d) => d.purchaseId === bought && typeof d.paymentId === 'string')?.paymentId as string;
    expect(paymentId).toBeTruthy();
    await (s.credits.payments as TestPaymentProvider).refund(paymentId);
    await until('the refund', async () => (await rowsOf([a.accountId])).some((r) => r.kind === 'refund' && r.details.reason === 'refunded'));
    // training for credits: held and settled like a run
    const t = await s.as(a.token, 'POST', '/v1/trainings', { name: 'paid', images: images(5), modelId: 'ai-photos-train', approvedMc: 20_000 });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    await s.credits.trainer.idle();
    await until('the training charge', async () => (await rowsOf([a.accountId])).some((r) => r.kind === 'capture' && r.ref === t.body.generationId));
    // auto top-up: a run's hold crosses the threshold, and a pack is bought with the saved card
    const w = walletSchema.parse((await s.as(a.token, 'GET', '/v1/wallet')).body);
    expect((await s.as(a.token, 'PUT', '/v1/auto-top-up', { enabled: true, packId: 'pack-1100', thresholdMc: w.availableMc - 500, cap: { kind: 'count', count: 1 }, country: 'US' })).status).toBe(200);
    expect((await run(a.token, 'a harbour')).status).toBe(201);
    await s.credits.runner.idle();
    await until('the auto top-up', async () => (await rowsOf([a.accountId])).some((r) => r.kind === 'purchase' && r.details.reason === 'auto_top_up'));

    // a subscription the operator starts (a grant), and one paid at checkout (a purchase)
    const b = await s.newAccount('free');
    expect((await s.admin('PUT', `/admin/accounts/${b.accountId}/plan`, { planId: 'starter', period: 'weekly' })).status).toBe(200);
    const c = await s.newAccount('free');
    const sub = await s.as(c.token, 'POST', '/v1/subscription', { planId: 'starter', period: 'weekly', country: 'US' });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    await checkout(sub.body.id, 'pay');
    await until('the subscription', async () => (await rowsOf([c.accountId])).some((r) => r.kind === 'purchase'));

    // two days on, the daily credits expire (read through the wallet)
    const d = await s.newAccount('free');
    expect(walletSchema.parse((await s.as(d.token, 'GET', '/v1/wallet')).body).grants.some((g) => g.kind === 'daily')).toBe(true);
    expect((await s.admin('POST', '/admin/clock', { advanceMs: 2 * MS_PER_DAY })).status).toBe(200);
    for (const acct of [a, b, c, d]) expect((await s.as(acct.token, 'GET', '/v1/wallet')).status).toBe(200);

    const rows = await rowsOf([a.accountId, b.accountId, c.accountId, d.accountId]);
    const seen = new Set<LedgerKind>();
    for (const r of rows) {
      const kind = r.kind as LedgerKind;
      seen.add(kind);
      // exactly the kind's shape: every field it requires, and no field it does not declare
      const strict = LEDGER_DETAILS[kind].strict().safeParse(r.details);
      expect(strict.success, `${kind} ${JSON.stringify(r.details)}: ${strict.error?.message}`).toBe(true);
      // and read back as written
      const read = ledgerEntrySchema.parse({ id: r.id, kind, amountMc: r.amountMc, atMs: r.atMs, grantId: r.grantId, ref: r.ref, details: r.details });
      expect(JSON.parse(JSON.stringify(read.details))).toEqual(r.details);
    }
    // every kind but adjustment, which this server never writes
    expect([...seen].sort()).toEqual(LEDGER_KINDS.filter((k) => k !== 'adjustment').sort());
    const purchases = rows.filter((r) => r.kind === 'purchase').map((r) => r.details);
    expect(purchases).toEqual(expect.arrayContaining([expect.objectContaining({ grantKind: 'pack', reason: 'auto_top_up' }), expect.objectContaining({ grantKind: 'subscription', period: 'weekly' })]));
    const refunds = rows.filter((r) => r.kind === 'refund').map((r) => r.details.reason);
    expect(refunds.sort()).toEqual(['country_not_allowed', 'refunded']);
    expect(rows.some((r) => r.kind === 'grant' && r.details.grantKind === 'subscription' && r.accountId === b.accountId)).toBe(true);
    expect(rows.some((r) => r.kind === 'expiry' && r.details.grantKind === 'daily')).toBe(true);
    expect(rows.filter((r) => r.kind === 'void').map((r) => r.details.reason)).toEqual(['engine_failed']);
    // what the database holds for one account is what the API serves
    const served = (await s.as(a.token, 'GET', '/v1/ledger?limit=1000')).body.items as { id: number; details: unknown }[];
    const own = await s.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, a.accountId)).orderBy(ledgerEntries.id);
    expect(served.map((e) => e.details)).toEqual(own.map((r) => r.details));
  }, 120_000);
});
