// Receipts in main: the text of a purchase's, a renewal's, a refund's and a failed payment's receipt (from the ledger entry and the purchase, or the entry alone offline), and saving one as a file.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ledgerEntrySchema, type LedgerEntry, type Purchase } from '../../shared/api/index';
import { paymentMethodText, receiptOf, receiptText } from '../../shared/api/receipts';
import { ReceiptsCore, saveWithDialog } from '../../main/core/receipts';

const PAID_AT = Date.parse('2026-11-22T12:00:00Z');
const visa = { brand: 'visa', last4: '4242' };

const entry = (kind: LedgerEntry['kind'], amountMc: number, details: Record<string, unknown>, atMs = PAID_AT, id = 7): LedgerEntry => ledgerEntrySchema.parse({ id, kind, amountMc, atMs, grantId: amountMc ? 'grt_1' : null, ref: null, details });

const purchase = (over: Partial<Purchase> = {}): Purchase => ({
  id: 'pur_abc', kind: 'pack', status: 'paid', packId: 'pack-200', planId: null, period: null, name: '200 credits', creditsMc: 200_000, priceMinor: 199, currency: 'USD', country: 'FR',
  checkoutUrl: '', createdAtMs: PAID_AT - 60_000, paidAtMs: PAID_AT, grantId: 'grt_1', takenBackMc: 0, failure: null,
  paymentMethod: visa, billingCountry: 'FR', grantExpiresAtMs: Date.parse('2027-05-22T12:00:00Z'), refundedAtMs: null, refundedMinor: null, reason: 'checkout', ...over,
});

const packEntry = () =>
  entry('purchase', 200_000, { grantKind: 'pack', purchaseId: 'pur_abc', packId: 'pack-200', label: '200 credits — $1.99 USD', priceMinor: 199, currency: 'USD', paymentId: 'pi_test_1' });

