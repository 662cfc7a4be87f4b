// What the wallet shows of auto top-up (the settings, the saved card, a pause, this month's top-ups against the cap), read from the purchases it made.
import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import type { AutoTopUpView } from '../../shared/api/auto-top-up';
import { capMonthOf } from '../../shared/rules/auto-top-up';
import { spendWindowOf } from '../../shared/rules/spend-limits';
import type { AccountRow } from '../accounts/service';
import type { Tx } from '../db/open';
import { purchases } from '../db/schema';

/** This month's auto top-ups that count against the cap (paid, or still pending): how many, and what they cost. */
export async function monthOf(tx: Tx, accountId: string, nowMs: number): Promise<{ count: number; amountMinor: number; currency: string | null }> {
  const rows = await tx
    .select({ n: sql<string>`count(*)`, amount: sql<string>`coalesce(sum(${purchases.priceMinor}), 0)`, currency: sql<string | null>`min(${purchases.currency})` })
    .from(purchases)
    .where(and(eq(purchases.accountId, accountId), eq(purchases.reason, 'auto_top_up'), inArray(purchases.status, ['pending', 'paid']), gte(purchases.createdAtMs, spendWindowOf('month', nowMs).startMs)));
  const r = rows[0]!;
  return { count: Number(r.n), amountMinor: Number(r.amount), currency: r.currency };
}

/** What the wallet shows of auto top-up: the settings, the saved card, why it is paused, this month against the cap. */
export async function autoTopUpViewOf(tx: Tx, account: AccountRow, nowMs: number): Promise<AutoTopUpView | null> {
  const rec = account.autoTopUp;
  const card = account.savedMethod ? { brand: account.savedMethod.brand, last4: account.savedMethod.last4 } : null;
  if (!rec && !card) return null;
  const month = rec ? await monthOf(tx, account.id, nowMs) : { count: 0, amountMinor: 0, currency: null };
  return {
    settings: rec?.settings ?? null,
    card,
    paused: rec?.paused ?? null,
    month: { count: month.count, amountMinor: month.amountMinor, capReached: rec?.capToldMonth === capMonthOf(nowMs) },
  };
}
