// The credits server's database schema (drizzle): one schema for PGlite and PostgreSQL; times are epoch ms, credits are millicredits.
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type { GenerationStatus, LedgerKind, PurchaseKind, PurchaseReason, PurchaseStatus, TrainingStatus } from '../../shared/api/index';
import type { AutoTopUpSettings, SavedMethod, TopUpPause } from '../../shared/rules/auto-top-up';
import type { GrantKind } from '../../shared/rules/grants';
import type { BillingPeriod } from '../../shared/rules/schedule';
import type { SpendLimit } from '../../shared/rules/spend-limits';
import type { SubscriptionStatus } from '../../shared/rules/subscriptions';
import type { AllowancePeriod, TrainingFunding, TrainingStage } from '../../shared/rules/training';

const ms = (name: string) => bigint(name, { mode: 'number' });
const mc = (name: string) => bigint(name, { mode: 'number' });

/**
 * The server's own vocabularies (the rest are shared/). Each text column of a vocabulary has its type here and a CHECK in the
 * database (migration 0010_vocabularies), which server/db/vocabularies.test.ts keeps equal to the lists.
 */
export const HOLD_STATUSES = ['active', 'captured', 'voided'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];
/** a training allowance unit used by a job, or given back when the job ends without a model */
export const ALLOWANCE_ENTRY_KINDS = ['use', 'return'] as const;
export type AllowanceEntryKind = (typeof ALLOWANCE_ENTRY_KINDS)[number];

export const accounts = pgTable('accounts', {
  id: text('id').primaryKey(),
  displayName: text('display_name').notNull(),
  planId: text('plan_id').notNull(),
  createdAtMs: ms('created_at_ms').notNull(),
  /** the user's and the operator's spend limits (shared/rules/spend-limits.ts), read with the account's lock by every hold */
  spendLimits: jsonb('spend_limits').$type<SpendLimit[]>().notNull().default(sql`'[]'::jsonb`),
  /** the user's auto top-up (off when null): settings, why it is paused, the month the cap was last told */
  autoTopUp: jsonb('auto_top_up').$type<AutoTopUpRecord>(),
  /** the card saved at a checkout for payments without the user: the provider's references (never sent to a client), brand and last 4 */
  savedMethod: jsonb('saved_method').$type<SavedMethodRecord>(),
});

export interface AutoTopUpRecord {
  settings: AutoTopUpSettings;
  paused: TopUpPause | null;
  /** the calendar month (UTC) whose cap stopped a top-up and was told to the user: told once a month */
  capToldMonth: string | null;
}
export interface SavedMethodRecord extends SavedMethod {
  provider: string;
  customerRef: string;
  methodRef: string;
}

export const apiTokens = pgTable(
  'api_tokens',
  {
    /** sha256 of the token; the token itself is never stored (nor is any answer that carried it: see http/idempotency.ts) */
    tokenHash: text('token_hash').primaryKey(),
    /** the token's public name (tok_…), for lists, revocation and logs */
    id: text('id').notNull(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    label: text('label').notNull().default(''),
    createdAtMs: ms('created_at_ms').notNull(),
    revokedAtMs: ms('revoked_at_ms'),
    /** the last request made with it, written at most once a minute (accounts/tokens.ts) */
    lastUsedAtMs: ms('last_used_at_ms'),
  },
  (t) => [index('api_tokens_account_idx').on(t.accountId), uniqueIndex('api_tokens_id_idx').on(t.id)],
);

export const grants = pgTable(
  'grants',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    kind: text('kind').$type<GrantKind>().notNull(),
    amountMc: mc('amount_mc').notNull(),
    remainingMc: mc('remaining_mc').notNull(),
    effectiveAtMs: ms('effective_at_ms').notNull(),
    expiresAtMs: ms('expires_at_ms'),
    priority: integer('priority').notNull().default(0),
    paid: boolean('paid').notNull(),
    note: text('note'),
    /** what created the grant (e.g. "daily:2026-11-22", "admin:<key>"); unique per account, so a grant is made exactly once */
    sourceRef: text('source_ref').notNull(),
    createdAtMs: ms('created_at_ms').notNull(),
  },
  (t) => [
    uniqueIndex('grants_account_source_idx').on(t.accountId, t.sourceRef),
    index('grants_account_expiry_idx').on(t.accountId, t.expiresAtMs),
  ],
);

