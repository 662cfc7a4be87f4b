// Ledger entries typed end to end: one details schema per entry kind (what the server writes), their lenient reading (older rows), and the one funding line.
import { z } from 'zod';
import { GRANT_KINDS } from '../rules/grants';
import { usageSchema } from '../rules/pricing';
import { BILLING_PERIODS, PURCHASE_KINDS, paymentMethodSchema } from './payments';

const mc = z.int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const nonNeg = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const epochMs = z.int().min(0).max(8_640_000_000_000_000);
const grantKind = z.enum(GRANT_KINDS);

/** payment_failed: a payment that did not go through (no credits change; its details say what, how much and why) */
export const LEDGER_KINDS = ['grant', 'expiry', 'hold', 'capture', 'release', 'void', 'refund', 'purchase', 'adjustment', 'payment_failed'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** What a run was charged from, one line per grant in burn order: on a capture's entry, and on the run (Generation.funding). */
export const fundingLineSchema = z.object({ grantId: z.string(), kind: grantKind, amountMc: nonNeg, paid: z.boolean() });
export type FundingLine = z.infer<typeof fundingLineSchema>;
/** a funding line as read: one from before `paid` was recorded counts as not paid */
const fundingLineReadSchema = fundingLineSchema.extend({ paid: z.boolean().catch(false) });
/** What a hold pinned of one grant (History says what a run in progress holds: "from daily credits, then pack"). */
export const pinLineSchema = z.object({ grantId: z.string(), amountMc: nonNeg, kind: grantKind });
export type PinLine = z.infer<typeof pinLineSchema>;

/** The run an entry of its hold, capture, release or void is about. */
const runShape = { generationId: z.string(), label: z.string(), modelId: z.string().nullable(), prompt: z.string() };
export const runAboutSchema = z.object(runShape);
export type RunAbout = z.infer<typeof runAboutSchema>;

/** What a payment's entry carries for its receipt, as of the payment (purchases, renewals, refunds, failed payments). */
const receiptShape = {
  purchaseId: z.string(),
  purchaseKind: z.enum(PURCHASE_KINDS),
  name: z.string(),
  priceMinor: nonNeg,
  currency: z.string(),
  paymentMethod: paymentMethodSchema.nullable(),
  billingCountry: z.string().nullable(),
  paymentId: z.string().optional(),
  /** when the credits bought expire */
  expiresAtMs: epochMs.optional(),
  /** an auto top-up's: the run whose hold took the balance below the threshold (null: not recorded) */
  crossedBy: z.string().nullable().optional(),
};
export const receiptDetailsSchema = z.object({ ...receiptShape, reason: z.literal('auto_top_up').optional() });
export type ReceiptDetails = z.infer<typeof receiptDetailsSchema>;

/** a subscription period's credits (a grant when nothing was paid, else a purchase) */
const periodShape = { label: z.string(), planId: z.string(), period: z.enum(BILLING_PERIODS), periodStartMs: epochMs, periodEndMs: epochMs };

export const REFUND_REASONS = ['refunded', 'disputed', 'country_not_allowed'] as const;

/** What the server writes on each kind of entry. TypeScript holds the server to these; development and tests parse them too. */
export const LEDGER_DETAILS = {
  /** signup, daily, monthly bonus, an operator's grant (its note), a subscription period nothing was paid for (its plan and period) */
  grant: z.object({ grantKind, note: z.string().nullable().optional(), ...z.object(periodShape).partial().shape, purchaseId: z.string().optional() }),
  /** credits that expired unused: the grant, and the run whose hold kept them past their expiry */
  expiry: z.object({ generationId: z.string().optional(), grantKind, expiredMc: nonNeg, expiresAtMs: epochMs }),
  hold: z.object({ ...runShape, estimateMaxMc: nonNeg, heldMc: nonNeg, pins: z.array(pinLineSchema) }),
  capture: z.object({
    ...runShape, finalMc: nonNeg, estimateMaxMc: nonNeg, usage: usageSchema, outputCount: nonNeg, undelivered: nonNeg, heldMc: nonNeg,
    funding: z.array(fundingLineSchema), commercialUse: z.boolean(),
  }),
  release: z.object({ ...runShape, releasedMc: nonNeg }),
  /** a failed, canceled or expired run: why (an error code), what went back, and whether its partial outputs were removed */
  void: z.object({ ...runShape, reason: z.string(), releasedMc: nonNeg, outputsRemovedAtMs: epochMs.optional(), outputsNote: z.string().optional() }),
  /** a refund or dispute (credits taken back, what was already spent), or a payment refunded because its country may not pay */
  refund: z.object({
    ...receiptShape, reason: z.enum(REFUND_REASONS), label: z.string(), refundedMinor: nonNeg.optional(), takenBackMc: nonNeg, spentMc: nonNeg,
    packMc: nonNeg.optional(), pinnedMc: nonNeg.optional(), paidAtMs: epochMs.nullable().optional(),
  }),
  /** a pack (its id and the checkout's country) or a subscription period (its plan and period) paid for */
  purchase: z.object({
    ...receiptShape, reason: z.literal('auto_top_up').optional(), grantKind, label: z.string(), packId: z.string().nullable().optional(), country: z.string().optional(),
    ...z.object(periodShape).omit({ label: true }).partial().shape,
  }),
  /** never written by this server; read as a grant's note */
  adjustment: z.object({ grantKind: grantKind.optional(), note: z.string().nullable().optional() }),
  payment_failed: z.object({ ...receiptShape, reason: z.literal('auto_top_up').optional(), label: z.string(), code: z.string(), message: z.string() }),
} satisfies Record<LedgerKind, z.ZodObject>;

/** The details the server writes on an entry of kind K. */
export type LedgerDetailsInput<K extends LedgerKind> = z.input<(typeof LEDGER_DETAILS)[K]>;

type Lenient<S extends z.ZodRawShape> = { [F in keyof S]?: z.output<S[F]> | undefined };

/** An array read item by item: the items that do not parse are left out (funding lines are read leniently themselves). */
function itemsThatParse(item: z.ZodType): z.ZodType {
  const read = item === fundingLineSchema ? fundingLineReadSchema : item;
  return z.array(z.unknown()).transform((xs) =>
    xs.flatMap((x) => {
      const r = read.safeParse(x);
      return r.success ? [r.data] : [];
    }),
  );
}

/**
 * A kind's details as read: every field optional, and a field that does not parse is left out rather than the entry (rows written
 * before a field existed, or by an older server, still read); fields this app does not know are kept as they came.
 */
function lenient<S extends z.ZodRawShape>(schema: z.ZodObject<S>): z.ZodType<Lenient<S>, unknown> {
  const fields = Object.entries(schema.shape) as [string, z.ZodType][];
  // most entries are as written: read whole with every field optional, and field by field only when that fails
  const whole = z.looseObject(Object.fromEntries(fields.map(([k, s]) => [k, s.optional()])));
  const fieldByField = z
    .looseObject(Object.fromEntries(fields.map(([k, s]) => [k, (s instanceof z.ZodArray ? itemsThatParse(s.element as z.ZodType) : s).optional().catch(undefined)])))
    .catch({});
  return z.unknown().transform((v): Lenient<S> => {
    const read = whole.safeParse(v);
    // each field was parsed with its own schema (or left out): the record is the shape Lenient<S> names
    return (read.success ? read.data : fieldByField.parse(v)) as Lenient<S>;
  });
}

const entryShape = { id: z.int().min(1), amountMc: mc, atMs: epochMs, grantId: z.string().nullable(), ref: z.string().nullable() };
const entryOf = <K extends LedgerKind, S extends z.ZodRawShape>(kind: K, details: z.ZodObject<S>) => z.object({ ...entryShape, kind: z.literal(kind), details: lenient(details) });

/**
 * A ledger entry, typed by its kind. `amountMc` is the change to the credits the account owns: + grants, − captures and expiries;
 * holds and releases are 0 (see details). Parsed once where an entry arrives (the server's read, main's sync, stream and file).
 */
export const ledgerEntrySchema = z.discriminatedUnion('kind', [
  entryOf('grant', LEDGER_DETAILS.grant),
  entryOf('expiry', LEDGER_DETAILS.expiry),
  entryOf('hold', LEDGER_DETAILS.hold),
  entryOf('capture', LEDGER_DETAILS.capture),
  entryOf('release', LEDGER_DETAILS.release),
  entryOf('void', LEDGER_DETAILS.void),
  entryOf('refund', LEDGER_DETAILS.refund),
  entryOf('purchase', LEDGER_DETAILS.purchase),
  entryOf('adjustment', LEDGER_DETAILS.adjustment),
  entryOf('payment_failed', LEDGER_DETAILS.payment_failed),
]);
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;
/** An entry of one kind, with its details as read. */
export type LedgerEntryOf<K extends LedgerKind> = Extract<LedgerEntry, { kind: K }>;
export type LedgerDetails<K extends LedgerKind> = LedgerEntryOf<K>['details'];

/** the kinds a run writes (an expiry names its run when the run's release let pinned credits of an expired grant go) */
export const RUN_ENTRY_KINDS = ['hold', 'capture', 'release', 'void', 'expiry'] as const;
export type RunEntry = LedgerEntryOf<(typeof RUN_ENTRY_KINDS)[number]>;
export const isRunEntry = (e: LedgerEntry): e is RunEntry => (RUN_ENTRY_KINDS as readonly string[]).includes(e.kind);

/** the kinds that carry a payment's receipt details */
export type PaymentEntry = LedgerEntryOf<'purchase' | 'refund' | 'payment_failed'>;
export const isPaymentEntry = (e: LedgerEntry): e is PaymentEntry => e.kind === 'purchase' || e.kind === 'refund' || e.kind === 'payment_failed';

/** What an entry says about its run or payment, whatever its kind ('' where it says nothing): for search, filters and labels. */
export function entryText(e: LedgerEntry): { label: string; modelId: string; prompt: string; note: string; generationId: string } {
  // every kind's details fit this: the fields a kind lacks are absent
  const d: { label?: string | undefined; modelId?: string | null | undefined; prompt?: string | undefined; note?: string | null | undefined; generationId?: string | undefined } = e.details;
  return { label: d.label ?? '', modelId: d.modelId ?? '', prompt: d.prompt ?? '', note: d.note ?? '', generationId: d.generationId ?? '' };
}
