// History's words for payments: a failed payment and a refund in the list, which entries open a receipt, what saving one said, and a run's funding (one copy with the CSV).
import { describe, expect, it } from 'vitest';
import { ledgerEntrySchema, type LedgerEntry } from '../../shared/api/index';
import { amountText, describe as describeEntry, KIND_LABELS } from '../../renderer/src/features/history/ledger-labels';
import { hasReceipt, savedText } from '../../renderer/src/features/history/receipt-text';
import { fundingText } from '../../renderer/src/features/history/run-labels';

const e = (kind: LedgerEntry['kind'], amountMc: number, details: Record<string, unknown>): LedgerEntry => ledgerEntrySchema.parse({ id: 1, kind, amountMc, atMs: 0, grantId: null, ref: null, details });

describe('payments in history', () => {
  it('a failed payment reads as one, with what it was for and why, and nothing charged', () => {
    const failed = e('payment_failed', 0, { label: '1,100 credits — $9.99 USD', message: 'the card was declined' });
    expect(KIND_LABELS.payment_failed).toBe('Payment failed');
    expect(describeEntry(failed)).toBe('1,100 credits — $9.99 USD: the card was declined');
    expect(amountText(failed)).toBe('not charged');
    expect(amountText(e('refund', 0, { reason: 'country_not_allowed' }))).toBe('0');
  });

  it('purchases, refunds and failed payments open a receipt; nothing else does', () => {
    expect(hasReceipt(e('purchase', 200_000, { priceMinor: 199 }))).toBe(true);
    expect(hasReceipt(e('refund', -1, { purchaseId: 'pur_a' }))).toBe(true);
    expect(hasReceipt(e('payment_failed', 0, {}))).toBe(true);
    expect(hasReceipt(e('grant', 5_000, { grantKind: 'bonus' }))).toBe(false);
    expect(hasReceipt(e('capture', -1_000, {}))).toBe(false);
  });

  it('says where the receipt went', () => {
    expect(savedText({ saved: true, path: '/home/ada/receipt.txt', downloadUrl: null, fileName: 'r.txt' })).toBe('Saved to /home/ada/receipt.txt');
    expect(savedText({ saved: true, path: null, downloadUrl: '/downloads/x', fileName: 'credits-desk-receipt-pur_a.txt' })).toBe('Downloaded credits-desk-receipt-pur_a.txt');
    expect(savedText({ saved: false, path: null, downloadUrl: null, fileName: 'r.txt' })).toBe('Not saved');
  });

  it("a run's funding in the app's words", () => {
    expect(fundingText([{ kind: 'daily', amountMc: 6_000 }, { kind: 'trial', amountMc: 33_200 }])).toBe('daily credits (6), then signup credits (33.2)');
    expect(fundingText([{ kind: 'pack', amountMc: 1_000 }])).toBe('pack');
  });
});
