// The training allowance, counted like money: a use entry when a job starts, a return entry when it fails or is canceled, summed per period window.
import { and, eq, sql } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { findPlan } from '../../shared/catalog/schema';
import type { TrainingAllowance, Wallet } from '../../shared/api/index';
import { allowancePerPeriod, allowanceState } from '../../shared/rules/training';
import { trainingAllowanceEntries } from '../db/schema';
import type { Db, Tx } from '../db/open';
import type { SubscriptionState } from '../subscriptions/service';
import { billingWindowOf, type BillingWindow } from './billing-window';

/** Units used in a window: uses minus returns. */
export async function usedInWindow(tx: Db | Tx, accountId: string, w: BillingWindow): Promise<number> {
  if (!w.period) return 0;
  const [row] = await tx
    .select({ used: sql<string>`coalesce(sum(${trainingAllowanceEntries.units}), 0)` })
    .from(trainingAllowanceEntries)
    .where(and(eq(trainingAllowanceEntries.accountId, accountId), eq(trainingAllowanceEntries.period, w.period), eq(trainingAllowanceEntries.windowStartMs, w.windowStartMs)));
  return Number(row?.used ?? 0);
}

/** The allowance of the account's plan in the window containing `nowMs`. */
export async function allowanceOf(tx: Db | Tx, accountId: string, catalog: Catalog, nowMs: number, known?: SubscriptionState): Promise<TrainingAllowance & { window: BillingWindow }> {
  const w = await billingWindowOf(tx, accountId, nowMs, catalog, known);
  const plan = findPlan(catalog, w.planId);
  const allowance = plan ? allowancePerPeriod(plan, w.period) : 0;
  const used = await usedInWindow(tx, accountId, w);
  return { ...allowanceState(allowance > 0 ? w.period : null, allowance, used, w.windowEndMs), window: w };
}

/** Records a use (under the account's lock, after checking what is left). */
export async function recordUse(tx: Tx, accountId: string, trainingId: string, w: BillingWindow, nowMs: number): Promise<void> {
  if (!w.period) throw new Error('a training allowance use needs a period');
  await tx.insert(trainingAllowanceEntries).values({ accountId, trainingId, kind: 'use', units: 1, period: w.period, windowStartMs: w.windowStartMs, windowEndMs: w.windowEndMs, atMs: nowMs });
}

/**
 * Gives a job's unit back to the window it was taken from (a return in a later period does not add to that one: no rollover).
 * Once per job: a second return, or a return for a job that used none, does nothing. True if it returned one.
 */
export async function recordReturn(tx: Tx, trainingId: string, nowMs: number, reason: string): Promise<boolean> {
  const [use] = await tx.select().from(trainingAllowanceEntries).where(and(eq(trainingAllowanceEntries.trainingId, trainingId), eq(trainingAllowanceEntries.kind, 'use')));
  if (!use) return false;
  const rows = await tx
    .insert(trainingAllowanceEntries)
    .values({ accountId: use.accountId, trainingId, kind: 'return', units: -1, period: use.period, windowStartMs: use.windowStartMs, windowEndMs: use.windowEndMs, atMs: nowMs, reason })
    .onConflictDoNothing()
    .returning({ id: trainingAllowanceEntries.id });
  return rows.length === 1;
}

/** An account's allowance entries, oldest first (for tests and support). */
export async function allowanceEntries(tx: Db | Tx, accountId: string, limit = 1000) {
  return tx.select().from(trainingAllowanceEntries).where(eq(trainingAllowanceEntries.accountId, accountId)).orderBy(trainingAllowanceEntries.id).limit(limit);
}

/** The wallet with its training allowance, read at the wallet's own server time (`known`: the subscription, when read already). */
export async function withTrainingAllowance(db: Db, catalog: Catalog, wallet: Wallet, known?: SubscriptionState): Promise<Wallet> {
  // The wallet's plan was read with it: a plan without any training allowance needs no read (its subscription's plan is the same).
  const plan = findPlan(catalog, wallet.planId);
  if (plan && !((plan.trainingAllowance.perWeek ?? 0) > 0 || (plan.trainingAllowance.perYear ?? 0) > 0)) {
    return { ...wallet, training: allowanceState(null, 0, 0, wallet.serverTimeMs) };
  }
  const { window: _w, ...training } = await allowanceOf(db, wallet.accountId, catalog, wallet.serverTimeMs, known);
  return { ...wallet, training };
}
