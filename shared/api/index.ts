// The HTTP API between main and the credits server: zod schemas for every request and response, and the one error shape.
import { z } from 'zod';
import { GRANT_KINDS } from '../rules/grants';
import { runRequestSchema, usageSchema } from '../rules/pricing';
import { BILLING_PERIODS } from '../rules/schedule';
import { safeString } from '../rules/text';
import { autoTopUpViewSchema } from './auto-top-up';
import { fundingLineSchema, ledgerEntrySchema } from './ledger-details';
import { spendLimitStateSchema } from './spend-limits';
import { trainingAllowanceSchema } from './training';
import { walletSubscriptionSchema } from './payments';

export * from './auto-top-up';
export * from './ledger-details';
export * from './spend-limits';
export * from './training';

const nonNegMc = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const epochMs = z.int().min(0).max(8_640_000_000_000_000);

export const API_PREFIX = '/v1';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** what an Idempotency-Key may be: every POST carries one */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,128}$/;
/** a POST that takes no fields: an empty object, or no body at all */
export const emptyBodySchema = z.object({}).strict().optional();

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export const grantViewSchema = z.object({
  id: z.string(),
  kind: z.enum(GRANT_KINDS),
  amountMc: nonNegMc,
  remainingMc: nonNegMc,
  effectiveAtMs: epochMs,
  expiresAtMs: epochMs.nullable(),
  priority: z.int(),
  paid: z.boolean(),
  /** the part of remainingMc pinned by runs in progress: held, not available (0 from servers before pinned holds) */
  pinnedMc: nonNegMc.default(0),
  note: z.string().nullable(),
});
export type GrantView = z.infer<typeof grantViewSchema>;

/** How many spent grants (nothing left) still in force a wallet lists, newest first, besides every grant that holds credits. */
export const WALLET_SPENT_GRANTS_LISTED = 20;

export const walletSchema = z.object({
  accountId: z.string(),
  displayName: z.string(),
  planId: z.string(),
  /** the server's clock when the wallet was read (under the account's lock, so no later change is in it): the client measures its offset from it */
  serverTimeMs: epochMs,
  /** Σ unpinned remaining of the grants in force: availableMc(grants, serverTimeMs) in shared/rules/grants.ts */
  availableMc: nonNegMc,
  /** Σ pinned credits: what runs in progress hold */
  heldMc: nonNegMc,
  /**
   * In burn order: the grants in force that hold credits, those past their expiry whose credits runs in progress still pin
   * (remainingMc = pinnedMc), and the newest spent grants in force (up to WALLET_SPENT_GRANTS_LISTED).
   * availableMc + heldMc = Σ remainingMc.
   */
  grants: z.array(grantViewSchema).max(10_000),
  nextDailyResetMs: epochMs,
  /** a sequence that grows with every change to the wallet, so stale snapshots can be told from fresh ones */
  revision: z.int().min(0),
  /** the plan's training allowance in its current period (absent from servers before training) */
  training: trainingAllowanceSchema.optional(),
  /** the live subscription, and what its period's end will bring; null: none (absent from servers before it) */
  subscription: walletSubscriptionSchema.nullable().optional(),
  /** the account's spend limits with their windows' spend (absent from servers before them; empty: none set) */
  spendLimits: z.array(spendLimitStateSchema).max(20).optional(),
  /** auto top-up as the account has it (absent when it has neither settings nor a saved card) */
  autoTopUp: autoTopUpViewSchema.optional(),
});
export type Wallet = z.infer<typeof walletSchema>;

export const healthSchema = z.object({ ok: z.literal(true), serverTimeMs: epochMs, version: z.string(), storage: z.enum(['pglite', 'postgres']) });

export const catalogResponseSchema = z.object({
  version: z.string(),
  issuedAtMs: epochMs,
  /** the catalog document, validated again by the client with catalogSchema */
  catalog: z.unknown(),
  /** Ed25519 signature (base64) over the canonical JSON of `catalog` */
  signature: z.string().max(200),
  /** which server key signed it: the first 16 hex digits of the SHA-256 of the public key */
  keyId: z.string().max(64),
});

export const catalogKeySchema = z.object({ publicKey: z.string().max(200), keyId: z.string().max(64) });

// ---- ledger ----
export const LEDGER_PAGE_MAX = 1000;
export const ledgerQuerySchema = z
  .object({
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(LEDGER_PAGE_MAX).default(500),
  })
  .strict();
export const ledgerPageSchema = z.object({ items: z.array(ledgerEntrySchema), hasMore: z.boolean() });
export const ledgerEventSchema = z.object({ type: z.literal('ledger'), entry: ledgerEntrySchema });
export type LedgerEvent = z.infer<typeof ledgerEventSchema>;

