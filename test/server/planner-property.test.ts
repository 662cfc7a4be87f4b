// The planner against a real server with a test clock: random plans replayed through both show the same runs, charges, funding grants, expiries and subscription grants, to the millicredit, with a subscription that renews, is cancelled or downgraded, and with auto top-up.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../shared/catalog/index';
import { generationSchema, ledgerPageSchema, walletSchema, type Wallet } from '../../shared/api/index';
import { planCosts, type PlanLine } from '../../shared/rules/planner';
import { estimate } from '../../shared/rules/pricing';
import { MS_PER_DAY, startOfUtcDay } from '../../shared/rules/schedule';
import { DRIVERS, startServer, type TestServer } from './helpers';

const MODELS = ['flux-schnell', 'flux-dev', 'recraft-v3'];
const scenario = fc.record({
  planId: fc.constantFrom('free', 'starter', 'pro'),
  grants: fc.array(fc.record({ kind: fc.constantFrom('bonus', 'pack', 'adjustment'), credits: fc.integer({ min: 1, max: 60 }), expiresInDays: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }) }), { minLength: 1, maxLength: 3 }),
  lines: fc.array(fc.record({ modelId: fc.constantFrom(...MODELS), count: fc.integer({ min: 1, max: 8 }), perDay: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }) }), { minLength: 1, maxLength: 3 }),
  horizonDays: fc.integer({ min: 1, max: 5 }),
  /** an operator's weekly subscription whose period ends `endsInDays` after the plan starts: left to renew, cancelled, or downgraded at the period end */
  subscription: fc.option(fc.record({
    planId: fc.constantFrom('starter', 'pro'),
    change: fc.constantFrom('renew', 'cancel', 'downgrade-weekly', 'downgrade-yearly'),
    endsInDays: fc.integer({ min: 1, max: 3 }),
  }), { nil: null }),
  /** auto top-up of the 200-credit pack with a card saved at a checkout, its threshold `belowCredits` under the plan's starting balance */
  autoTopUp: fc.option(fc.record({ belowCredits: fc.integer({ min: 0, max: 30 }), cap: fc.integer({ min: 1, max: 2 }) }), { nil: null }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;
const WEEK = 7 * MS_PER_DAY;

/** A grant's name that both sides share: its id for grants that exist now, its kind and start for the daily and subscription ones the days bring. */
const keyOf = (grantId: string, kind: string, effectiveAtMs: number | undefined) => (kind === 'daily' || kind === 'subscription' ? `${kind}@${effectiveAtMs}` : grantId);

/** Cancels (at the period end) or downgrades the subscription as its holder does, and fails the test on a refusal. */
async function changeSubscription(s: TestServer, token: string, change: string): Promise<void> {
  if (change === 'renew') return;
  const r = change === 'cancel' ? await s.as(token, 'POST', '/v1/subscription/cancel', {}) : await s.as(token, 'POST', '/v1/subscription/change', { planId: 'starter', period: change.slice('downgrade-'.length) });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

/**
 * A new account at `t0`; with a subscription, it started (the operator's, weekly) so that its period ends an hour before the plan's
 * day `endsInDays` (the test clock runs on from where it is set, so that day's time is a little later than t0's).
 */
async function newAccountAt(s: TestServer, sc: Scenario, t0: number): Promise<{ accountId: string; token: string }> {
  const sub = sc.subscription && sc.subscription.change.startsWith('downgrade') ? { ...sc.subscription, planId: 'pro' } : sc.subscription;
  if (!sub) {
    await s.admin('POST', '/admin/clock', { setMs: t0 });
    return s.newAccount(sc.planId);
  }
  expect((await s.admin('POST', '/admin/clock', { setMs: t0 + sub.endsInDays * MS_PER_DAY - WEEK - 3_600_000 })).status).toBe(200);
  const account = await s.newAccount(sub.planId);
  expect((await s.admin('PUT', `/admin/accounts/${account.accountId}/plan`, { planId: sub.planId, period: 'weekly' })).status).toBe(200);
  await s.admin('POST', '/admin/clock', { setMs: t0 });
  await changeSubscription(s, account.token, sub.change);
  return account;
}

/** Saves a card at a paid checkout of the 200-credit pack (the test provider's 4242): auto top-up pays with it. */
async function saveCard(s: TestServer, token: string): Promise<void> {
  const p = await s.as(token, 'POST', '/v1/purchases', { packId: 'pack-200', country: 'US', saveCard: true });
  expect(p.status, JSON.stringify(p.body)).toBe(201);
  const paid = await fetch(`${s.url}/checkout/test/${p.body.id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'pay' }) });
  expect(paid.status).toBe(200);
}

/** Waits until no auto top-up is pending (its charge is made after the run's answer), reading the purchases: never a fixed time. */
async function topUpsSettled(s: TestServer, token: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    const items = (await s.as(token, 'GET', '/v1/purchases')).body.items as { reason: string; status: string }[];
    if (!items.some((p) => p.reason === 'auto_top_up' && p.status === 'pending')) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error('an auto top-up stayed pending');
}

describe.each(DRIVERS)('planner = server on %s', (driver) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(driver);
  });
  afterAll(async () => {
    await s.close();
  });

  it('random plans: same runs, charges, funding grants, expiries and subscription grants, after a renewal, a cancel or a downgrade, and with auto top-up', { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        // each scenario starts at 10:00 UTC on a day of its own, so that no day boundary falls between a plan's time and the server's;
        // far enough ahead that a subscription can start a week before (the test clock never goes back)
        const t0 = startOfUtcDay(s.clock.now()) + 9 * MS_PER_DAY + 10 * 3_600_000;
        const { accountId, token } = await newAccountAt(s, sc, t0);
        // the subscription's period ends within the plan's days
        const horizonDays = sc.subscription ? Math.max(sc.horizonDays, sc.subscription.endsInDays + 1) : sc.horizonDays;
        for (const g of sc.grants) {
          const expiresAtMs = g.expiresInDays === null ? null : startOfUtcDay(t0) + g.expiresInDays * MS_PER_DAY;
          await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: String(g.credits), kind: g.kind, expiresAtMs });
        }
        if (sc.autoTopUp) await saveCard(s, token);
        let start: Wallet = walletSchema.parse((await s.as(token, 'GET', '/v1/wallet')).body);
        if (sc.autoTopUp) {
          const thresholdMc = Math.max(1, start.availableMc - sc.autoTopUp.belowCredits * 1_000);
          const on = await s.as(token, 'PUT', '/v1/auto-top-up', { enabled: true, packId: 'pack-200', thresholdMc, cap: { kind: 'count', count: sc.autoTopUp.cap }, country: 'US' });
          expect(on.status, JSON.stringify(on.body)).toBe(200);
          start = walletSchema.parse((await s.as(token, 'GET', '/v1/wallet')).body);
        }
        // a pack an auto top-up bought: named by its order, which both sides share (the server's time runs on a little from the day's)
        const startIds = new Set(start.grants.map((g) => g.id));
        const topUpOrder: string[] = [];
        const key = (grantId: string, kind: string, effectiveAtMs: number | undefined): string => {
          if (kind !== 'pack' || startIds.has(grantId)) return keyOf(grantId, kind, effectiveAtMs);
          const planned = /^topup:\d+:(\d+)$/.exec(grantId);
          if (planned) return `topup#${planned[1]}`;
          if (!topUpOrder.includes(grantId)) topUpOrder.push(grantId);
          return `topup#${topUpOrder.indexOf(grantId)}`;
        };
        expect(start.subscription === null || start.subscription?.planId === start.planId).toBe(true);
        const lines: PlanLine[] = sc.lines.map((l, i) => ({ id: `l${i}`, request: { modelId: l.modelId, prompt: 'p' }, count: l.count, perDay: l.perDay }));
        const plan = planCosts({ catalog: defaultCatalog, planId: start.planId, grants: start.grants, subscription: start.subscription, nowMs: start.serverTimeMs, lines, horizonDays, autoTopUp: start.autoTopUp ?? null });

        // the same attempts on the server: day by day, line by line, each run until it is refused
        const funded = lines.map(() => ({ runs: 0, chargedMc: 0, funding: new Map<string, number>() }));
        const left = lines.map((l) => l.count);
        const kindOf = new Map<string, { kind: string; effectiveAtMs: number }>();
        for (let d = 0; d < horizonDays; d++) {
          if (d > 0) await s.admin('POST', '/admin/clock', { setMs: t0 + d * MS_PER_DAY });
          const w = walletSchema.parse((await s.as(token, 'GET', '/v1/wallet')).body);
          for (const g of w.grants) kindOf.set(g.id, { kind: g.kind, effectiveAtMs: g.effectiveAtMs });
          for (const [i, l] of lines.entries()) {
            if (l.perDay === undefined && d > 0) continue;
            const wanted = l.perDay === undefined ? left[i]! : Math.min(left[i]!, l.perDay);
            left[i] = l.perDay === undefined ? 0 : left[i]! - wanted;
            // the app estimates with the plan in force, which the subscription's end may have changed
            const approvedMc = estimate(l.request, defaultCatalog, w.planId).maxMc;
            for (let n = 0; n < wanted; n++) {
              const r = await s.as(token, 'POST', '/v1/generations', { request: l.request, approvedMc });
              if (r.status !== 201) continue;
              await s.credits.runner.idle();
              await topUpsSettled(s, token);
              const g = generationSchema.parse((await s.as(token, 'GET', `/v1/generations/${r.body.id}`)).body);
              funded[i]!.runs++;
              funded[i]!.chargedMc += g.chargedMc ?? 0;
              for (const f of g.funding) {
                const k = key(f.grantId, f.kind, kindOf.get(f.grantId)?.effectiveAtMs);
                funded[i]!.funding.set(k, (funded[i]!.funding.get(k) ?? 0) + f.amountMc);
              }
            }
          }
        }
        await s.admin('POST', '/admin/clock', { setMs: plan.endMs });
        await s.as(token, 'GET', '/v1/wallet');
        // what happened from the plan's start on
        const ledger = ledgerPageSchema.parse((await s.as(token, 'GET', '/v1/ledger?limit=1000')).body).items.filter((e) => e.id > start.revision);
        for (const e of ledger) if (e.kind === 'grant' && e.grantId && !kindOf.has(e.grantId)) kindOf.set(e.grantId, { kind: String(e.details.grantKind), effectiveAtMs: startOfUtcDay(e.atMs) });
        for (const e of ledger) if (e.kind === 'purchase' && e.grantId && !kindOf.has(e.grantId)) kindOf.set(e.grantId, { kind: 'pack', effectiveAtMs: e.atMs });
        const serverRenewals = ledger.flatMap((e) => (e.kind === 'grant' && e.details.grantKind === 'subscription' ? [`${e.amountMc} ${e.details.periodStartMs}-${e.details.periodEndMs}`] : []));
        const plannedRenewals = plan.projectedGrants.filter((g) => g.kind === 'subscription').map((g) => `${g.amountMc} ${g.effectiveAtMs}-${g.expiresAtMs}`);
        expect(plannedRenewals).toEqual(serverRenewals);
        // the auto top-ups: as many bought, each the same pack, in the same order
        const serverTopUps = ((await s.as(token, 'GET', '/v1/purchases?limit=100')).body.items as { reason: string; status: string; creditsMc: number }[]).filter((p) => p.reason === 'auto_top_up').map((p) => `${p.status} ${p.creditsMc}`);
        const plannedTopUps = plan.projectedGrants.filter((g) => g.id.startsWith('topup:')).map((g) => `paid ${g.amountMc}`);
        expect(plannedTopUps).toEqual(serverTopUps);
        const serverExpiries = ledger.filter((e) => e.kind === 'expiry').map((e) => `${key(e.grantId!, String(e.details.grantKind), kindOf.get(e.grantId!)?.effectiveAtMs)} ${-e.amountMc} @${e.atMs}`).sort();
        const plannedExpiries = plan.expiries.map((e) => `${key(e.grantId, e.kind, plan.projectedGrants.find((g) => g.id === e.grantId)?.effectiveAtMs ?? kindOf.get(e.grantId)?.effectiveAtMs)} ${e.expiredMc} @${e.atMs}`).sort();

        for (const [i, l] of plan.lines.entries()) {
          const planned = new Map(l.funding.map((f) => [key(f.grantId, f.kind, plan.projectedGrants.find((g) => g.id === f.grantId)?.effectiveAtMs ?? kindOf.get(f.grantId)?.effectiveAtMs), f.amountMc]));
          expect({ line: i, runs: l.runsFunded, chargedMc: l.chargedMc, funding: Object.fromEntries(planned) }).toEqual({ line: i, runs: funded[i]!.runs, chargedMc: funded[i]!.chargedMc, funding: Object.fromEntries(funded[i]!.funding) });
        }
        expect(plannedExpiries).toEqual(serverExpiries);
      }),
      {
        numRuns: Number(process.env.PLANNER_RUNS ?? (driver === 'pglite' ? 12 : 6)), seed: Number(process.env.PLANNER_SEED ?? 20261126),
        // a cancel, a downgrade and an auto top-up are always among them, each ending on a day the plan spends on (Free's limits and daily credits after the cancel)
        examples: [
          [{ planId: 'free', grants: [{ kind: 'pack', credits: 40, expiresInDays: null }], lines: [{ modelId: 'flux-dev', count: 12, perDay: 3 }], horizonDays: 4, subscription: { planId: 'starter', change: 'cancel', endsInDays: 2 }, autoTopUp: null }],
          [{ planId: 'free', grants: [{ kind: 'bonus', credits: 5, expiresInDays: 2 }], lines: [{ modelId: 'recraft-v3', count: 6, perDay: 2 }], horizonDays: 3, subscription: { planId: 'pro', change: 'downgrade-weekly', endsInDays: 1 }, autoTopUp: null }],
          // an auto top-up: the second run crosses the threshold, and the cap stops a second one
          [{ planId: 'pro', grants: [{ kind: 'bonus', credits: 10, expiresInDays: 3 }], lines: [{ modelId: 'flux-dev', count: 8, perDay: 4 }], horizonDays: 2, subscription: null, autoTopUp: { belowCredits: 3, cap: 1 } }],
        ],
      },
    );
  });
});
