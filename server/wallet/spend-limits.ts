// Spend limits on the server: each window's spend counted under the account's lock (captures charged in it, open holds taken in it), the refusal a hold gets, and setting the limits.
import { eq, sql } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { bindingLimit, spendLimitRefusal, spendWindowOf, limitApplies, runScopeOf, type RunScope, type SpendLimit, type SpendLimitState, type SpendWindow } from '../../shared/rules/spend-limits';
import type { Db, Tx } from '../db/open';
import { accounts, generations, holds } from '../db/schema';
import { DomainError } from '../errors';

/** a row of the statement below (a type, not an interface: drizzle's execute wants a Record) */
type SpendRow = {
  model_id: string | null;
  workflow_id: string | null;
  day_spent: string | number;
  day_held: string | number;
  week_spent: string | number;
  week_held: string | number;
  month_spent: string | number;
  month_held: string | number;
};

/**
 * The spend of every window, by model or workflow, in one statement: a capture counts in the window it was charged in (its hold
 * settled), an open hold in the window it was taken in at its held amount; a voided hold counts nothing.
 */
async function spendRows(tx: Db | Tx, accountId: string, nowMs: number): Promise<SpendRow[]> {
  const day = spendWindowOf('day', nowMs).startMs;
  const week = spendWindowOf('week', nowMs).startMs;
  const month = spendWindowOf('month', nowMs).startMs;
  const from = Math.min(week, month);
  const sums = (start: number, name: string) => sql.raw(`
    coalesce(sum(CASE WHEN h.status = 'captured' AND h.settled_at_ms >= ${start} THEN coalesce(g.charged_mc, 0) ELSE 0 END), 0) AS ${name}_spent,
    coalesce(sum(CASE WHEN h.status = 'active' AND h.created_at_ms >= ${start} THEN h.amount_mc ELSE 0 END), 0) AS ${name}_held`);
  const result = await tx.execute<SpendRow>(sql`
    SELECT g.model_id, g.workflow_id, ${sums(day, 'day')}, ${sums(week, 'week')}, ${sums(month, 'month')}
    FROM ${holds} h JOIN ${generations} g ON g.id = h.generation_id
    WHERE h.account_id = ${accountId}
      AND ((h.status = 'active' AND h.created_at_ms >= ${from}) OR (h.status = 'captured' AND h.settled_at_ms >= ${from}))
    GROUP BY g.model_id, g.workflow_id`);
  return result.rows;
}

/** Each limit with its window's spend now. Read under the account's lock, the numbers cannot move until the transaction ends. */
export async function spendStates(tx: Db | Tx, catalog: Catalog, accountId: string, limits: readonly SpendLimit[], nowMs: number): Promise<SpendLimitState[]> {
  if (limits.length === 0) return [];
  const rows = await spendRows(tx, accountId, nowMs);
  return limits.map((l) => {
    const w = spendWindowOf(l.window, nowMs);
    let spentMc = 0;
    let heldMc = 0;
    for (const r of rows) {
      if (!limitApplies(l.scope, runScopeOf(catalog, r.model_id, r.workflow_id))) continue;
      spentMc += Number(r[`${l.window}_spent` as `${SpendWindow}_spent`]);
      heldMc += Number(r[`${l.window}_held` as `${SpendWindow}_held`]);
    }
    return { ...l, spentMc, heldMc, windowStartMs: w.startMs, resetsAtMs: w.endMs };
  });
}

/** Refuses a hold of `amountMc` that would take a window's spend past a limit (403 spend_limit_reached, naming it). */
export async function refuseOverSpendLimit(tx: Db | Tx, catalog: Catalog, accountId: string, limits: readonly SpendLimit[], run: RunScope, amountMc: number, nowMs: number): Promise<void> {
  if (limits.length === 0) return;
  const binding = bindingLimit(await spendStates(tx, catalog, accountId, limits, nowMs), run, amountMc, nowMs);
  if (!binding) return;
  const r = spendLimitRefusal(binding, amountMc, (id) => catalog.models.find((m) => m.id === id)?.name);
  throw new DomainError('not_allowed', r.code, r.message, r.details);
}

/**
 * Replaces the limits one side set (the user's, or the operator's), keeping the other side's; under the account's lock, so a hold
 * in progress sees either the old limits or the new. A lowered limit refuses new holds only: nothing already held is taken back.
 */
export async function setSpendLimits(tx: Tx, accountId: string, current: readonly SpendLimit[], setBy: SpendLimit['setBy'], limits: readonly Omit<SpendLimit, 'setBy'>[]): Promise<SpendLimit[]> {
  const next = [...current.filter((l) => l.setBy !== setBy), ...limits.map((l) => ({ window: l.window, scope: l.scope, limitMc: l.limitMc, setBy }))];
  if (next.length > 20) throw new DomainError('invalid', 'too_many_limits', 'an account holds at most 20 spend limits, the user\'s and the operator\'s together');
  await tx.update(accounts).set({ spendLimits: next }).where(eq(accounts.id, accountId));
  return next;
}


