// Billing periods and the other small vocabularies are one list each: every contract that names a period accepts exactly that list.
import { describe, expect, it } from 'vitest';
import { billingOptionSchema } from '../../shared/catalog/schema';
import { changeSubscriptionBodySchema, purchaseSchema, setPlanBodySchema, startSubscriptionBodySchema, subscriptionViewSchema, trainingAllowanceSchema, trainingSchema, walletSubscriptionSchema } from '../../shared/api/index';
import { ipcMethods } from '../../shared/ipc/contract';
import { BILLING_PERIODS } from '../../shared/rules/schedule';
import { LIVE_SUBSCRIPTION_STATUSES, SUBSCRIPTION_STATUSES } from '../../shared/rules/subscriptions';
import { ALLOWANCE_PERIODS, allowancePeriodOf, TRAINING_FUNDINGS } from '../../shared/rules/training';
import { defaultCatalog } from '../../shared/catalog/index';
import type { z } from 'zod';

/** The words of a field, as the schema accepts them, out of every candidate given. */
const accepted = (schema: z.ZodType, candidates: readonly (string | null)[], wrap: (v: string | null) => unknown) => candidates.filter((v) => schema.safeParse(wrap(v)).success);
const CANDIDATES = ['daily', 'weekly', 'monthly', 'yearly', 'Weekly', 'none', 'active', 'past_due', 'canceled', 'allowance', 'credits', null];

describe('billing periods: BILLING_PERIODS everywhere', () => {
  it('is weekly, monthly, yearly', () => {
    expect(BILLING_PERIODS).toEqual(['weekly', 'monthly', 'yearly']);
  });

  it('the catalog, the API bodies and the IPC calls accept exactly those periods', () => {
    const option = { period: 'weekly', priceMinor: 100, creditsMc: 1000 };
    const shape = billingOptionSchema.safeParse(option);
    expect(shape.success, JSON.stringify(shape.error?.issues)).toBe(true);
    expect(accepted(billingOptionSchema, CANDIDATES, (period) => ({ ...option, period }))).toEqual(BILLING_PERIODS);
    expect(accepted(startSubscriptionBodySchema, CANDIDATES, (period) => ({ planId: 'pro', period, country: 'US' }))).toEqual(BILLING_PERIODS);
    expect(accepted(changeSubscriptionBodySchema, CANDIDATES, (period) => ({ planId: 'pro', period }))).toEqual(BILLING_PERIODS);
    expect(accepted(setPlanBodySchema, CANDIDATES, (period) => ({ planId: 'pro', period }))).toEqual(BILLING_PERIODS);
    expect(accepted(ipcMethods.subscribe.input, CANDIDATES, (period) => ({ planId: 'pro', period, country: 'US' }))).toEqual(BILLING_PERIODS);
    expect(accepted(ipcMethods.changeSubscription.input, CANDIDATES, (period) => ({ planId: 'pro', period }))).toEqual(BILLING_PERIODS);
    expect(accepted(purchaseSchema.shape.period, CANDIDATES, (v) => v)).toEqual([...BILLING_PERIODS, null]);
  });

  it('a training allowance counts per week or per year only: a named subset of the billing periods', () => {
    expect(ALLOWANCE_PERIODS.every((p) => (BILLING_PERIODS as readonly string[]).includes(p))).toBe(true);
    expect(accepted(trainingAllowanceSchema.shape.period, CANDIDATES, (v) => v)).toEqual([...ALLOWANCE_PERIODS, null]);
    for (const plan of defaultCatalog.plans) expect([...ALLOWANCE_PERIODS, null]).toContain(allowancePeriodOf(plan));
  });
});

describe('subscription statuses and training funding', () => {
  it('the view adds none to SUBSCRIPTION_STATUSES; the wallet carries only the live ones', () => {
    expect(accepted(subscriptionViewSchema.shape.status, CANDIDATES, (v) => v)).toEqual(['none', ...SUBSCRIPTION_STATUSES]);
    expect(accepted(walletSubscriptionSchema.shape.status, CANDIDATES, (v) => v)).toEqual([...LIVE_SUBSCRIPTION_STATUSES]);
    expect(LIVE_SUBSCRIPTION_STATUSES).toEqual(['active', 'past_due']);
  });

  it('a training is funded by its allowance or by credits', () => {
    expect(accepted(trainingSchema.shape.funding, CANDIDATES, (v) => v)).toEqual([...TRAINING_FUNDINGS]);
  });
});