describe('receipt text', () => {
  it('a pack: what was bought, amount and currency, card, billing country, date, the credits granted and until when', () => {
    const r = receiptOf(packEntry(), purchase())!;
    expect(r.title).toBe('Receipt');
    expect(r.fileName).toBe('credits-desk-receipt-pur_abc.txt');
    expect(receiptText(r)).toBe(
      [
        'Credits Desk — Receipt',
        '',
        'Purchase:         pur_abc',
        'Date:             2026-11-22 12:00 UTC',
        'Bought:           200 credits (credit pack)',
        'Amount paid:      $1.99 USD',
        'Paid with:        Visa •••• 4242',
        'Billing country:  France (FR)',
        'Credits added:    200 credits',
        'Credits expire:   2027-05-22 12:00 UTC',
        'Payment:          pi_test_1',
        '',
      ].join('\n'),
    );
  });

  it('offline, the ledger entry alone: what it recorded, and says what it does not know', () => {
    const e = entry('purchase', 200_000, { purchaseId: 'pur_abc', name: '200 credits', priceMinor: 199, currency: 'USD', paymentMethod: { brand: 'mastercard', last4: '4444' }, billingCountry: 'CA', expiresAtMs: Date.parse('2027-05-22T12:00:00Z') });
    const lines = Object.fromEntries(receiptOf(e, null)!.lines.map((l) => [l.label, l.value]));
    expect(lines).toMatchObject({ 'Amount paid': '$1.99 USD', 'Paid with': 'Mastercard •••• 4444', 'Billing country': 'Canada (CA)', 'Credits added': '200 credits', 'Credits expire': '2027-05-22 12:00 UTC' });
    // an entry from before receipts: the card and country were not recorded
    const old = Object.fromEntries(receiptOf(packEntry(), null)!.lines.map((l) => [l.label, l.value]));
    // a pack's credits expire 6 months after it was paid: the rule gives the date
    expect(old).toMatchObject({ 'Paid with': 'Not recorded', 'Billing country': 'Not recorded', Bought: '200 credits — $1.99 USD', 'Credits expire': '2027-05-22 12:00 UTC' });
  });

  it('a renewal names the plan and its period, and the period credits until the period ends', () => {
    const e = entry('purchase', 200_000, { grantKind: 'subscription', purchaseId: 'pur_ren', planId: 'starter', period: 'weekly', priceMinor: 499, currency: 'USD', periodEndMs: Date.parse('2026-11-29T12:00:00Z') });
    const p = purchase({ id: 'pur_ren', kind: 'renewal', packId: null, planId: 'starter', period: 'weekly', name: 'Starter (weekly)', priceMinor: 499, grantExpiresAtMs: Date.parse('2026-11-29T12:00:00Z'), billingCountry: 'GB' });
    const r = receiptOf(e, p)!;
    expect(r.title).toBe('Receipt — subscription renewal');
    expect(receiptText(r)).toContain('Bought:           Starter (weekly) subscription, renewal\n');
    expect(receiptText(r)).toContain('Amount paid:      $4.99 USD\n');
    expect(receiptText(r)).toContain('Billing country:  United Kingdom (GB)\n');
    expect(receiptText(r)).toContain('Credits expire:   2026-11-29 12:00 UTC\n');
  });

  it('a refund: what was refunded, the amount, the date, the card, and the credits taken back (what was spent stays spent)', () => {
    const refundAt = PAID_AT + 86_400_000;
    const e = entry('refund', -150_000, { reason: 'refunded', purchaseId: 'pur_abc', label: '200 credits refunded: 150 taken back, 50 already spent', spentMc: 50_000, takenBackMc: 150_000, priceMinor: 199, currency: 'USD', refundedMinor: 199, paidAtMs: PAID_AT }, refundAt);
    const r = receiptOf(e, purchase({ status: 'refunded', takenBackMc: 150_000, refundedAtMs: refundAt, refundedMinor: 199 }))!;
    expect(r.title).toBe('Refund receipt');
    expect(r.fileName).toBe('credits-desk-refund-pur_abc.txt');
    expect(receiptText(r)).toBe(
      [
        'Credits Desk — Refund receipt',
        '',
        'Purchase:         pur_abc',
        'Date:             2026-11-23 12:00 UTC',
        'Refund of:        200 credits (credit pack), paid 2026-11-22 12:00 UTC',
        'Amount refunded:  $1.99 USD',
        'Refunded to:      Visa •••• 4242',
        'Credits taken back: 150 credits (50 credits already spent stay spent)',
        '',
      ].join('\n'),
    );
  });

  it('a payment refused for its country: refunded, no credits taken back, and why', () => {
    const e = entry('refund', 0, { reason: 'country_not_allowed', purchaseId: 'pur_abc', name: '200 credits', takenBackMc: 0, spentMc: 0, priceMinor: 199, currency: 'USD', refundedMinor: 199, paymentMethod: visa, billingCountry: 'RU' });
    const lines = Object.fromEntries(receiptOf(e, null)!.lines.map((l) => [l.label, l.value]));
    expect(lines).toMatchObject({ 'Amount refunded': '$1.99 USD', 'Credits taken back': 'None: no credits were added', 'Billing country': 'Russia (RU)', Reason: 'payments from Russia (RU) are not accepted' });
  });

  it('a failed payment: what, how much (not charged), the card that failed and why; the purchase paid later keeps the failed card on this one', () => {
    const e = entry('payment_failed', 0, { purchaseId: 'pur_abc', name: '200 credits', label: 'Payment failed: 200 credits — $1.99 USD', priceMinor: 199, currency: 'USD', code: 'card_declined', message: 'the card was declined', paymentMethod: { brand: 'visa', last4: '0002' } });
    const r = receiptOf(e, purchase())!;
    expect(r.title).toBe('Payment failed');
    const lines = Object.fromEntries(r.lines.map((l) => [l.label, l.value]));
    expect(lines).toMatchObject({ For: '200 credits (credit pack)', Amount: '$1.99 USD (not charged)', Card: 'Visa •••• 0002', Reason: 'the card was declined' });
  });

  it('other entries have no receipt; card brands read as people know them', () => {
    expect(receiptOf(entry('capture', -3_000, { generationId: 'gen_1' }), null)).toBeNull();
    expect(receiptOf(entry('grant', 5_000, { grantKind: 'bonus' }), null)).toBeNull();
    expect(paymentMethodText({ brand: 'amex', last4: '0005' })).toBe('American Express •••• 0005');
    expect(paymentMethodText({ brand: 'some_new_brand', last4: '1234' })).toBe('Some new brand •••• 1234');
    expect(paymentMethodText(null)).toBe('Not recorded');
  });
});

