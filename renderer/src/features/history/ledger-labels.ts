// How a ledger entry reads to a person: the kind's label, what it was about, and the amount it changed.
import type { LedgerEntry } from '../../../../shared/api/index';
import { formatCredits } from '../../lib/format';
import { LEDGER_KIND_LABELS } from '../../../../shared/api/labels';

export const KIND_LABELS = LEDGER_KIND_LABELS;

export const text = (v: unknown) => (typeof v === 'string' ? v : '');
export const num = (v: unknown) => (typeof v === 'number' ? v : null);

export function describe(e: LedgerEntry): string {
  const d = e.details;
  if (e.kind === 'grant') return text(d.note) || `${text(d.grantKind) || 'credits'} grant`;
  if (e.kind === 'expiry') return `${text(d.grantKind) || 'credits'} expired unused`;
  if (e.kind === 'payment_failed') return [text(d.label) || text(d.name), text(d.message)].filter(Boolean).join(': ');
  return text(d.label) || text(d.modelId) || text(d.generationId) || '';
}

/** The change a row shows: owned credits for grants, charges and expiries; the held or returned amount otherwise. */
export function amountText(e: LedgerEntry): string {
  const d = e.details;
  if (e.kind === 'hold') return `(${formatCredits(num(d.heldMc) ?? 0)} held)`;
  if (e.kind === 'release' || e.kind === 'void') return `(${formatCredits(num(d.releasedMc) ?? 0)} returned)`;
  if (e.kind === 'payment_failed') return 'not charged';
  return `${e.amountMc > 0 ? '+' : ''}${formatCredits(e.amountMc)}`;
}

