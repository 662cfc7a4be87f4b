// The HTTP API of money in: purchases of packs, plan checkouts and subscriptions (zod schemas shared by the server and main).
import { z } from 'zod';
import { BILLING_PERIODS } from '../rules/schedule';
import { LIVE_SUBSCRIPTION_STATUSES, SUBSCRIPTION_STATUSES } from '../rules/subscriptions';
import { safeString } from '../rules/text';

const epochMs = z.int().min(0).max(8_640_000_000_000_000);
const nonNeg = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

export const PURCHASE_STATUSES = ['pending', 'paid', 'failed', 'canceled', 'refunded', 'disputed'] as const;
export type PurchaseStatus = (typeof PURCHASE_STATUSES)[number];
/** defined in rules/schedule.ts; here too for the contracts that read it from the API */
export { BILLING_PERIODS };
export const PURCHASE_KINDS = ['pack', 'subscription', 'renewal'] as const;
export type PurchaseKind = (typeof PURCHASE_KINDS)[number];
/** checkout: the buyer paid at a checkout; auto_top_up: bought by the server at a crossing, with the saved card */
export const PURCHASE_REASONS = ['checkout', 'auto_top_up'] as const;
export type PurchaseReason = (typeof PURCHASE_REASONS)[number];
export const PURCHASE_ID_PATTERN = /^pur_[A-Za-z0-9_-]{1,40}$/;
export const PURCHASE_PAGE_MAX = 100;

/** A card as a receipt names it: its brand as the provider spells it (visa, mastercard, amex…) and its last 4 digits. */
export const paymentMethodSchema = z.object({ brand: z.string().regex(/^[a-z0-9_]{1,40}$/), last4: z.string().regex(/^[0-9]{4}$/) });
export type PaymentMethod = z.infer<typeof paymentMethodSchema>;

/** An ISO 3166 alpha-2 country code; lower case is accepted and upper-cased. */
export const countryCodeSchema = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'a country is a two-letter ISO code, e.g. US')
  .transform((s) => s.toUpperCase());

export const createPurchaseBodySchema = z.object({ packId: safeString().min(1).max(80), country: countryCodeSchema, /** keep the card for auto top-up (it never turns auto top-up on) */ saveCard: z.boolean().optional() }).strict();
export type CreatePurchaseBody = z.input<typeof createPurchaseBodySchema>;

export const purchaseIdParamsSchema = z.object({ id: z.string().regex(PURCHASE_ID_PATTERN, 'not a purchase id') }).strict();
export const purchaseListQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(PURCHASE_PAGE_MAX).default(20) }).strict();

export const purchaseSchema = z.object({
  id: z.string(),
  /** pack; subscription: a plan's checkout; renewal: a subscription's next period, paid by the provider's billing */
  kind: z.enum(PURCHASE_KINDS),
  status: z.enum(PURCHASE_STATUSES),
  packId: z.string().nullable(),
  planId: z.string().nullable(),
  period: z.enum(BILLING_PERIODS).nullable(),
  name: z.string(),
  /** the credits it grants: a pack's, or the plan's for one period */
  creditsMc: nonNeg,
  /** the price in minor units of `currency` (cents) */
  priceMinor: nonNeg,
  currency: z.string(),
  country: z.string(),
  /** where the buyer pays: open it in the system browser */
  checkoutUrl: z.string(),
  createdAtMs: epochMs,
  paidAtMs: epochMs.nullable(),
  grantId: z.string().nullable(),
  /** credits a refund or dispute took back (what was left of the grant then; what was spent stays spent) */
  takenBackMc: nonNeg,
  failure: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** the card that paid (or was last declined), as the provider reported it; null until it does (absent from servers before receipts) */
  paymentMethod: paymentMethodSchema.nullable().default(null),
  /** the billing address's country, as the provider reported it */
  billingCountry: z.string().nullable().default(null),
  /** when the credits it granted expire (as granted; a refund ends them sooner) */
  grantExpiresAtMs: epochMs.nullable().default(null),
  /** a refund: when, and how much money was given back (minor units of `currency`) */
  refundedAtMs: epochMs.nullable().default(null),
  refundedMinor: nonNeg.nullable().default(null),
  /** why it was bought: at a checkout, or by auto top-up when the balance crossed its threshold (absent from servers before it) */
  reason: z.enum(PURCHASE_REASONS).default('checkout'),
});
export type Purchase = z.infer<typeof purchaseSchema>;
export const purchasePageSchema = z.object({ items: z.array(purchaseSchema).max(PURCHASE_PAGE_MAX) });

/** The answer to a webhook delivery: handled now, or already handled before (a replay). */
export const webhookAnswerSchema = z.object({ received: z.literal(true), duplicate: z.boolean() });

// ---- subscriptions ----
export const startSubscriptionBodySchema = z.object({ planId: safeString().min(1).max(80), period: z.enum(BILLING_PERIODS), country: countryCodeSchema }).strict();
export const changeSubscriptionBodySchema = z.object({ planId: safeString().min(1).max(80), period: z.enum(BILLING_PERIODS) }).strict();
/** `POST /v1/subscription/resume` takes no fields and answers a subscriptionChangeAnswer: a cancel at the period's end taken back. */
export const resumeSubscriptionBodySchema = z.object({}).strict().optional();
/** Its 409s: the subscription is not cancelled (nothing to resume), or its paid period has already ended (subscribe again). */
export const RESUME_REFUSALS = { nothingToResume: 'nothing_to_resume', periodEnded: 'subscription_period_ended' } as const;

export const subscriptionViewSchema = z.object({
  planId: z.string(),
  period: z.enum(BILLING_PERIODS).nullable(),
  /** none: on a plan without billing (Free, or set by the operator) */
  status: z.enum(['none', ...SUBSCRIPTION_STATUSES]),
  currentPeriodStartMs: epochMs.nullable(),
  currentPeriodEndMs: epochMs.nullable(),
  cancelAtPeriodEnd: z.boolean(),
  /** a downgrade that takes effect at the period's end */
  nextPlanId: z.string().nullable(),
  nextPeriod: z.enum(BILLING_PERIODS).nullable(),
  graceUntilMs: epochMs.nullable(),
  /** a checkout under way for a new subscription */
  pendingPurchaseId: z.string().nullable(),
});
export type SubscriptionView = z.infer<typeof subscriptionViewSchema>;

/**
 * The live subscription as the wallet carries it: what the server's schedule will do at the period's end (renew, at the plan
 * and period a downgrade chose; end after a cancel; end when a failed renewal's grace is over), so that a client forecasts
 * exactly that, offline too. The wallet has null when there is none.
 */
export const walletSubscriptionSchema = z.object({
  planId: z.string(),
  period: z.enum(BILLING_PERIODS),
  status: z.enum(LIVE_SUBSCRIPTION_STATUSES),
  currentPeriodStartMs: epochMs,
  currentPeriodEndMs: epochMs,
  cancelAtPeriodEnd: z.boolean(),
  nextPlanId: z.string().nullable(),
  nextPeriod: z.enum(BILLING_PERIODS).nullable(),
  graceUntilMs: epochMs.nullable(),
});
export type WalletSubscription = z.infer<typeof walletSubscriptionSchema>;
export const subscriptionChangeAnswerSchema = z.object({
  subscription: subscriptionViewSchema,
  /** what changes and when, in words */
  effect: z.string(),
  /** a checkout the buyer must complete (an upgrade paid now), or null */
  purchase: purchaseSchema.nullable(),
});
