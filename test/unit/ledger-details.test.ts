// Ledger entries with older or partial details (fields missing, of the wrong type, or unknown) are still read, kept and shown with what can be read.
import { describe, expect, it } from 'vitest';
import { LEDGER_KINDS, ledgerEntrySchema, ledgerPageSchema, type LedgerEntry } from '../../shared/api/index';
import { receiptOf } from '../../shared/api/receipts';
import { historyCsv } from '../../main/core/history-csv';
import { HistoryGrouping, rowOf } from '../../main/core/history-rows';

const raw = (id: number, kind: string, amountMc: number, details: unknown, ref: string | null = 'gen_old') => ({ id, kind, amountMc, atMs: 1_700_000_000_000 + id, grantId: null, ref, details });

describe('ledger details as read', () => {
  it('every kind reads with empty details, and with details that are not an object', () => {
    for (const kind of LEDGER_KINDS) {
      expect(ledgerEntrySchema.parse(raw(1, kind, 0, {}))).toMatchObject({ kind, details: {} });
      expect(ledgerEntrySchema.parse(raw(1, kind, 0, null))).toMatchObject({ kind, details: {} });
    }
  });

  it('an old capture keeps what it can: a funding line without `paid` is unpaid, a bad line and a bad field are left out, unknown fields stay', () => {
    const e = ledgerEntrySchema.parse(
      raw(2, 'capture', -3_000, {
        generationId: 'gen_old', label: 'Flux', prompt: 42, heldMc: 'lots', commercialUse: false, usage: { inputTokens: -1 }, synthetic: true,
        funding: [{ grantId: 'g1', kind: 'daily', amountMc: 2_000 }, { grantId: 'g2', kind: 'pack', amountMc: 1_000, paid: true }, { grantId: 'g3', kind: 'gold', amountMc: 5 }],
      }),
    );
    if (e.kind !== 'capture') throw new Error('a capture reads as a capture');
    expect(e.details).toMatchObject({ generationId: 'gen_old', label: 'Flux', commercialUse: false, synthetic: true });
    expect(e.details.prompt).toBeUndefined();
    expect(e.details.heldMc).toBeUndefined();
    expect(e.details.usage).toBeUndefined();
    expect(e.details.funding).toEqual([{ grantId: 'g1', kind: 'daily', amountMc: 2_000, paid: false }, { grantId: 'g2', kind: 'pack', amountMc: 1_000, paid: true }]);
  });

  it('a page with old entries is read whole, and History shows them: the run row, the CSV and a receipt', () => {
    const page = ledgerPageSchema.parse({
      hasMore: false,
      items: [
        raw(1, 'grant', 5_000, { grantKind: 'bonus' }, 'seed-1'),
        // a hold from before pins and estimates were recorded, and its capture with no usage, funding or outputs
        raw(2, 'hold', 0, { generationId: 'gen_old', label: 'Flux', modelId: 'flux-schnell', heldMc: 4_000 }),
        raw(3, 'capture', -3_000, { generationId: 'gen_old', finalMc: 3_000 }),
        raw(4, 'release', 0, { releasedMc: 1_000 }),
        // a purchase from before receipts were recorded: only its label
        raw(5, 'purchase', 200_000, { grantKind: 'pack', label: '200 credits — $1.99 USD', priceMinor: '199' }, 'purchase:pur_old'),
      ],
    });
    expect(page.items.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    const grouping = new HistoryGrouping();
    grouping.rebuild(page.items);
    const rows = grouping.all().map(rowOf);
    expect(rows.map((r) => r.type)).toEqual(['entry', 'run', 'entry']);
    expect(rows[1]).toMatchObject({ type: 'run', runId: 'gen_old', label: 'Flux', modelId: 'flux-schnell', status: 'settled', chargedMc: 3_000, heldMc: 4_000, returnedMc: 1_000, funding: [], usage: null, outputCount: null, estimateMaxMc: null });
    const csv = historyCsv([...page.items].reverse()).split('\r\n');
    expect(csv).toHaveLength(7);
    expect(csv[1]).toContain('purchase,Purchase,200,0,,200 credits — $1.99 USD');
    const receipt = receiptOf(page.items[4] as LedgerEntry, null)!;
    expect(receipt.lines).toEqual(expect.arrayContaining([{ label: 'Bought', value: '200 credits — $1.99 USD' }, { label: 'Amount paid', value: 'Not recorded' }]));
  });
});