export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    kind: text('kind').$type<LedgerKind>().notNull(),
    /** signed change to the account's credits: + for grants, − for captures and expiries */
    amountMc: mc('amount_mc').notNull(),
    grantId: text('grant_id'),
    ref: text('ref'),
    atMs: ms('at_ms').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [index('ledger_account_idx').on(t.accountId, t.id)],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    status: integer('status').notNull(),
    body: jsonb('body').notNull(),
    createdAtMs: ms('created_at_ms').notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] })],
);

export const meta = pgTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const generations = pgTable(
  'generations',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    status: text('status').$type<GenerationStatus>().notNull(),
    request: jsonb('request').$type<Record<string, unknown>>().notNull(),
    modelId: text('model_id'),
    workflowId: text('workflow_id'),
    label: text('label').notNull(),
    prompt: text('prompt').notNull().default(''),
    engine: text('engine').notNull(),
    approvedMc: mc('approved_mc').notNull(),
    heldMc: mc('held_mc').notNull(),
    estimateMaxMc: mc('estimate_max_mc').notNull(),
    estimateTypicalMc: mc('estimate_typical_mc').notNull(),
    finalMc: mc('final_mc'),
    chargedMc: mc('charged_mc'),
    refundedMc: mc('refunded_mc'),
    funding: jsonb('funding').$type<{ grantId: string; kind: string; amountMc: number; paid: boolean }[]>().notNull().default(sql`'[]'::jsonb`),
    commercialUse: boolean('commercial_use').notNull().default(false),
    usage: jsonb('usage'),
    outputs: jsonb('outputs').$type<Record<string, unknown>[]>().notNull().default(sql`'[]'::jsonb`),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    progressPct: integer('progress_pct').notNull().default(0),
    deadlineMs: ms('deadline_ms').notNull(),
    createdAtMs: ms('created_at_ms').notNull(),
    startedAtMs: ms('started_at_ms'),
    finishedAtMs: ms('finished_at_ms'),
    /** the server instance that holds the run (queued in its memory, or running on its engine); null when nobody does */
    ownerId: text('owner_id'),
    /** database time (ms) until which the owner's lease holds; the owner heartbeats it, any instance may take over after it */
    leaseExpiresAtMs: ms('lease_expires_at_ms'),
    /** database time (ms) the run took a slot of its engine (counts against the engine's requests per minute) */
    engineClaimedAtMs: ms('engine_claimed_at_ms'),
    /** database time (ms) its engine work ended and the slot was freed (it may still be settling) */
    engineReleasedAtMs: ms('engine_released_at_ms'),
  },
  (t) => [
    index('generations_account_created_idx').on(t.accountId, t.createdAtMs, t.id),
    index('generations_status_idx').on(t.status),
    index('generations_lease_idx').on(t.status, t.leaseExpiresAtMs),
    index('generations_queued_engine_idx').on(t.engine, t.createdAtMs, t.id).where(sql`${t.status} = 'queued'`),
    index('generations_engine_slots_idx').on(t.engine, t.ownerId).where(sql`${t.engineClaimedAtMs} IS NOT NULL AND ${t.engineReleasedAtMs} IS NULL`),
    index('generations_engine_claimed_idx').on(t.engine, t.engineClaimedAtMs),
    index('generations_account_claimed_idx').on(t.accountId, t.engineClaimedAtMs),
    index('generations_running_account_idx').on(t.accountId).where(sql`${t.status} = 'running'`),
  ],
);

/** One row per engine, made on demand: the row every claim of a slot of that engine locks first, so claims for one engine take turns across the fleet. */
export const engineSlots = pgTable('engine_slots', {
  engine: text('engine').primaryKey(),
});

