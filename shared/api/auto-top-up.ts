// The auto top-up contracts: the settings a user opts in with (a cap is required), and what the wallet shows of it (the card, the month so far, why it is paused).
import { z } from 'zod';
import { MAX_GRANT_MC } from '../rules/money';
import { safeString } from '../rules/text';

const epochMs = z.int().min(0).max(8_640_000_000_000_000);

export const topUpCapSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('count'), count: z.int().min(1).max(31) }).strict(),
  z.object({ kind: z.literal('amount'), amountMinor: z.int().min(1).max(10_000_000), currency: z.string().regex(/^[A-Z]{3}$/) }).strict(),
]);

/** Opt-in settings: on or off, the pack to buy, the threshold it buys below, the monthly cap (required), the billing country. */
export const autoTopUpSettingsSchema = z
  .object({
    enabled: z.boolean(),
    packId: safeString().min(1).max(80),
    thresholdMc: z.int().min(1).max(MAX_GRANT_MC),
    cap: topUpCapSchema,
    country: z.string().regex(/^[A-Z]{2}$/, 'a two-letter country code such as US'),
  })
  .strict();
export type AutoTopUpSettingsBody = z.input<typeof autoTopUpSettingsSchema>;

export const autoTopUpViewSchema = z.object({
  settings: autoTopUpSettingsSchema.nullable(),
  /** the card saved at a checkout for auto top-up (brand and last 4 only) */
  card: z.object({ brand: z.string().nullable(), last4: z.string().nullable() }).nullable(),
  /** why auto top-up stopped until the user acts, and where to fix it (the top-up's checkout) */
  paused: z.object({ code: z.string(), message: z.string(), purchaseId: z.string(), atMs: epochMs, fixUrl: z.string().nullable() }).nullable(),
  /** this calendar month's (UTC) top-ups that count against the cap, and whether the cap stopped one */
  month: z.object({ count: z.int().min(0), amountMinor: z.int().min(0), capReached: z.boolean() }),
});
export type AutoTopUpView = z.infer<typeof autoTopUpViewSchema>;
