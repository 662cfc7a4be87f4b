// History's CSV export, line by line: a charge names the grants it was charged from (as the app shows its funding), purchases and refunds carry the money and its currency, failed payments have a line.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ledgerEntrySchema, type LedgerEntry } from '../../shared/api/index';
import { HistoryStore } from '../../main/core/history';
import { CSV_HEADER } from '../../main/core/history-csv';

const AT = Date.parse('2026-11-22T12:00:00Z');
const e = (id: number, kind: LedgerEntry['kind'], amountMc: number, details: Record<string, unknown>, grantId: string | null = null): LedgerEntry => ledgerEntrySchema.parse({ id, kind, amountMc, atMs: AT + id, grantId, ref: null, details });

function exportOf(entries: LedgerEntry[]): Record<string, string>[] {
  const h = new HistoryStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'credits-csv-')), 'history.json'), 'test');
  h.forAccount('acct_1');
  h.add(entries);
  const [header, ...lines] = parseCsv(h.csv({}));
  return lines.map((l) => Object.fromEntries(header!.map((k, i) => [k, l[i] ?? ''])));
}

/** RFC 4180, for the test: quoted fields may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  return rows;
}

describe('CSV export', () => {
  it('keeps its columns and adds the money columns at the end', () => {
    expect(CSV_HEADER).toEqual(['id', 'time_utc', 'kind', 'kind_label', 'amount_credits', 'held_or_released_credits', 'model', 'label', 'prompt', 'generation', 'grant', 'grant_kind', 'grant_kind_label', 'note', 'amount_minor', 'currency']);
  });

  it("a charge names the grants it was charged from, in burn order, and their kinds, with the app's words for its funding", () => {
    const funding = [
      { grantId: 'grt_d', kind: 'daily', amountMc: 6_000, paid: false },
      { grantId: 'grt_t', kind: 'trial', amountMc: 33_200, paid: false },
    ];
    const [two, one] = exportOf([
      e(1, 'capture', -3_000, { generationId: 'gen_1', funding: [{ grantId: 'grt_d', kind: 'daily', amountMc: 3_000, paid: false }] }),
      e(2, 'capture', -39_200, { generationId: 'gen_2', funding }),
    ]);
    expect(two).toMatchObject({ kind: 'capture', amount_credits: '-39.2', grant: 'grt_d;grt_t', grant_kind: 'daily;trial', grant_kind_label: 'daily credits (6), then signup credits (33.2)', amount_minor: '', currency: '' });
    expect(one).toMatchObject({ grant: 'grt_d', grant_kind: 'daily', grant_kind_label: 'daily credits' });
  });

  it('a purchase carries what was paid and in which currency; a refund what was given back; a failed payment nothing charged', () => {
    const rows = exportOf([
      e(1, 'purchase', 200_000, { grantKind: 'pack', purchaseId: 'pur_a', label: '200 credits — $1.99 USD', priceMinor: 199, currency: 'USD' }, 'grt_p'),
      e(2, 'refund', -150_000, { reason: 'refunded', purchaseId: 'pur_a', priceMinor: 199, currency: 'USD', refundedMinor: 199 }, 'grt_p'),
      e(3, 'payment_failed', 0, { purchaseId: 'pur_b', name: '1,100 credits', priceMinor: 999, currency: 'EUR', code: 'card_declined' }),
      e(4, 'refund', -10_000, { reason: 'disputed', purchaseId: 'pur_c', priceMinor: 999, currency: 'USD' }, 'grt_c'),
      e(5, 'grant', 5_000, { grantKind: 'bonus' }, 'grt_b'),
    ]).reverse();
    expect(rows.map((r) => [r.kind, r.amount_minor, r.currency])).toEqual([
      ['purchase', '199', 'USD'],
      ['refund', '-199', 'USD'],
      ['payment_failed', '0', 'EUR'],
      // a dispute (or a refund recorded before refunds said their amount): the price, taken back in full
      ['refund', '-999', 'USD'],
      ['grant', '', ''],
    ]);
    expect(rows[0]).toMatchObject({ grant: 'grt_p', grant_kind: 'pack', grant_kind_label: 'Credit pack', kind_label: 'Purchase' });
    expect(rows[2]).toMatchObject({ kind_label: 'Payment failed', amount_credits: '0' });
  });
});
