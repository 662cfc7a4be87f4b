// Receipts: what a purchase's, a renewal's, a refund's or a failed payment's ledger entry says, with the purchase's record when main has it; one text for the app and the saved file.
import { isPaymentEntry, type LedgerEntry, type LedgerEntryOf, type PaymentEntry, type PaymentMethod, type Purchase } from './index';
import { creditsText, formatMoney } from '../rules/money';
import { countryName } from '../rules/purchases';
import { packExpiry } from '../rules/schedule';

export interface ReceiptLine {
  label: string;
  value: string;
}
export const RECEIPT_KINDS = ['payment', 'renewal', 'refund', 'dispute', 'failed'] as const;
export type ReceiptKind = (typeof RECEIPT_KINDS)[number];
export interface Receipt {
  kind: ReceiptKind;
  title: string;
  lines: ReceiptLine[];
  /** what the saved file is called */
  fileName: string;
}

/** The ledger kinds that have a receipt: a payment (a pack, a plan's period), a refund or dispute, a payment that failed. */
export const RECEIPT_ENTRY_KINDS: ReadonlySet<LedgerEntry['kind']> = new Set(['purchase', 'refund', 'payment_failed']);
export const hasReceipt = (e: Pick<LedgerEntry, 'kind'>): boolean => RECEIPT_ENTRY_KINDS.has(e.kind);

const NOT_RECORDED = 'Not recorded';
const BRANDS: Readonly<Record<string, string>> = {
  visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', discover: 'Discover', diners: 'Diners Club', jcb: 'JCB', unionpay: 'UnionPay',
  eftpos_au: 'eftpos Australia', cartes_bancaires: 'Cartes Bancaires', interac: 'Interac',
};

/** "Visa •••• 4242"; "Not recorded" when the provider did not say. */
export function paymentMethodText(m: PaymentMethod | null | undefined): string {
  if (!m) return NOT_RECORDED;
  const brand = BRANDS[m.brand] ?? `${m.brand.charAt(0).toUpperCase()}${m.brand.slice(1).replace(/_/g, ' ')}`;
  return `${brand} •••• ${m.last4}`;
}

