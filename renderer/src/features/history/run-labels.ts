// How a run's row reads to a person: its status, what it cost ("Charged 3 credits"), where the credits came from, what it made.
import type { HistoryRunRow, RunRowStatus } from '../../../../shared/ipc/contract';
import { fundingText } from '../../../../shared/api/labels';
import { creditsText, formatCredits } from '../../../../shared/rules/money';
import { usageText } from '../../lib/format';

/** one copy of a run's funding words, shared with the CSV export */
export { fundingText };

export const RUN_STATUS_LABELS: Record<RunRowStatus, string> = {
  held: 'In progress',
  settled: 'Charged',
  partial: 'Partly delivered',
  refunded: 'Refunded',
};

/** "Charged 3 credits" / "Refunded — 0 credits" / "Holding up to 5 credits", with where the credits came from. */
export function runCostText(r: HistoryRunRow): string {
  if (r.status === 'held') return `Holding up to ${creditsText(r.heldMc)}${r.heldFrom.length ? ` from ${fundingText(r.heldFrom)}` : ''}`;
  if (r.status === 'refunded') return `Refunded — 0 credits${r.returnedMc ? ` (${creditsText(r.returnedMc)} returned)` : ''}`;
  return `Charged ${creditsText(r.chargedMc)}${r.funding.length ? ` from ${fundingText(r.funding)}` : ''}`;
}

/** The amount column: what the run took from the balance, or what it holds while in progress. */
export function runAmountText(r: HistoryRunRow): string {
  if (r.status === 'held') return `(${formatCredits(r.heldMc)} held)`;
  return r.chargedMc ? `-${formatCredits(r.chargedMc)}` : '0';
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** What the run made and used: "2 outputs · 1,204 tokens in · 310 out"; null when the ledger does not say. */
export function runOutputText(r: HistoryRunRow): string | null {
  const parts: string[] = [];
  if (r.outputCount !== null) parts.push(plural(r.outputCount, 'output'));
  // the count is already said; the rest of the usage (tokens, seconds, training images) is not
  const used = r.usage ? usageText(r.outputCount !== null ? { ...r.usage, delivered: undefined } : r.usage, 'item') : null;
  if (used) parts.push(used);
  if (r.expiredMc) parts.push(`then ${creditsText(r.expiredMc)} of an expired grant expired`);
  return parts.length ? parts.join(' · ') : null;
}

/** The second line of a run's row. */
export function runSummaryText(r: HistoryRunRow): string {
  const out = runOutputText(r);
  const n = r.entryIds.length;
  return [runCostText(r), out, `${n.toLocaleString('en-US')} ${n === 1 ? 'entry' : 'entries'}`].filter(Boolean).join(' · ');
}
