// The words a person sees for ledger entry kinds and grant kinds: one copy for the app's pages and its CSV export.
import type { LedgerEntry } from '../api/index';
import type { GrantKind } from './grants';

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
};

export const GRANT_KIND_LABELS: Record<GrantKind, string> = {
  daily: 'Daily free',
  trial: 'Signup trial',
  subscription: 'Subscription',
  pack: 'Credit pack',
  bonus: 'Bonus',
  adjustment: 'Adjustment',
};
