// History's IPC shapes: the filter, the rows main answers (one per run, with its cost, funding and entry ids; one per other entry), and receipts.
import { z } from 'zod';
import { ledgerEntrySchema, LEDGER_KINDS } from '../api/index';
import { GRANT_KINDS } from '../rules/grants';
import { usageSchema } from '../rules/pricing';
import { RECEIPT_KINDS } from '../api/receipts';

const mc = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const epochMs = z.int().min(0).max(8_640_000_000_000_000);

/** the most entry ids a run row carries (a run has a hold, a capture or a void, a release and a few expiries) */
export const RUN_ROW_MAX_ENTRIES = 100;
/** the most ledger entries one `historyEntries` call returns */
export const HISTORY_ENTRIES_MAX = RUN_ROW_MAX_ENTRIES;

export const historyFilterSchema = z
  .object({
    kinds: z.array(z.enum(LEDGER_KINDS)).max(LEDGER_KINDS.length).optional(),
    modelId: z.string().max(80).optional(),
    fromMs: z.int().min(0).optional(),
    toMs: z.int().min(0).optional(),
    search: z.string().max(200).optional(),
  })
  .strict();
export type HistoryFilter = z.infer<typeof historyFilterSchema>;

/** held: in progress; settled: charged; partial: charged for what was delivered; refunded: failed, canceled or expired, nothing charged */
export const RUN_ROW_STATUSES = ['held', 'settled', 'partial', 'refunded'] as const;
export type RunRowStatus = (typeof RUN_ROW_STATUSES)[number];

/** Credits of one grant kind, in burn order: what a run was charged from (or, while held, what its hold pinned). */
export const fundingByKindSchema = z.object({ kind: z.enum(GRANT_KINDS), amountMc: mc, paid: z.boolean() });
export type FundingByKind = z.infer<typeof fundingByKindSchema>;

export const historyRunRowSchema = z.object({
  type: z.literal('run'),
  /** the generation's id */
  runId: z.string().max(80),
  label: z.string().max(200),
  modelId: z.string().max(80).nullable(),
  prompt: z.string().max(200),
  status: z.enum(RUN_ROW_STATUSES),
  /** the time of its first entry (the hold) */
  atMs: epochMs,
  /** the final charge: 0 for a refunded run and while held */
  chargedMc: mc,
  /** what the hold reserved: the most the run can cost */
  heldMc: mc,
  /** what the run's release or refund gave back */
  returnedMc: mc,
  /** what expired of grants the run had pinned past their expiry, when it let them go */
  expiredMc: mc,
  estimateMaxMc: mc.nullable(),
  /** charged from, by grant kind in burn order (empty while held or refunded) */
  funding: z.array(fundingByKindSchema).max(GRANT_KINDS.length),
  /** what the hold pinned, by grant kind in burn order (when the hold says) */
  heldFrom: z.array(fundingByKindSchema).max(GRANT_KINDS.length),
  /** paid credits funded it (null: not settled) */
  commercialUse: z.boolean().nullable(),
  usage: usageSchema.nullable(),
  /** outputs delivered, when known */
  outputCount: z.int().min(0).nullable(),
  /** why it was refunded (an error code), when it was */
  reason: z.string().max(80).nullable(),
  /** its ledger entries, oldest first: `historyEntries` gives them */
  entryIds: z.array(z.int().min(1)).max(RUN_ROW_MAX_ENTRIES),
});
export type HistoryRunRow = z.infer<typeof historyRunRowSchema>;

export const historyEntryRowSchema = z.object({ type: z.literal('entry'), entry: ledgerEntrySchema });
export type HistoryEntryRow = z.infer<typeof historyEntryRowSchema>;

export const historyRowSchema = z.discriminatedUnion('type', [historyRunRowSchema, historyEntryRowSchema]);
export type HistoryRow = z.infer<typeof historyRowSchema>;

export const historyPageSchema = z.object({
  /** rows that match the filter: runs and the entries that belong to no run */
  total: z.int().min(0),
  /** of those, runs */
  runs: z.int().min(0),
  items: z.array(historyRowSchema).max(500),
  /** models and workflows present in history, for the filter */
  models: z.array(z.object({ id: z.string(), label: z.string() })),
  /** entries held locally in all */
  size: z.int().min(0),
});
export type HistoryPage = z.infer<typeof historyPageSchema>;

export const historyEntriesInputSchema = z.object({ ids: z.array(z.int().min(1)).min(1).max(HISTORY_ENTRIES_MAX) }).strict();
export const historyEntriesSchema = z.array(ledgerEntrySchema).max(HISTORY_ENTRIES_MAX);

/** A purchase's, renewal's, refund's or failed payment's receipt, as main builds it from the entry and the purchase (shared/rules/receipts.ts). */
export const receiptSchema = z.object({
  kind: z.enum(RECEIPT_KINDS),
  title: z.string().max(200),
  lines: z.array(z.object({ label: z.string().max(80), value: z.string().max(500) })).max(30),
  fileName: z.string().max(200),
});
export const receiptInputSchema = z.object({ entryId: z.int().min(1) }).strict();
/** Where the saved receipt went: a path chosen in a save dialog (Electron), or the address the page downloads it from (browser mode). */
export const savedReceiptSchema = z.object({ saved: z.boolean(), path: z.string().nullable(), downloadUrl: z.string().nullable(), fileName: z.string().max(200) });
export type SavedReceipt = z.infer<typeof savedReceiptSchema>;
