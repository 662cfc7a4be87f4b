// The words a person sees for ledger entry kinds and grant kinds: one copy for the app's pages and its CSV export.
import type { LedgerEntry } from './index';
import type { GrantKind } from '../rules/grants';
import { formatCredits } from '../rules/money';

export const LEDGER_KIND_LABELS: Record<LedgerEntry['kind'], string> = {
  grant: 'Credits added',
  expiry: 'Expired',
  hold: 'Held for a run',
  capture: 'Charged',
  release: 'Returned',
  void: 'Refunded',
  refund: 'Taken back (refund)',
  purchase: 'Purchase',
  adjustment: 'Adjustment',
  payment_failed: 'Payment failed',
};

export const GRANT_KIND_LABELS: Record<GrantKind, string> = {
  daily: 'Daily free',
  trial: 'Signup trial',
  subscription: 'Subscription',
  pack: 'Credit pack',
  bonus: 'Bonus',
  adjustment: 'Adjustment',
};

/** the credits of a grant kind, as a source: "from daily credits, then pack" */
export const FUNDING_SOURCE_WORDS: Record<GrantKind, string> = {
  daily: 'daily credits',
  trial: 'signup credits',
  subscription: 'subscription credits',
  pack: 'pack',
  bonus: 'bonus credits',
  adjustment: 'adjusted credits',
};

/** What a run was charged from, by grant kind in burn order: "daily credits"; "daily credits (2), then pack (1)" when more than one kind paid. */
export function fundingText(lines: readonly { kind: GrantKind; amountMc: number }[]): string {
  if (lines.length === 1) return FUNDING_SOURCE_WORDS[lines[0]!.kind];
  return lines.map((l) => `${FUNDING_SOURCE_WORDS[l.kind]} (${formatCredits(l.amountMc)})`).join(', then ');
}