export const holds = pgTable(
  'holds',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    generationId: text('generation_id')
      .notNull()
      .references(() => generations.id),
    amountMc: mc('amount_mc').notNull(),
    status: text('status').$type<HoldStatus>().notNull(),
    deadlineMs: ms('deadline_ms').notNull(),
    createdAtMs: ms('created_at_ms').notNull(),
    settledAtMs: ms('settled_at_ms'),
  },
  (t) => [index('holds_account_status_idx').on(t.accountId, t.status), index('holds_deadline_idx').on(t.status, t.deadlineMs), uniqueIndex('holds_generation_idx').on(t.generationId), index('holds_account_settled_idx').on(t.accountId, t.settledAtMs)],
);

/** The credits an active hold reserves, grant by grant (pinned in burn order when the hold is placed); deleted when it settles or is voided. */
export const holdPins = pgTable(
  'hold_pins',
  {
    holdId: text('hold_id')
      .notNull()
      .references(() => holds.id),
    grantId: text('grant_id')
      .notNull()
      .references(() => grants.id),
    amountMc: mc('amount_mc').notNull(),
  },
  (t) => [primaryKey({ columns: [t.holdId, t.grantId] }), index('hold_pins_grant_idx').on(t.grantId)],
);

/** A purchase: a pack, or the checkout of a plan's billing option; `status` pending | paid | failed | canceled | refunded | disputed. */
export const purchases = pgTable(
  'purchases',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    /** pack | subscription (a plan's checkout) | renewal (a subscription's next period, paid by the provider's billing) */
    kind: text('kind').$type<PurchaseKind>().notNull(),
    packId: text('pack_id'),
    planId: text('plan_id'),
    period: text('period').$type<BillingPeriod>(),
    name: text('name').notNull(),
    creditsMc: mc('credits_mc').notNull(),
    priceMinor: bigint('price_minor', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    country: text('country').notNull(),
    status: text('status').$type<PurchaseStatus>().notNull(),
    provider: text('provider').notNull(),
    providerSessionId: text('provider_session_id'),
    /** the provider's payment (Stripe: the PaymentIntent or invoice's charge); unique per provider, so one payment pays one purchase */
    providerPaymentId: text('provider_payment_id'),
    checkoutUrl: text('checkout_url').notNull().default(''),
    grantId: text('grant_id'),
    /** credits taken back from the purchase's grant by a refund or a dispute */
    takenBackMc: mc('taken_back_mc').notNull().default(0),
    failureCode: text('failure_code'),
    failureMessage: text('failure_message'),
    createdAtMs: ms('created_at_ms').notNull(),
    updatedAtMs: ms('updated_at_ms').notNull(),
    paidAtMs: ms('paid_at_ms'),
    /** checkout (the buyer paid at a checkout) | auto_top_up (bought by the server at a crossing, with the saved card) */
    reason: text('reason').$type<PurchaseReason>().notNull().default('checkout'),
    /** an auto top-up: the run whose hold crossed the threshold; one purchase per crossing */
    crossingKey: text('crossing_key'),
    /** the card that paid (or was declined), as the provider reported it: its brand (visa, mastercard…) and last 4 digits */
    paymentBrand: text('payment_brand'),
    paymentLast4: text('payment_last4'),
    /** the billing address's country, as the provider reported it */
    billingCountry: text('billing_country'),
    /** when the credits it granted expire (as granted: a refund ends the grant sooner) */
    grantExpiresAtMs: ms('grant_expires_at_ms'),
    /** a refund (or a country refusal's): when, and how much money was given back */
    refundedAtMs: ms('refunded_at_ms'),
    refundedMinor: bigint('refunded_minor', { mode: 'number' }),
  },
  (t) => [index('purchases_account_idx').on(t.accountId, t.createdAtMs), uniqueIndex('purchases_payment_idx').on(t.provider, t.providerPaymentId), uniqueIndex('purchases_crossing_idx').on(t.accountId, t.crossingKey).where(sql`crossing_key IS NOT NULL`)],
);

/** The provider events already handled, by the provider's event id: a replay finds its row and changes nothing. */
export const paymentEvents = pgTable(
  'payment_events',
  {
    provider: text('provider').notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    receivedAtMs: ms('received_at_ms').notNull(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.eventId] })],
);

