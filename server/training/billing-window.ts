// The period a training allowance is counted in. Today from the account's plan and the catalog; the one place to point at subscriptions later.
import { eq } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { findPlan } from '../../shared/catalog/schema';
import { allowancePeriodOf, utcWeekOf, yearFromAnchorOf, type AllowancePeriod } from '../../shared/rules/training';
import { accounts } from '../db/schema';
import type { Db, Tx } from '../db/open';
import { notFound } from '../http/errors';

export interface BillingWindow {
  planId: string;
  /** null: the plan has no training allowance */
  period: AllowancePeriod | null;
  windowStartMs: number;
  windowEndMs: number;
}

/**
 * The account's current billing window at `nowMs` (server clock): weekly plans count Monday 00:00 UTC weeks, yearly ones
 * years from the account's creation. Derived from accounts.plan_id and the plan's billing options in the catalog, because
 * there are no subscription records yet; when there are, this reads the subscription's period instead.
 */
export async function billingWindowOf(tx: Db | Tx, accountId: string, nowMs: number, catalog: Catalog): Promise<BillingWindow> {
  const [account] = await tx.select({ planId: accounts.planId, createdAtMs: accounts.createdAtMs }).from(accounts).where(eq(accounts.id, accountId));
  if (!account) throw notFound(`account ${accountId}`);
  const plan = findPlan(catalog, account.planId);
  const period = plan ? allowancePeriodOf(plan) : null;
  if (period === 'weekly') {
    const w = utcWeekOf(nowMs);
    return { planId: account.planId, period, windowStartMs: w.startMs, windowEndMs: w.endMs };
  }
  if (period === 'yearly') {
    const y = yearFromAnchorOf(account.createdAtMs, nowMs);
    return { planId: account.planId, period, windowStartMs: y.startMs, windowEndMs: y.endMs };
  }
  return { planId: account.planId, period: null, windowStartMs: nowMs, windowEndMs: nowMs };
}
