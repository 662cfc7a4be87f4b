// The spend-limit contracts: a limit as set, with its window's spend as the server counted it, and the body that sets the user's limits.
import { z } from 'zod';
import { MAX_GRANT_MC } from '../rules/money';
import { MAX_SPEND_LIMITS, SPEND_WINDOWS } from '../rules/spend-limits';
import { safeString } from '../rules/text';

const epochMs = z.int().min(0).max(8_640_000_000_000_000);
const nonNegMc = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

export const spendScopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }).strict(),
  z.object({ kind: z.literal('model'), modelId: safeString().min(1).max(80) }).strict(),
  z.object({ kind: z.literal('modality'), modality: z.enum(['text', 'image', 'video', 'audio', 'action', 'training']) }).strict(),
]);

/** A limit as a user sets it: a window, what it covers, and at least 1 millicredit, at most one grant's worth of credits. */
export const spendLimitInputSchema = z
  .object({ window: z.enum(SPEND_WINDOWS), scope: spendScopeSchema.default({ kind: 'all' }), limitMc: z.int().min(1).max(MAX_GRANT_MC) })
  .strict();

export const spendLimitSchema = spendLimitInputSchema.extend({ setBy: z.enum(['user', 'operator']) });

export const spendLimitStateSchema = spendLimitSchema.extend({ spentMc: nonNegMc, heldMc: nonNegMc, windowStartMs: epochMs, resetsAtMs: epochMs });
export type SpendLimitView = z.infer<typeof spendLimitStateSchema>;

/** The user's limits, all of them at once (the operator's are set apart and stay); an empty list removes the user's. */
export const setSpendLimitsBodySchema = z
  .object({ limits: z.array(spendLimitInputSchema).max(MAX_SPEND_LIMITS) })
  .strict()
  .refine((b) => new Set(b.limits.map((l) => JSON.stringify([l.window, l.scope]))).size === b.limits.length, 'one limit per window and scope');
export type SetSpendLimitsBody = z.input<typeof setSpendLimitsBodySchema>;

export const spendLimitsAnswerSchema = z.object({ limits: z.array(spendLimitStateSchema).max(MAX_SPEND_LIMITS), serverTimeMs: epochMs });
export type SpendLimitsAnswer = z.infer<typeof spendLimitsAnswerSchema>;
