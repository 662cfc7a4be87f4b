// Subscriptions on PGlite and PostgreSQL with the test provider and the operator: periods and their credits, renewals once per invoice, grace, cancel and resume, upgrade, downgrade, legacy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';
import { defaultCatalog } from '../../shared/catalog/index';
import type { Catalog } from '../../shared/catalog/schema';
import { MS_PER_DAY } from '../../shared/rules/schedule';
import { RENEWAL_GRACE_MS } from '../../shared/rules/subscriptions';
import type { TestPaymentProvider } from '../payments/test-provider';
import { resumeSubscription } from './change';
import { subscriptionOf } from './service';

const WEEK = 7 * MS_PER_DAY;

/** The default catalog, with daily credits on Pro and a monthly bonus on Starter, so that both show. */
function testCatalog(): Catalog {
  const c = structuredClone(defaultCatalog);
  c.plans.find((p) => p.id === 'pro')!.dailyFreeMc = 30_000;
  c.plans.find((p) => p.id === 'starter')!.monthlyBonusMc = 5_000;
  return c;
}

describe.each(DRIVERS)('subscriptions on %s', (driver) => {
  let s: TestServer;
  let provider: TestPaymentProvider;
  beforeAll(async () => {
    s = await startServer(driver, { catalog: testCatalog(), clockMs: Date.parse('2026-11-22T12:00:00Z') });
    provider = s.credits.payments as TestPaymentProvider;
  });
  afterAll(async () => {
    await s?.close();
  });

  const pay = (purchaseId: string) => fetch(`${s.url}/checkout/test/${purchaseId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"action":"pay"}' }).then(async (r) => (await r.json()) as any);
  const advance = (advanceMs: number) => s.admin('POST', '/admin/clock', { advanceMs });
  const wallet = async (token: string) => (await s.as(token, 'GET', '/v1/wallet')).body;
  const sub = async (token: string) => (await s.as(token, 'GET', '/v1/subscription')).body;
  const kindTotal = (w: any, kind: string) => w.grants.filter((g: any) => g.kind === kind).reduce((t: number, g: any) => t + g.remainingMc, 0);

  async function subscribe(planId = 'starter', period = 'weekly', plan = 'free') {
    const acct = await s.newAccount(plan);
    const r = await s.as(acct.token, 'POST', '/v1/subscription', { planId, period, country: 'US' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ kind: 'subscription', planId, period, status: 'pending' });
    expect((await pay(r.body.id)).status).toBe('paid');
    return { ...acct, purchaseId: r.body.id as string };
  }

  it('a paid checkout starts the plan and grants its period credits, expiring at the period end', async () => {
    const a = await subscribe();
    const view = await sub(a.token);
    expect(view).toMatchObject({ planId: 'starter', period: 'weekly', status: 'active', cancelAtPeriodEnd: false, nextPlanId: null });
    expect(view.currentPeriodEndMs - view.currentPeriodStartMs).toBe(WEEK);
    const w = await wallet(a.token);
    expect(w.planId).toBe('starter');
    expect(w.grants.filter((g: any) => g.kind === 'subscription')).toEqual([expect.objectContaining({ amountMc: 200_000, paid: true, expiresAtMs: view.currentPeriodEndMs })]);
    // the monthly bonus of the plan, once a month
    expect(kindTotal(w, 'bonus')).toBe(5_000);
    const receipt = (await s.as(a.token, 'GET', '/v1/ledger')).body.items.filter((e: any) => e.kind === 'purchase');
    expect(receipt).toEqual([expect.objectContaining({ amountMc: 200_000, details: expect.objectContaining({ priceMinor: 499, currency: 'USD', purchaseId: a.purchaseId }) })]);
    expect(await subscriptionOf(s.database.db, a.accountId, s.clock.now())).toEqual({ planId: 'starter', period: 'weekly', currentPeriodStartMs: view.currentPeriodStartMs, currentPeriodEndMs: view.currentPeriodEndMs, status: 'active', cancelAtPeriodEnd: false });
    expect((await s.as(a.token, 'POST', '/v1/subscription', { planId: 'pro', period: 'weekly', country: 'US' })).body.error.code).toBe('already_subscribed');
  });

  it('renews at the period end through the provider, once per invoice; a failed renewal keeps the plan 3 days, then Free', async () => {
    const a = await subscribe();
    const first = await sub(a.token);
    await advance(WEEK);
    const renewed = await sub(a.token);
    expect(renewed).toMatchObject({ status: 'active', currentPeriodStartMs: first.currentPeriodEndMs, currentPeriodEndMs: first.currentPeriodEndMs + WEEK });
    const grants = (await wallet(a.token)).grants.filter((g: any) => g.kind === 'subscription' && g.remainingMc > 0);
    expect(grants).toEqual([expect.objectContaining({ amountMc: 200_000, expiresAtMs: renewed.currentPeriodEndMs })]);
    // the provider delivers the same invoice again: nothing more
    const ref = `sub_test_${a.purchaseId.slice(4)}`;
    await provider.renew(ref, renewed.currentPeriodStartMs, renewed.currentPeriodEndMs);
    expect(kindTotal(await wallet(a.token), 'subscription')).toBe(200_000);

    provider.failingRenewals.add(ref);
    await advance(WEEK);
    const late = await sub(a.token);
    expect(late).toMatchObject({ status: 'past_due', planId: 'starter', graceUntilMs: renewed.currentPeriodEndMs + RENEWAL_GRACE_MS });
    expect(kindTotal(await wallet(a.token), 'subscription')).toBe(0);
    await advance(RENEWAL_GRACE_MS);
    expect(await sub(a.token)).toMatchObject({ status: 'none', planId: 'free', period: null });
    expect((await wallet(a.token)).planId).toBe('free');
  });

  it('cancel keeps the plan to the end of the paid period, then Free with no renewal', async () => {
    const a = await subscribe();
    const before = await sub(a.token);
    const r = await s.as(a.token, 'POST', '/v1/subscription/cancel', {});
    expect(r.status).toBe(200);
    expect(r.body.subscription).toMatchObject({ cancelAtPeriodEnd: true, planId: 'starter' });
    expect(r.body.effect).toContain(new Date(before.currentPeriodEndMs).toISOString().slice(0, 10));
    expect(provider.canceledSubscriptions).toContainEqual({ ref: `sub_test_${a.purchaseId.slice(4)}`, atPeriodEnd: true });
    await advance(WEEK);
    expect(await sub(a.token)).toMatchObject({ status: 'none', planId: 'free' });
    expect(kindTotal(await wallet(a.token), 'subscription')).toBe(0);
  });

  it('a cancel is resumed until the period ends, at the provider too, and the plan renews again; nothing to resume or a period ended is a 409', async () => {
    const a = await subscribe();
    const ref = `sub_test_${a.purchaseId.slice(4)}`;
    const before = await sub(a.token);
    const nothing = await s.as(a.token, 'POST', '/v1/subscription/resume', {});
    expect([nothing.status, nothing.body.error.code]).toEqual([409, 'nothing_to_resume']);
    expect((await s.as(a.token, 'POST', '/v1/subscription/cancel', {})).status).toBe(200);
    expect((await wallet(a.token)).subscription).toMatchObject({ planId: 'starter', cancelAtPeriodEnd: true, currentPeriodEndMs: before.currentPeriodEndMs });

    const r = await s.as(a.token, 'POST', '/v1/subscription/resume', {});
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.subscription).toMatchObject({ planId: 'starter', period: 'weekly', status: 'active', cancelAtPeriodEnd: false });
    const endDay = new Date(before.currentPeriodEndMs).toISOString().slice(0, 10);
    expect(r.body.effect).toContain(`Starter (weekly) stays, and renews on ${endDay}. Price: $4.99 a week, charged on ${endDay}`);
    expect(provider.resumedSubscriptions).toContain(ref);
    expect((await wallet(a.token)).subscription).toMatchObject({ cancelAtPeriodEnd: false });
    // renewed at the period end as if it had never been cancelled
    await advance(WEEK);
    expect(await sub(a.token)).toMatchObject({ planId: 'starter', status: 'active', cancelAtPeriodEnd: false, currentPeriodStartMs: before.currentPeriodEndMs });
    expect(kindTotal(await wallet(a.token), 'subscription')).toBe(200_000);

    // cancelled again: past the period's end it cannot be resumed, whether the schedule has ended it yet or not
    expect((await s.as(a.token, 'POST', '/v1/subscription/cancel', {})).status).toBe(200);
    const deps = { catalog: testCatalog(), provider, baseUrl: s.url };
    const renewed = await sub(a.token);
    await expect(s.database.db.transaction((tx) => resumeSubscription(tx, deps, a.accountId, renewed.currentPeriodEndMs))).rejects.toMatchObject({ kind: 'conflict', code: 'subscription_period_ended' });
    await advance(WEEK);
    const late = await s.as(a.token, 'POST', '/v1/subscription/resume', {});
    expect([late.status, late.body.error.code]).toEqual([409, 'subscription_period_ended']);
    expect(late.body.error.message).toContain(new Date(renewed.currentPeriodEndMs).toISOString().slice(0, 10));
    const w = await wallet(a.token);
    expect([w.planId, w.subscription]).toEqual(['free', null]);
    const none = await s.newAccount('free');
    expect((await s.as(none.token, 'POST', '/v1/subscription/resume', {})).body.error.code).toBe('nothing_to_resume');
  });

  it('an upgrade is paid now and changes entitlements at once, today\'s daily credits too; a downgrade waits for the period end', async () => {
    const a = await subscribe('starter', 'weekly', 'free');
    const starter = await sub(a.token);
    const up = await s.as(a.token, 'POST', '/v1/subscription/change', { planId: 'pro', period: 'weekly' });
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(up.body.purchase).toMatchObject({ planId: 'pro', status: 'pending', priceMinor: 999 });
    expect(up.body.effect).toMatch(/Pro starts as soon as it is paid/);
    await pay(up.body.purchase.id);
    const pro = await sub(a.token);
    expect(pro).toMatchObject({ planId: 'pro', status: 'active' });
    expect(provider.canceledSubscriptions).toContainEqual({ ref: `sub_test_${a.purchaseId.slice(4)}`, atPeriodEnd: false });
    const w = await wallet(a.token);
    expect(w.planId).toBe('pro');
    expect(kindTotal(w, 'daily')).toBe(30_000);
    expect(kindTotal(w, 'subscription')).toBe(200_000 + 450_000);
    expect(starter.planId).toBe('starter');

    const down = await s.as(a.token, 'POST', '/v1/subscription/change', { planId: 'starter', period: 'weekly' });
    expect(down.body.subscription).toMatchObject({ planId: 'pro', nextPlanId: 'starter', nextPeriod: 'weekly' });
    expect(down.body.effect).toContain(new Date(pro.currentPeriodEndMs).toISOString().slice(0, 10));
    expect((await wallet(a.token)).planId).toBe('pro');
    await advance(WEEK);
    expect(await sub(a.token)).toMatchObject({ planId: 'starter', nextPlanId: null, status: 'active' });
    expect((await wallet(a.token)).planId).toBe('starter');
  });

  it('refuses a legacy plan to anyone not on it, an unknown plan, a period not sold, and a country outside the list', async () => {
    const a = await s.newAccount('free');
    const legacy = await s.as(a.token, 'POST', '/v1/subscription', { planId: 'legacy-early-bird', period: 'monthly', country: 'US' });
    expect(legacy.status).toBe(409);
    expect(legacy.body.error.code).toBe('plan_not_available');
    expect((await s.as(a.token, 'POST', '/v1/subscription', { planId: 'gold', period: 'weekly', country: 'US' })).body.error.code).toBe('unknown_plan');
    expect((await s.as(a.token, 'POST', '/v1/subscription', { planId: 'pro', period: 'monthly', country: 'US' })).body.error.code).toBe('period_not_offered');
    expect((await s.as(a.token, 'POST', '/v1/subscription', { planId: 'free', period: 'weekly', country: 'US' })).body.error.code).toBe('plan_not_billable');
    expect((await s.as(a.token, 'POST', '/v1/subscription', { planId: 'pro', period: 'weekly', country: 'CN' })).body.error.code).toBe('country_not_allowed');
    expect((await s.as(a.token, 'POST', '/v1/subscription/cancel', {})).body.error.code).toBe('no_subscription');
    expect(await sub(a.token)).toMatchObject({ planId: 'free', period: null, status: 'none', pendingPurchaseId: null });
  });

  it('the operator starts, renews and ends a subscription with the same effects; a legacy plan left cannot come back', async () => {
    const { accountId, token } = await s.newAccount('legacy-early-bird');
    const set = await s.admin('PUT', `/admin/accounts/${accountId}/plan`, { planId: 'pro', period: 'weekly' });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(kindTotal(set.body, 'subscription')).toBe(450_000);
    // the same plan again changes nothing
    expect(kindTotal((await s.admin('PUT', `/admin/accounts/${accountId}/plan`, { planId: 'pro', period: 'weekly' })).body, 'subscription')).toBe(450_000);
    expect((await s.admin('PUT', `/admin/accounts/${accountId}/plan`, { planId: 'legacy-early-bird' })).body.error.code).toBe('plan_not_available');
    expect((await s.admin('POST', `/admin/accounts/${accountId}/subscription/renew`, {})).body.error.code).toBe('not_due');
    const start = await sub(token);
    await advance(WEEK);
    expect(await sub(token)).toMatchObject({ planId: 'pro', status: 'active', currentPeriodStartMs: start.currentPeriodEndMs });
    expect(kindTotal(await wallet(token), 'subscription')).toBe(450_000);
    const ended = await s.admin('POST', `/admin/accounts/${accountId}/subscription/end`, {});
    expect(ended.body).toMatchObject({ planId: 'free', status: 'none' });
    expect((await s.admin('POST', `/admin/accounts/${accountId}/subscription/end`, {})).body.error.code).toBe('no_subscription');
  });
});