// ---- generations ----
export const GENERATION_STATUSES = ['queued', 'running', 'succeeded', 'partial', 'failed', 'expired', 'canceled'] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];
export const FINISHED_STATUSES: readonly GenerationStatus[] = ['succeeded', 'partial', 'failed', 'expired', 'canceled'];

export const createGenerationBodySchema = z
  .object({
    request: runRequestSchema,
    /** the most the user agreed to pay, in millicredits: the estimate they saw */
    approvedMc: nonNegMc,
  })
  .strict();
export type CreateGenerationBody = z.input<typeof createGenerationBodySchema>;

/** `POST /v1/estimates`: the same body as a generation; the approval is optional (given, it is checked like a real run's). */
export const createEstimateBodySchema = z
  .object({
    request: runRequestSchema,
    approvedMc: nonNegMc.optional(),
  })
  .strict();
export type CreateEstimateBody = z.input<typeof createEstimateBodySchema>;

/** The refusal a generation with this body would get now, with the status and code the generation route would answer. */
export const estimateRefusalSchema = z.object({
  status: z.int().min(400).max(499),
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type EstimateRefusal = z.infer<typeof estimateRefusalSchema>;

export const estimateAnswerSchema = z.object({
  /** the range: what the run usually costs and the most it can cost (what the user approves and the server holds) */
  typicalMc: nonNegMc,
  maxMc: nonNegMc,
  lines: z.array(z.object({ modelId: z.string(), label: z.string(), typicalMc: nonNegMc, maxMc: nonNegMc, unlimited: z.boolean() })),
  /** the catalog the estimate was computed from */
  catalogVersion: z.string(),
  planId: z.string(),
  availableMc: nonNegMc,
  /** true when a generation with this body would be accepted now */
  allowed: z.boolean(),
  refusal: estimateRefusalSchema.nullable(),
});
export type EstimateAnswer = z.infer<typeof estimateAnswerSchema>;

/** Generation ids and output names, checked wherever one arrives from outside before it is used to find anything. */
export const GENERATION_ID_PATTERN = /^gen_[A-Za-z0-9_-]{1,40}$/;
export const OUTPUT_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,80}$/;

export const generationIdParamsSchema = z.object({ id: z.string().regex(GENERATION_ID_PATTERN, 'not a generation id') }).strict();
export const outputParamsSchema = generationIdParamsSchema.extend({ name: z.string().regex(OUTPUT_NAME_PATTERN, 'not an output name') }).strict();
export const idempotencyKeyParamsSchema = z.object({ key: z.string().regex(IDEMPOTENCY_KEY_PATTERN, 'not an idempotency key') }).strict();

export const outputSchema = z.object({
  name: z.string().regex(OUTPUT_NAME_PATTERN),
  kind: z.enum(['text', 'image', 'video', 'audio', 'model']),
  mime: z.string(),
  bytes: z.int().min(0),
  width: z.int().optional(),
  height: z.int().optional(),
  durationMs: z.int().optional(),
});
export type GenerationOutput = z.infer<typeof outputSchema>;



export const generationSchema = z.object({
  id: z.string(),
  status: z.enum(GENERATION_STATUSES),
  request: runRequestSchema,
  modelId: z.string().nullable(),
  workflowId: z.string().nullable(),
  label: z.string(),
  engine: z.string(),
  approvedMc: nonNegMc,
  heldMc: nonNegMc,
  estimateMaxMc: nonNegMc,
  estimateTypicalMc: nonNegMc,
  finalMc: nonNegMc.nullable(),
  chargedMc: nonNegMc.nullable(),
  refundedMc: nonNegMc.nullable(),
  funding: z.array(fundingLineSchema),
  /** funded (in part) by paid credits: the result may be used commercially */
  commercialUse: z.boolean(),
  outputs: z.array(outputSchema),
  /** what the run used (tokens in and out, images, seconds of video), as the engine reported it; null until it settles */
  usage: usageSchema.nullable().default(null),
  /** while it waits: how many runs start before it on its engine and when it should start (the instance that holds it knows) */
  queue: z.object({ ahead: z.int().min(0), expectedStartMs: epochMs }).nullable().default(null),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  progressPct: z.int().min(0).max(100),
  /** while it runs, when the engine expects it to finish (server time), if the engine can estimate it (the local engine knows its latency); sent on the stream only */
  expectedFinishMs: epochMs.optional(),
  createdAtMs: epochMs,
  startedAtMs: epochMs.nullable(),
  finishedAtMs: epochMs.nullable(),
  deadlineMs: epochMs,
});
export type Generation = z.infer<typeof generationSchema>;

export const GENERATION_PAGE_MAX = 100;
export const generationListQuerySchema = z
  .object({
    cursor: safeString().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(GENERATION_PAGE_MAX).default(20),
  })
  .strict();
export const generationPageSchema = z.object({ items: z.array(generationSchema), nextCursor: z.string().nullable() });

/**
 * The header of the SSE stream's answer that says how often (ms) the server writes its heartbeat on it: a client that hears nothing
 * for two heartbeats and a margin counts the server as not answering.
 */
export const STREAM_HEARTBEAT_HEADER = 'x-heartbeat-ms';
/** the server's heartbeat on the event stream unless its operator sets another (--sse-heartbeat-ms) */
export const DEFAULT_STREAM_HEARTBEAT_MS = 2_000;

/** Events on the account's SSE stream. */
export const walletEventSchema = z.object({ type: z.literal('wallet'), wallet: walletSchema });
export type WalletEvent = z.infer<typeof walletEventSchema>;
export const generationEventSchema = z.object({ type: z.literal('generation'), generation: generationSchema });
export type GenerationEvent = z.infer<typeof generationEventSchema>;

// ---- admin ----
export const ADMIN_PREFIX = '/admin';
export const accountIdParamsSchema = z.object({ id: safeString().min(1).max(80) }).strict();

export const createAccountBodySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'account ids are lower-case letters, digits, _ and -').optional(),
    displayName: safeString().trim().min(1).max(80),
    planId: safeString().min(1).max(80).default('free'),
  })
  .strict();
