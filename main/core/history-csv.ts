// History's CSV export: one line per ledger entry, RFC 4180, with a machine column beside each label; a charge names the grants it was charged from, and money in and out carries its amount and currency.
import { entryText, isPaymentEntry, type LedgerEntry } from '../../shared/api/index';
import type { GrantKind } from '../../shared/rules/grants';
import { fundingText, GRANT_KIND_LABELS, LEDGER_KIND_LABELS } from '../../shared/api/labels';
import { formatCredits } from '../../shared/rules/money';

/** The columns, in order: the first fourteen as they always were, the money columns after them (scripts read by name or by position). */
export const CSV_HEADER = [
  'id', 'time_utc', 'kind', 'kind_label', 'amount_credits', 'held_or_released_credits', 'model', 'label', 'prompt', 'generation', 'grant', 'grant_kind', 'grant_kind_label', 'note',
  'amount_minor', 'currency',
] as const;

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
  const funding = e.kind === 'capture' ? (e.details.funding ?? []).filter((l) => l.amountMc > 0) : [];
  if (funding.length === 0) {
    const grantKind = 'grantKind' in e.details ? e.details.grantKind : undefined;
    return [e.grantId ?? '', grantKind ?? '', grantKind ? GRANT_KIND_LABELS[grantKind] : ''];
  }
  const byKind = new Map<GrantKind, number>();
  for (const l of funding) byKind.set(l.kind, (byKind.get(l.kind) ?? 0) + l.amountMc);
  return [funding.map((l) => l.grantId).join(';'), funding.map((l) => l.kind).join(';'), fundingText([...byKind].map(([kind, amountMc]) => ({ kind, amountMc })))];
}

/**
 * The money columns: a purchase's price paid, a refund's amount given back (negative; the price when the entry does not say, as
 * refunds are in full), a failed payment's 0 (nothing was charged); empty for entries that move no money.
 */
function moneyColumns(e: LedgerEntry): [string, string] {
  if (!isPaymentEntry(e)) return ['', ''];
  const { currency, priceMinor: price } = e.details;
  if (!currency || price === undefined) return ['', ''];
  if (e.kind === 'purchase') return [String(price), currency];
  if (e.kind === 'refund') return [String(-(e.details.refundedMinor ?? price)), currency];
  return ['0', currency];
}

/** What a hold held, or a release or void gave back. */
function sideMc(e: LedgerEntry): number {
  if (e.kind === 'hold') return e.details.heldMc ?? 0;
  if (e.kind === 'release' || e.kind === 'void') return e.details.releasedMc ?? 0;
  return 0;
}

/** One entry's line. */
function csvLine(e: LedgerEntry): string {
  const t = entryText(e);
  const fields = [
    String(e.id), new Date(e.atMs).toISOString(), e.kind, LEDGER_KIND_LABELS[e.kind], credits(e.amountMc), credits(sideMc(e)),
    t.modelId, t.label, t.prompt, t.generationId, ...grantColumns(e), t.note, ...moneyColumns(e),
  ];
  return fields.map(csvField).join(',');
}

/** The CSV of these entries (newest first, as given), with a header; amounts in credits with up to 3 decimals. */
export function historyCsv(entries: readonly LedgerEntry[]): string {
  return `${[CSV_HEADER.join(','), ...entries.map(csvLine)].join('\r\n')}\r\n`;
}
