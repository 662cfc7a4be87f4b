// The HTTP API between main and the credits server: zod schemas for every request and response, and the one error shape.
import { z } from 'zod';
import { GRANT_KINDS } from '../rules/grants';

const mc = z.int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const nonNegMc = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const epochMs = z.int().min(0).max(8_640_000_000_000_000);

export const API_PREFIX = '/v1';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

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
  note: z.string().nullable(),
});
export type GrantView = z.infer<typeof grantViewSchema>;

export const walletSchema = z.object({
  accountId: z.string(),
  displayName: z.string(),
  planId: z.string(),
  /** the server's clock when the wallet was read: the client measures its offset from it */
  serverTimeMs: epochMs,
  availableMc: mc,
  heldMc: nonNegMc,
  /** grants in force now, in burn order */
  grants: z.array(grantViewSchema).max(10_000),
  nextDailyResetMs: epochMs,
  /** a sequence that grows with every change to the wallet, so stale snapshots can be told from fresh ones */
  revision: z.int().min(0),
});
export type Wallet = z.infer<typeof walletSchema>;

export const healthSchema = z.object({ ok: z.literal(true), serverTimeMs: epochMs, version: z.string(), storage: z.enum(['pglite', 'postgres']) });

export const catalogResponseSchema = z.object({
  version: z.string(),
  issuedAtMs: epochMs,
  /** the catalog document, validated again by the client with catalogSchema */
  catalog: z.unknown(),
});

/** Events on the wallet SSE stream. */
export const walletEventSchema = z.object({ type: z.literal('wallet'), wallet: walletSchema });
export type WalletEvent = z.infer<typeof walletEventSchema>;

// ---- admin ----
export const ADMIN_PREFIX = '/admin';

export const createAccountBodySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'account ids are lower-case letters, digits, _ and -').optional(),
    displayName: z.string().trim().min(1).max(80),
    planId: z.string().min(1).max(80).default('free'),
  })
  .strict();
export const createAccountResponseSchema = z.object({ accountId: z.string(), token: z.string() });

export const accountSummarySchema = z.object({ id: z.string(), displayName: z.string(), planId: z.string(), createdAtMs: epochMs });
export const accountListSchema = z.object({ accounts: z.array(accountSummarySchema) });

export const grantBodySchema = z
  .object({
    kind: z.enum(['bonus', 'adjustment', 'pack', 'subscription', 'trial']).default('bonus'),
    /** decimal credits, e.g. "25" or "9.8" */
    credits: z.string().min(1).max(32),
    /** null = never expires; omitted = the kind's default */
    expiresAtMs: epochMs.nullable().optional(),
    paid: z.boolean().optional(),
    note: z.string().max(200).optional(),
  })
  .strict();
export const grantResponseSchema = z.object({ grantId: z.string(), wallet: walletSchema });

export const setPlanBodySchema = z.object({ planId: z.string().min(1).max(80) }).strict();

export const clockBodySchema = z
  .object({
    advanceMs: z.int().min(0).max(10 * 365 * 86_400_000).optional(),
    setMs: epochMs.optional(),
  })
  .strict()
  .refine((b) => (b.advanceMs === undefined) !== (b.setMs === undefined), 'give exactly one of advanceMs or setMs');
export const clockResponseSchema = z.object({ nowMs: epochMs });

export const tokenResponseSchema = z.object({ accountId: z.string(), token: z.string() });
