// The planner's IPC shapes: the plan the renderer edits, and what main computes from the cached catalog and wallet.
import { z } from 'zod';
import { GRANT_KINDS } from '../rules/grants';
import { runRequestSchema } from '../rules/pricing';
import { PLANNER_MAX_HORIZON_DAYS, PLANNER_MAX_LINES } from '../rules/planner';

const mc = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const ms = z.int().min(0).max(8_640_000_000_000_000);
const kind = z.enum(GRANT_KINDS);

export const planLineInputSchema = z
  .object({
    id: z.string().min(1).max(40),
    request: runRequestSchema,
    count: z.int().min(1).max(100_000),
    perDay: z.int().min(1).max(10_000).optional(),
  })
  .strict();

export const planInputSchema = z.object({ lines: z.array(planLineInputSchema).max(PLANNER_MAX_LINES), horizonDays: z.int().min(1).max(PLANNER_MAX_HORIZON_DAYS) }).strict();
export type PlanInput = z.input<typeof planInputSchema>;

const fundingSchema = z.object({ grantId: z.string(), kind, amountMc: mc, paid: z.boolean() });
export const planViewSchema = z.object({
  /** null when the cache has no catalog or no wallet yet (refusal says which) */
  result: z
    .object({
      nowMs: ms,
      endMs: ms,
      lines: z.array(
        z.object({
          id: z.string(), label: z.string(), modelId: z.string().nullable(), unit: z.string(), unitTypicalMc: mc, unitMaxMc: mc, runsPlanned: z.int().min(0), runsFunded: z.int().min(0),
          typicalMc: mc, maxMc: mc, chargedMc: mc, funding: z.array(fundingSchema), unfunded: z.object({ runs: z.int().min(0), reason: z.string(), firstDay: z.int().min(0) }).nullable(),
        }),
      ),
      totals: z.object({ typicalMc: mc, maxMc: mc, chargedMc: mc, runsPlanned: z.int().min(0), runsFunded: z.int().min(0) }),
      expiries: z.array(z.object({ grantId: z.string(), kind, expiredMc: mc, expiresAtMs: ms, atMs: ms })),
      days: z.array(z.object({ dayIndex: z.int().min(0), atMs: ms, availableByKindMc: z.record(kind, mc), availableMc: mc, grantedMc: mc, spentMc: mc, expiredMc: mc })),
      shortfall: z.object({ dayIndex: z.int().min(0), atMs: ms, lineId: z.string(), shortMc: mc }).nullable(),
    })
    .nullable(),
  sentences: z.array(z.string()),
  /** where the wallet came from: this session's server, or the cache */
  source: z.enum(['live', 'cache', 'none']),
  connection: z.enum(['connecting', 'online', 'reconnecting', 'offline']),
  /** server time the wallet was read at */
  walletAsOfServerMs: ms.nullable(),
  catalogFetchedAtServerMs: ms.nullable(),
  /** the catalog is older than its freshness window */
  catalogStale: z.boolean(),
  refusal: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type PlanView = z.infer<typeof planViewSchema>;