/** An account's paid plan (at most one); an account without a row is on its accounts.plan_id without billing (Free, or an operator's choice). */
export const subscriptions = pgTable(
  'subscriptions',
  {
    accountId: text('account_id')
      .primaryKey()
      .references(() => accounts.id),
    planId: text('plan_id').notNull(),
    period: text('period').$type<BillingPeriod>().notNull(),
    status: text('status').$type<SubscriptionStatus>().notNull(),
    currentPeriodStartMs: ms('current_period_start_ms').notNull(),
    currentPeriodEndMs: ms('current_period_end_ms').notNull(),
    cancelAtPeriodEnd: boolean('cancel_at_period_end').notNull().default(false),
    /** a downgrade waiting for the end of the paid period */
    nextPlanId: text('next_plan_id'),
    nextPeriod: text('next_period').$type<BillingPeriod>(),
    /** a failed renewal keeps the plan until then */
    graceUntilMs: ms('grace_until_ms'),
    /** test | stripe | operator */
    provider: text('provider').notNull(),
    providerSubscriptionId: text('provider_subscription_id'),
    purchaseId: text('purchase_id'),
    updatedAtMs: ms('updated_at_ms').notNull(),
  },
  (t) => [index('subscriptions_provider_idx').on(t.provider, t.providerSubscriptionId)],
);

/** Legacy plans an account has left: it cannot choose them again. */
export const leftPlans = pgTable(
  'left_plans',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    planId: text('plan_id').notNull(),
    leftAtMs: ms('left_at_ms').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.planId] })],
);

/** Custom model training jobs: funded by a unit of the plan's training allowance, or by credits held through a generation. */
export const trainings = pgTable(
  'trainings',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    name: text('name').notNull(),
    status: text('status').$type<TrainingStatus>().notNull(),
    funding: text('funding').$type<TrainingFunding>().notNull(),
    /** credits: the generation whose hold pays for the job */
    generationId: text('generation_id'),
    imageCount: integer('image_count').notNull(),
    imageBytes: bigint('image_bytes', { mode: 'number' }).notNull(),
    /** the stored images: file name, type, bytes and sha256 */
    images: jsonb('images').$type<{ file: string; mime: string; bytes: number; sha256: string }[]>().notNull().default(sql`'[]'::jsonb`),
    /** steps done of TRAINING_STEPS; a resumed job continues from its last checkpoint */
    step: integer('step').notNull().default(0),
    progressPct: integer('progress_pct').notNull().default(0),
    stage: text('stage').$type<TrainingStage>().notNull().default('queued'),
    /** how long the whole job runs at the configured speed */
    durationMs: ms('duration_ms').notNull(),
    timeLeftMs: ms('time_left_ms'),
    modelFile: text('model_file'),
    modelBytes: bigint('model_bytes', { mode: 'number' }),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    createdAtMs: ms('created_at_ms').notNull(),
    startedAtMs: ms('started_at_ms'),
    finishedAtMs: ms('finished_at_ms'),
    /** the instance training it, and until when (database time) its lease holds: as generations (generations/leases.ts) */
    ownerId: text('owner_id'),
    leaseExpiresAtMs: ms('lease_expires_at_ms'),
  },
  (t) => [index('trainings_account_created_idx').on(t.accountId, t.createdAtMs, t.id), index('trainings_lease_idx').on(t.status, t.leaseExpiresAtMs)],
);

/** Every use (+1) and return (−1) of a training allowance unit, in the period window it counts in; each happens once per job. */
export const trainingAllowanceEntries = pgTable(
  'training_allowance_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    trainingId: text('training_id')
      .notNull()
      .references(() => trainings.id),
    kind: text('kind').$type<AllowanceEntryKind>().notNull(),
    units: integer('units').notNull(),
    period: text('period').$type<AllowancePeriod>().notNull(),
    windowStartMs: ms('window_start_ms').notNull(),
    windowEndMs: ms('window_end_ms').notNull(),
    atMs: ms('at_ms').notNull(),
    reason: text('reason'),
  },
  (t) => [uniqueIndex('training_allowance_once_idx').on(t.trainingId, t.kind), index('training_allowance_window_idx').on(t.accountId, t.period, t.windowStartMs)],
);