/** The answer to an account's creation: the secret of its first token is shown here once, and never stored. */
export const createAccountResponseSchema = z.object({ accountId: z.string(), tokenId: z.string(), token: z.string() });

export const accountSummarySchema = z.object({ id: z.string(), displayName: z.string(), planId: z.string(), createdAtMs: epochMs });
export const accountListSchema = z.object({ accounts: z.array(accountSummarySchema) });

export const grantBodySchema = z
  .object({
    kind: z.enum(['bonus', 'adjustment', 'pack', 'subscription', 'trial']).default('bonus'),
    /** decimal credits, e.g. "25" or "9.8" */
    credits: safeString().min(1).max(32),
    /** null = never expires; omitted = the kind's default */
    expiresAtMs: epochMs.nullable().optional(),
    paid: z.boolean().optional(),
    note: safeString().max(200).optional(),
  })
  .strict();
export const grantResponseSchema = z.object({ grantId: z.string(), wallet: walletSchema });

/** an operator's set-plan: a plan sold by subscription starts one for `period` (the plan's first billing option when absent) */
export const setPlanBodySchema = z.object({ planId: safeString().min(1).max(80), period: z.enum(BILLING_PERIODS).optional() }).strict();

export const clockBodySchema = z
  .object({
    advanceMs: z.int().min(0).max(10 * 365 * 86_400_000).optional(),
    setMs: epochMs.optional(),
  })
  .strict()
  .refine((b) => (b.advanceMs === undefined) !== (b.setMs === undefined), 'give exactly one of advanceMs or setMs');
export const clockResponseSchema = z.object({ nowMs: epochMs });

// ---- tokens ----
/** Token ids name a token in lists, revocations and logs; the secret itself is shown once, when issued, and stored only as a hash. */
export const TOKEN_ID_PATTERN = /^tok_[A-Za-z0-9_-]{1,40}$/;
export const TOKEN_LABEL_MAX_CHARS = 80;
export const TOKEN_LIST_MAX = 500;
/** A replayed token creation (same Idempotency-Key) answers this 409 with details { accountId, tokenId }, never the secret again. */
export const TOKEN_ALREADY_ISSUED = 'token_already_issued';

const tokenId = z.string().regex(TOKEN_ID_PATTERN, 'not a token id');
export const tokenIdParamsSchema = z.object({ tokenId }).strict();
export const accountTokenParamsSchema = z.object({ id: accountIdParamsSchema.shape.id, tokenId }).strict();
export const createTokenBodySchema = z.object({ label: safeString().trim().max(TOKEN_LABEL_MAX_CHARS).optional() }).strict().optional();

export const tokenViewSchema = z.object({
  id: z.string(),
  label: z.string(),
  createdAtMs: epochMs,
  /** the last request made with it, to the minute: it is recorded at most once a minute */
  lastUsedAtMs: epochMs.nullable(),
  revokedAtMs: epochMs.nullable(),
});
export type TokenView = z.infer<typeof tokenViewSchema>;
/** newest first, at most TOKEN_LIST_MAX */
export const tokenListSchema = z.object({ items: z.array(tokenViewSchema).max(TOKEN_LIST_MAX) });

/** The answer to a token's creation: the only time its secret is shown. */
export const tokenResponseSchema = z.object({ accountId: z.string(), tokenId: z.string(), label: z.string(), createdAtMs: epochMs, token: z.string() });
export const tokenAlreadyIssuedDetailsSchema = z.object({ accountId: z.string(), tokenId: z.string() });
export * from './payments';
