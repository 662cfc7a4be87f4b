// How a ledger entry reads to a person: the kind's label, what it was about, and the amount it changed.
import { entryText, type LedgerEntry } from '../../../../shared/api/index';
import { formatCredits } from '../../lib/format';
import { LEDGER_KIND_LABELS } from '../../../../shared/api/labels';

export const KIND_LABELS = LEDGER_KIND_LABELS;

export function describe(e: LedgerEntry): string {
  if (e.kind === 'grant') return e.details.note || `${e.details.grantKind || 'credits'} grant`;
  if (e.kind === 'expiry') return `${e.details.grantKind || 'credits'} expired unused`;
  if (e.kind === 'payment_failed') return [e.details.label || e.details.name, e.details.message].filter(Boolean).join(': ');
  const t = entryText(e);
  return t.label || t.modelId || t.generationId || '';
}

/** The change a row shows: owned credits for grants, charges and expiries; the held or returned amount otherwise. */
export function amountText(e: LedgerEntry): string {
  if (e.kind === 'hold') return `(${formatCredits(e.details.heldMc ?? 0)} held)`;
  if (e.kind === 'release' || e.kind === 'void') return `(${formatCredits(e.details.releasedMc ?? 0)} returned)`;
  if (e.kind === 'payment_failed') return 'not charged';
  return `${e.amountMc > 0 ? '+' : ''}${formatCredits(e.amountMc)}`;
}

