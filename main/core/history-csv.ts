// History's CSV export: one line per ledger entry, RFC 4180, with a machine column beside each label; a charge names the grants it was charged from, and money in and out carries its amount and currency.
import type { LedgerEntry } from '../../shared/api/index';
import { GRANT_KINDS, type GrantKind } from '../../shared/rules/grants';
import { fundingText, GRANT_KIND_LABELS, LEDGER_KIND_LABELS } from '../../shared/api/labels';
import { formatCredits } from '../../shared/rules/money';

/** The columns, in order: the first fourteen as they always were, the money columns after them (scripts read by name or by position). */
export const CSV_HEADER = [
  'id', 'time_utc', 'kind', 'kind_label', 'amount_credits', 'held_or_released_credits', 'model', 'label', 'prompt', 'generation', 'grant', 'grant_kind', 'grant_kind_label', 'note',
  'amount_minor', 'currency',
] as const;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);
const grantKinds: ReadonlySet<string> = new Set(GRANT_KINDS);
const credits = (mc: number) => formatCredits(mc).replace(/,/g, '');

/** RFC 4180 quoting, and a leading ' for values a spreadsheet would run as a formula. */
export function csvField(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) && !/^-?\d+(\.\d+)?$/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The grant columns. A charge: the grants it was charged from, in burn order (ids and kinds joined by ";", one per grant, in the same
 * order), and its funding as the app words it ("daily credits (6), then signup credits (33.2)"). Any other entry: its one grant.
 */
function grantColumns(e: LedgerEntry): [string, string, string] {
  const lines = e.kind === 'capture' && Array.isArray(e.details.funding) ? (e.details.funding as Record<string, unknown>[]) : [];
  const funding = lines.filter((l) => grantKinds.has(str(l?.kind)) && (int(l?.amountMc) ?? 0) > 0);
  if (funding.length === 0) return [e.grantId ?? '', str(e.details.grantKind), GRANT_KIND_LABELS[str(e.details.grantKind) as GrantKind] ?? ''];
  const byKind = new Map<GrantKind, number>();
  for (const l of funding) byKind.set(l.kind as GrantKind, (byKind.get(l.kind as GrantKind) ?? 0) + (l.amountMc as number));
  return [funding.map((l) => str(l.grantId)).join(';'), funding.map((l) => str(l.kind)).join(';'), fundingText([...byKind].map(([kind, amountMc]) => ({ kind, amountMc })))];
}

/**
 * The money columns: a purchase's price paid, a refund's amount given back (negative; the price when the entry does not say, as
 * refunds are in full), a failed payment's 0 (nothing was charged); empty for entries that move no money.
 */
function moneyColumns(e: LedgerEntry): [string, string] {
  const d = e.details;
  const currency = str(d.currency);
  const price = int(d.priceMinor);
  if (!currency || price === null) return ['', ''];
  if (e.kind === 'purchase') return [String(price), currency];
  if (e.kind === 'refund') return [String(-(int(d.refundedMinor) ?? price)), currency];
  if (e.kind === 'payment_failed') return ['0', currency];
  return ['', ''];
}

/** One entry's line. */
function csvLine(e: LedgerEntry): string {
  const d = e.details;
  const side = typeof d.heldMc === 'number' && e.kind === 'hold' ? d.heldMc : typeof d.releasedMc === 'number' ? d.releasedMc : 0;
  const fields = [
    String(e.id), new Date(e.atMs).toISOString(), e.kind, LEDGER_KIND_LABELS[e.kind], credits(e.amountMc), credits(side),
    str(d.modelId), str(d.label), str(d.prompt), str(d.generationId), ...grantColumns(e), str(d.note), ...moneyColumns(e),
  ];
  return fields.map(csvField).join(',');
}

/** The CSV of these entries (newest first, as given), with a header; amounts in credits with up to 3 decimals. */
export function historyCsv(entries: readonly LedgerEntry[]): string {
  return `${[CSV_HEADER.join(','), ...entries.map(csvLine)].join('\r\n')}\r\n`;
}