describe('receipts in main', () => {
  const history = (entries: LedgerEntry[]) => ({ entriesByIds: (ids: readonly number[]) => entries.filter((e) => ids.includes(e.id)) });

  it('builds the receipt from the entry and the purchase (the server, else the cache), and saves it through the shell', async () => {
    const asked: string[] = [];
    const saved: { fileName: string; text: string }[] = [];
    const core = new ReceiptsCore({
      history: history([packEntry()]),
      purchase: async (id) => {
        asked.push(id);
        return purchase();
      },
      saveFile: async (fileName, text) => {
        saved.push({ fileName, text });
        return { saved: true, path: null, downloadUrl: '/downloads/x' };
      },
    });
    const r = await core.receipt(7);
    expect(asked).toEqual(['pur_abc']);
    expect(r.lines.find((l) => l.label === 'Paid with')?.value).toBe('Visa •••• 4242');
    expect(await core.save(7)).toEqual({ saved: true, path: null, downloadUrl: '/downloads/x', fileName: 'credits-desk-receipt-pur_abc.txt' });
    expect(saved).toEqual([{ fileName: 'credits-desk-receipt-pur_abc.txt', text: receiptText(r) }]);
    await expect(core.receipt(8)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('an entry without a receipt, or no way to save, is a clear error', async () => {
    const core = new ReceiptsCore({ history: history([entry('capture', -1_000, {}, PAID_AT, 9), packEntry()]), purchase: async () => null });
    await expect(core.receipt(9)).rejects.toMatchObject({ code: 'no_receipt' });
    await expect(core.save(7)).rejects.toMatchObject({ code: 'cannot_save' });
  });

  it("Electron's save dialog: the file is written only where the user chose, readable by the user only; cancel writes nothing", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'receipt-'));
    const file = path.join(dir, 'r.txt');
    let asked: unknown = null;
    expect(await saveWithDialog('credits-desk-receipt-pur_abc.txt', 'hello', async (opts) => ((asked = opts), { canceled: false, filePath: file }))).toEqual({ saved: true, path: file, downloadUrl: null });
    expect(asked).toMatchObject({ defaultPath: 'credits-desk-receipt-pur_abc.txt' });
    expect(readFileSync(file, 'utf8')).toBe('hello');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await saveWithDialog('x.txt', 'nope', async () => ({ canceled: true, filePath: undefined }))).toEqual({ saved: false, path: null, downloadUrl: null });
  });
});

describe('an auto top-up\'s receipt', () => {
  it('says why it was bought: the run that took the balance below the threshold', () => {
    const e = entry('purchase', 1_100_000, { purchaseId: 'pur_abc', purchaseKind: 'pack', name: '1,100 credits', priceMinor: 999, currency: 'USD', paymentMethod: visa, billingCountry: null, reason: 'auto_top_up', crossedBy: 'gen_42' });
    const r = receiptOf(e, purchase({ name: '1,100 credits', priceMinor: 999, reason: 'auto_top_up' }));
    expect(r?.lines).toContainEqual({ label: 'Why', value: 'Auto top-up: run gen_42 took your available credits below your auto top-up threshold' });
    expect(receiptOf(entry('purchase', 200_000, { purchaseId: 'pur_abc', purchaseKind: 'pack', name: '200 credits' }), purchase())?.lines.some((l) => l.label === 'Why')).toBe(false);
  });
});