/** "2026-11-22 12:00 UTC": a receipt's dates are the server's, in UTC, the same wherever it is read. */
export function utcText(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

const countryText = (code: string | null) => (code ? `${countryName(code)} (${code})` : NOT_RECORDED);
const moneyText = (minor: number | null, currency: string | null) => (minor !== null && currency ? `${formatMoney({ amountMinor: minor, currency })} ${currency}` : NOT_RECORDED);
/** a text the entry recorded, or null (not recorded, or empty) */
const given = (v: string | null | undefined): string | null => v || null;

/** What the entry and the purchase say, merged: the purchase's record first (a provider may report the card after the payment), the entry's own for a failed payment (the card that failed). */
interface Facts {
  purchaseId: string | null;
  kind: Purchase['kind'] | null;
  bought: string;
  priceMinor: number | null;
  currency: string | null;
  paymentMethod: PaymentMethod | null;
  billingCountry: string | null;
  paidAtMs: number | null;
  expiresAtMs: number | null;
  paymentId: string | null;
  /** why it was bought without a checkout: the run whose hold took the balance below the auto top-up threshold */
  autoTopUpBy: string | null | undefined;
}

function kindOf(e: PaymentEntry, p: Purchase | null): Purchase['kind'] | null {
  if (p) return p.kind;
  if (e.details.purchaseKind) return e.details.purchaseKind;
  if (e.kind !== 'purchase') return null;
  return e.details.grantKind === 'pack' || e.details.packId ? 'pack' : e.details.planId ? 'subscription' : null;
}

function boughtText(name: string | null, kind: Purchase['kind'] | null, label: string | null): string {
  if (!name) return label ?? NOT_RECORDED;
  if (kind === 'pack') return `${name} (credit pack)`;
  if (kind === 'subscription') return `${name} subscription`;
  if (kind === 'renewal') return `${name} subscription, renewal`;
  return name;
}

function factsOf(e: PaymentEntry, p: Purchase | null): Facts {
  const d = e.details;
  const own = e.kind === 'payment_failed';
  const pick = <T>(fromEntry: T | null, fromPurchase: T | null | undefined): T | null => (own ? (fromEntry ?? fromPurchase ?? null) : (fromPurchase ?? fromEntry ?? null));
  const kind = kindOf(e, p);
  const paidAtMs = p?.paidAtMs ?? (e.kind === 'refund' ? e.details.paidAtMs : null) ?? (e.kind === 'purchase' ? e.atMs : null);
  const ruleExpiry = kind === 'pack' && e.kind === 'purchase' ? packExpiry(e.atMs) : null;
  return {
    purchaseId: given(d.purchaseId) ?? p?.id ?? null,
    kind,
    bought: boughtText(given(d.name) ?? p?.name ?? null, kind, given(d.label)),
    priceMinor: d.priceMinor ?? p?.priceMinor ?? null,
    currency: given(d.currency) ?? p?.currency ?? null,
    paymentMethod: pick(d.paymentMethod ?? null, p?.paymentMethod),
    billingCountry: pick(given(d.billingCountry), p?.billingCountry),
    paidAtMs,
    expiresAtMs: p?.grantExpiresAtMs ?? d.expiresAtMs ?? (e.kind === 'purchase' ? e.details.periodEndMs : null) ?? ruleExpiry,
    paymentId: given(d.paymentId),
    autoTopUpBy: d.reason === 'auto_top_up' || p?.reason === 'auto_top_up' ? given(d.crossedBy) : undefined,
  };
}

function paymentReceipt(e: LedgerEntry, f: Facts, p: Purchase | null): Receipt {
  const renewal = f.kind === 'renewal';
  const lines: ReceiptLine[] = [];
  if (f.purchaseId) lines.push({ label: 'Purchase', value: f.purchaseId });
  lines.push(
    { label: 'Date', value: utcText(e.atMs) },
    { label: 'Bought', value: f.bought },
    ...(f.autoTopUpBy !== undefined ? [{ label: 'Why', value: `Auto top-up: ${f.autoTopUpBy ? `run ${f.autoTopUpBy}` : 'a run'} took your available credits below your auto top-up threshold` }] : []),
    { label: 'Amount paid', value: moneyText(f.priceMinor, f.currency) },
    { label: 'Paid with', value: paymentMethodText(f.paymentMethod) },
    { label: 'Billing country', value: countryText(f.billingCountry) },
    { label: 'Credits added', value: creditsText(e.amountMc) },
  );
  if (f.expiresAtMs !== null) lines.push({ label: 'Credits expire', value: utcText(f.expiresAtMs) });
  if (p?.refundedAtMs) lines.push({ label: 'Refunded', value: `${utcText(p.refundedAtMs)} (see its refund receipt)` });
  if (f.paymentId) lines.push({ label: 'Payment', value: f.paymentId });
  return { kind: renewal ? 'renewal' : 'payment', title: renewal ? 'Receipt — subscription renewal' : 'Receipt', lines, fileName: fileName('receipt', e, f) };
}

function takenBackText(e: LedgerEntryOf<'refund'>, reason: string | null): string {
  const taken = e.details.takenBackMc ?? Math.max(0, -e.amountMc);
  const spent = e.details.spentMc ?? 0;
  if (taken === 0 && spent === 0 && (reason === 'country_not_allowed' || !e.grantId)) return 'None: no credits were added';
  return `${creditsText(taken)}${spent > 0 ? ` (${creditsText(spent)} already spent stay spent)` : ''}`;
}

function refundReceipt(e: LedgerEntryOf<'refund'>, f: Facts, p: Purchase | null): Receipt {
  const reason = e.details.reason ?? null;
  const dispute = reason === 'disputed';
  const lines: ReceiptLine[] = [];
  if (f.purchaseId) lines.push({ label: 'Purchase', value: f.purchaseId });
  lines.push(
    { label: 'Date', value: utcText(e.atMs) },
    { label: dispute ? 'Disputed' : 'Refund of', value: `${f.bought}${f.paidAtMs !== null ? `, paid ${utcText(f.paidAtMs)}` : ''}` },
    { label: dispute ? 'Amount disputed' : 'Amount refunded', value: moneyText(e.details.refundedMinor ?? p?.refundedMinor ?? f.priceMinor, f.currency) },
    { label: dispute ? 'Paid with' : 'Refunded to', value: paymentMethodText(f.paymentMethod) },
  );
  if (reason === 'country_not_allowed') lines.push({ label: 'Billing country', value: countryText(f.billingCountry) });
  lines.push({ label: 'Credits taken back', value: takenBackText(e, reason) });
  if (reason === 'country_not_allowed') lines.push({ label: 'Reason', value: `payments from ${countryText(f.billingCountry)} are not accepted` });
  if (dispute) lines.push({ label: 'Reason', value: 'the payment was disputed with the bank' });
  return { kind: dispute ? 'dispute' : 'refund', title: dispute ? 'Dispute receipt' : 'Refund receipt', lines, fileName: fileName(dispute ? 'dispute' : 'refund', e, f) };
}

function failedReceipt(e: LedgerEntryOf<'payment_failed'>, f: Facts, p: Purchase | null): Receipt {
  const lines: ReceiptLine[] = [];
  if (f.purchaseId) lines.push({ label: 'Purchase', value: f.purchaseId });
  lines.push(
    { label: 'Date', value: utcText(e.atMs) },
    { label: 'For', value: f.bought },
    { label: 'Amount', value: `${moneyText(f.priceMinor, f.currency)} (not charged)` },
    { label: 'Card', value: paymentMethodText(f.paymentMethod) },
  );
  if (f.billingCountry) lines.push({ label: 'Billing country', value: countryText(f.billingCountry) });
  lines.push({ label: 'Reason', value: given(e.details.message) ?? p?.failure?.message ?? given(e.details.code) ?? NOT_RECORDED });
  return { kind: 'failed', title: 'Payment failed', lines, fileName: fileName('failed-payment', e, f) };
}

const fileName = (what: string, e: LedgerEntry, f: Facts) => `credits-desk-${what}-${(f.purchaseId ?? `entry-${e.id}`).replace(/[^A-Za-z0-9_-]/g, '')}.txt`;

/** The receipt of a ledger entry (null for entries that have none), from the entry and the purchase it names when main has it. */
export function receiptOf(e: LedgerEntry, purchase: Purchase | null): Receipt | null {
  if (!isPaymentEntry(e)) return null;
  const f = factsOf(e, purchase);
  if (e.kind === 'purchase') return paymentReceipt(e, f, purchase);
  if (e.kind === 'refund') return refundReceipt(e, f, purchase);
  return failedReceipt(e, f, purchase);
}

/** The receipt as a text file: a title, then one "Label: value" line each, aligned. */
export function receiptText(r: Receipt): string {
  const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');
  return `Credits Desk — ${oneLine(r.title)}\n\n${r.lines.map((l) => `${`${oneLine(l.label)}:`.padEnd(17)} ${oneLine(l.value)}`).join('\n')}\n`;
}
