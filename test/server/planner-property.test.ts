// The planner against a real server with a test clock: random plans replayed through both show the same runs, charges, funding grants, expiries and subscription grants, to the millicredit, with a subscription that renews, is cancelled or downgraded.
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

describe.each(DRIVERS)('planner = server on %s', (driver) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(driver);
  });
  afterAll(async () => {
    await s.close();
  });

  it('random plans: same runs, charges, funding grants, expiries and subscription grants, after a renewal, a cancel or a downgrade', { timeout: 240_000 }, async () => {
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
        const start: Wallet = walletSchema.parse((await s.as(token, 'GET', '/v1/wallet')).body);
        expect(start.subscription === null || start.subscription?.planId === start.planId).toBe(true);
        const lines: PlanLine[] = sc.lines.map((l, i) => ({ id: `l${i}`, request: { modelId: l.modelId, prompt: 'p' }, count: l.count, perDay: l.perDay }));
        const plan = planCosts({ catalog: defaultCatalog, planId: start.planId, grants: start.grants, subscription: start.subscription, nowMs: start.serverTimeMs, lines, horizonDays });

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
              const g = generationSchema.parse((await s.as(token, 'GET', `/v1/generations/${r.body.id}`)).body);
              funded[i]!.runs++;
              funded[i]!.chargedMc += g.chargedMc ?? 0;
              for (const f of g.funding) {
                const k = keyOf(f.grantId, f.kind, kindOf.get(f.grantId)?.effectiveAtMs);
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
        const serverRenewals = ledger.filter((e) => e.kind === 'grant' && e.details.grantKind === 'subscription').map((e) => `${e.amountMc} ${e.details.periodStartMs}-${e.details.periodEndMs}`);
        const plannedRenewals = plan.projectedGrants.filter((g) => g.kind === 'subscription').map((g) => `${g.amountMc} ${g.effectiveAtMs}-${g.expiresAtMs}`);
        expect(plannedRenewals).toEqual(serverRenewals);
        const serverExpiries = ledger.filter((e) => e.kind === 'expiry').map((e) => `${keyOf(e.grantId!, String(e.details.grantKind), kindOf.get(e.grantId!)?.effectiveAtMs)} ${-e.amountMc} @${e.atMs}`).sort();
        const plannedExpiries = plan.expiries.map((e) => `${keyOf(e.grantId, e.kind, plan.projectedGrants.find((g) => g.id === e.grantId)?.effectiveAtMs ?? kindOf.get(e.grantId)?.effectiveAtMs)} ${e.expiredMc} @${e.atMs}`).sort();

        for (const [i, l] of plan.lines.entries()) {
          const planned = new Map(l.funding.map((f) => [keyOf(f.grantId, f.kind, plan.projectedGrants.find((g) => g.id === f.grantId)?.effectiveAtMs ?? kindOf.get(f.grantId)?.effectiveAtMs), f.amountMc]));
          expect({ line: i, runs: l.runsFunded, chargedMc: l.chargedMc, funding: Object.fromEntries(planned) }).toEqual({ line: i, runs: funded[i]!.runs, chargedMc: funded[i]!.chargedMc, funding: Object.fromEntries(funded[i]!.funding) });
        }
        expect(plannedExpiries).toEqual(serverExpiries);
      }),
      {
        numRuns: Number(process.env.PLANNER_RUNS ?? (driver === 'pglite' ? 12 : 6)), seed: Number(process.env.PLANNER_SEED ?? 20261126),
        // a cancel and a downgrade are always among them, each ending on a day the plan spends on (Free's limits and daily credits after the cancel)
        examples: [
          [{ planId: 'free', grants: [{ kind: 'pack', credits: 40, expiresInDays: null }], lines: [{ modelId: 'flux-dev', count: 12, perDay: 3 }], horizonDays: 4, subscription: { planId: 'starter', change: 'cancel', endsInDays: 2 } }],
          [{ planId: 'free', grants: [{ kind: 'bonus', credits: 5, expiresInDays: 2 }], lines: [{ modelId: 'recraft-v3', count: 6, perDay: 2 }], horizonDays: 3, subscription: { planId: 'pro', change: 'downgrade-weekly', endsInDays: 1 } }],
        ],
      },
    );
  });
});
