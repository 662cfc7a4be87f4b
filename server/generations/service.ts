// Generations: accept a run (entitlements, estimate, hold pinned to grants), settle it from actual usage, void it on failure or timeout, list history.
import { and, desc, eq, inArray, lt, lte, or, sql } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { findPlan, type Plan } from '../../shared/catalog/schema';
import { IN_FLIGHT_LIMIT } from '../../shared/rules/queue';
import { FINISHED_STATUSES, generationSchema, type Wallet, type CreateGenerationBody, type Generation, type GenerationStatus } from '../../shared/api/index';
import { checkEntitlements, EntitlementError } from '../../shared/rules/entitlements';
import { InsufficientCreditsError, settleHold } from '../../shared/rules/grants';
import { estimate, expandRequest, finalCost, MAX_RUN_MC, PricingError, runRequestSchema, usageSchema, type RunRequest, type Usage } from '../../shared/rules/pricing';
import { startOfUtcDay } from '../../shared/rules/schedule';
import { amountTooLarge, creditsText } from '../../shared/rules/money';
import { accounts, generations, holds } from '../db/schema';
import type { Tx } from '../db/open';
import { cutText } from '../../shared/rules/text';
import { DomainError, notFound } from '../errors';
import { lockAccount, type AccountRow } from '../accounts/service';
import { closeHold, holdWrites } from '../wallet/holds';
import { expireDue, materialize, walletOf } from '../wallet/service';
import { newId } from '../util';
import { leaseColumns, type Lease } from './leases';
import { runScopeOf } from '../../shared/rules/spend-limits';
import { refuseOverSpendLimit } from '../wallet/spend-limits';
import { topUpAtCrossing } from '../purchases/auto-top-up';

/** How much of a prompt the run's row keeps (the engine gets the whole; the ledger keeps less, cutText's default). */
export const GENERATION_PROMPT_MAX_CHARS = 2_000;

type GenerationRow = typeof generations.$inferSelect;

export function generationView(r: GenerationRow): Generation {
  return generationSchema.parse({
    id: r.id,
    status: r.status,
    request: r.request,
    modelId: r.modelId,
    workflowId: r.workflowId,
    label: r.label,
    engine: r.engine,
    approvedMc: r.approvedMc,
    heldMc: r.heldMc,
    estimateMaxMc: r.estimateMaxMc,
    estimateTypicalMc: r.estimateTypicalMc,
    finalMc: r.finalMc,
    chargedMc: r.chargedMc,
    refundedMc: r.refundedMc,
    funding: r.funding,
    commercialUse: r.commercialUse,
    outputs: r.outputs,
    usage: r.usage === null || r.usage === undefined ? null : (usageSchema.safeParse(r.usage).data ?? null),
    error: r.errorCode ? { code: r.errorCode, message: r.errorMessage ?? '' } : null,
    progressPct: r.progressPct,
    createdAtMs: r.createdAtMs,
    startedAtMs: r.startedAtMs,
    finishedAtMs: r.finishedAtMs,
    deadlineMs: r.deadlineMs,
  });
}

/**
 * In one round trip: runs made today (UTC) for the daily run limits (failed, expired and canceled runs do not count), and the
 * account's runs in flight (queued or running, whenever made) for the fair-queue limit.
 */
export async function runsToday(tx: Tx, accountId: string, nowMs: number): Promise<{ total: number; byModel: Record<string, number>; inFlight: number }> {
  const day = startOfUtcDay(nowMs);
  const result = await tx.execute<{ model_id: string | null; n: string | number; in_flight: boolean }>(sql`
    SELECT ${generations.modelId} AS model_id, count(*) AS n, false AS in_flight FROM ${generations}
      WHERE ${generations.accountId} = ${accountId} AND ${generations.createdAtMs} >= ${day} AND ${generations.status} NOT IN ('failed', 'expired', 'canceled')
      GROUP BY ${generations.modelId}
    UNION ALL
    SELECT NULL, count(*), true FROM ${generations} WHERE ${generations.status} IN ('queued', 'running') AND ${generations.accountId} = ${accountId}`);
  const rows = result.rows;
  const byModel: Record<string, number> = {};
  let total = 0;
  let inFlight = 0;
  for (const r of rows) {
    const n = Number(r.n);
    if (r.in_flight) inFlight = n;
    else {
      total += n;
      if (r.model_id) byModel[r.model_id] = n;
    }
  }
  return { total, byModel, inFlight };
}

export interface AcceptContext {
  catalog: Catalog;
  /** the clock, read once the account's lock is held */
  now: () => number;
  engineFor(request: RunRequest): string;
  /** the instance that holds the run by lease while it waits (a training's trainer); absent: the run waits in the fleet's queue, nobody's until claimed */
  lease?: Lease;
  /** how long an account at its limit of runs in flight should wait before it tries again */
  retryAfterMs(accountId: string): number;
  /** told the plan of an accepted run (for its place in the queue) and the wallet as the run left it, read in the same transaction */
  accepted?(planId: string, wallet: Wallet): void;
  /** whether the account has trained the custom model a request names (training domain; absent: none can be named) */
  customModelOwned?: (tx: Tx, accountId: string, customModelId: string) => Promise<boolean>;
  /** told the auto top-up the run's hold bought (its purchase is committed with the run; the caller charges it after) */
  toppedUp?(purchaseId: string): void;
}

/**
 * Accepts a run under the account's row lock: checks the plan, recomputes the estimate with the shared code, refuses if it
 * exceeds what the user approved, and holds the estimate (never more than approved), pinned to grants in burn order, if
 * enough credits are available.
 */
export async function acceptGeneration(tx: Tx, ctx: AcceptContext, accountId: string, body: CreateGenerationBody): Promise<Generation> {
  const { catalog } = ctx;
  const account = await lockAccount(tx, accountId);
  const nowMs = ctx.now();
  await materialize(tx, account, catalog, nowMs);
  refuseApprovalOverLimit(body.approvedMc);
  const plan = findPlan(catalog, account.planId);
  if (!plan) throw new DomainError('conflict', 'unknown_plan', `your plan ${account.planId} is not in the price catalog`);
  const request = runRequestSchema.parse(body.request);
  let est;
  try {
    const runs = expandRequest(request, catalog);
    const counts = await runsToday(tx, accountId, nowMs);
    checkEntitlements(plan, runs, counts);
    refuseOverInFlightLimit(plan, counts.inFlight, ctx.retryAfterMs(accountId));
    est = estimate(request, catalog, plan.id);
  } catch (e) {
    if (e instanceof PricingError) throw pricingRefusal(e);
    if (e instanceof EntitlementError) throw new DomainError('not_allowed', e.code, e.message);
    throw e;
  }
  if (request.customModelId && !(await ctx.customModelOwned?.(tx, accountId, request.customModelId))) {
    throw new DomainError('not_found', 'unknown_custom_model', `you have no trained model ${request.customModelId}`);
  }
  if (est.maxMc > body.approvedMc) {
    throw new DomainError('conflict', 'price_changed', 'the price changed since you approved it; please approve the new estimate', { estimateMaxMc: est.maxMc, estimateTypicalMc: est.typicalMc, approvedMc: body.approvedMc });
  }
  await refuseOverSpendLimit(tx, catalog, accountId, account.spendLimits, runScopeOf(catalog, request.modelId ?? null, request.workflowId ?? null), est.maxMc, nowMs);
  const heldMc = est.maxMc;
  const id = newId('gen');
  const deadlineMs = nowMs + catalog.policies.holdTimeoutMs;
  const label = est.lines.length === 1 ? est.lines[0]!.label : (catalog.workflows.find((w) => w.id === request.workflowId)?.name ?? 'Workflow');
  const engine = ctx.engineFor(request);
  const details = { generationId: id, label, modelId: request.modelId ?? request.workflowId ?? null, prompt: cutText(request.prompt), estimateMaxMc: est.maxMc };
  let holdCtes;
  try {
    holdCtes = await holdWrites(tx, { accountId, generationId: id, amountMc: heldMc, deadlineMs, details }, nowMs);
  } catch (e) {
    if (!(e instanceof InsufficientCreditsError)) throw e;
    throw new DomainError('insufficient_credits', 'insufficient_credits', `this run needs up to ${creditsText(heldMc)}; you have ${creditsText(e.availableMc)} available`, { neededMc: heldMc, availableMc: e.availableMc });
  }
  // the run, its hold, the hold's pins and its ledger entry: one statement
  const [row] = await tx
    .with(...holdCtes)
    .insert(generations)
    .values({
      id, accountId, status: 'queued', request: request as Record<string, unknown>, modelId: request.modelId ?? null, workflowId: request.workflowId ?? null,
      label, prompt: cutText(request.prompt, GENERATION_PROMPT_MAX_CHARS), engine, approvedMc: body.approvedMc, heldMc,
      estimateMaxMc: est.maxMc, estimateTypicalMc: est.typicalMc, deadlineMs, createdAtMs: nowMs, ...leaseColumns(ctx.lease ?? null),
    })
    .returning()
    .prepare('accept_run')
    .execute();
  const topUpOn = account.autoTopUp?.settings.enabled === true;
  const wallet = ctx.accepted || topUpOn ? await walletOf(tx, account, nowMs, catalog) : null;
  if (topUpOn) {
    // the hold took heldMc of the available credits: a crossing of the threshold buys one pack, charged after the commit
    const t = await topUpAtCrossing(tx, catalog, account, wallet!.availableMc + heldMc, wallet!.availableMc, id, nowMs);
    if ('purchaseId' in t) ctx.toppedUp?.(t.purchaseId);
  }
  if (ctx.accepted) ctx.accepted(plan.id, wallet!);
  return generationView(row!);
}

/** An approval above the largest run is refused before anything else (generations and estimates alike). */
export function refuseApprovalOverLimit(approvedMc: number | undefined): void {
  if (approvedMc === undefined || approvedMc <= MAX_RUN_MC) return;
  const e = amountTooLarge('an approval may be', MAX_RUN_MC);
  throw new DomainError('invalid', e.code, e.message, { limitMc: MAX_RUN_MC });
}

/** A request the catalog cannot price, as the API answers it: a bad or too large request is a 400, an unknown model or plan a 404. */
export function pricingRefusal(e: PricingError): DomainError {
  return new DomainError(e.code === 'invalid_request' || e.code === 'amount_too_large' ? 'invalid' : 'not_found', e.code, e.message);
}

/** One account may have only so many runs queued and running (by plan), so that it cannot starve the others. */
export function refuseOverInFlightLimit(plan: Plan, inFlight: number, retryAfterMs: number): void {
  const limit = IN_FLIGHT_LIMIT[plan.queuePriority];
  if (inFlight < limit) return;
  throw new DomainError('too_many', 'too_many_runs', `you have ${inFlight} runs queued or running, the most your plan (${plan.name}) allows at once; try again when one finishes`, { limit, inFlight, retryAfterMs });
}

/**
 * The run, its account locked and its hold, in two statements: the lock first (the account found from the run, whose owner
 * never changes), then the run and its hold read after it, so that what an earlier holder of the lock committed is seen.
 */
async function lockedGeneration(tx: Tx, id: string): Promise<{ gen: GenerationRow; account: AccountRow; hold: typeof holds.$inferSelect | undefined }> {
  const [account] = await tx
    .select()
    .from(accounts)
    .where(sql`${accounts.id} = (select ${generations.accountId} from ${generations} where ${generations.id} = ${id})`)
    .for('update')
    .prepare('lock_account_of_run')
    .execute();
  if (!account) throw notFound(`generation ${id}`);
  const [row] = await tx.select({ gen: generations, hold: holds }).from(generations).leftJoin(holds, eq(holds.generationId, generations.id)).where(eq(generations.id, id)).prepare('run_with_hold').execute();
  if (!row) throw notFound(`generation ${id}`);
  return { gen: row.gen, account, hold: row.hold ?? undefined };
}

export interface SettleInput {
  usage: Usage;
  outputs: Generation['outputs'];
  undelivered: number;
  partialReason?: string | undefined;
}

/**
 * Settles a finished run: final cost from actual usage, the user pays min(final, held), captured from the grants the hold
 * pinned, in burn order; the rest of the hold is released, and what that leaves of grants already past their expiry expires.
 * A hold already voided (deadline passed) is not charged.
 */
export async function settleGeneration(tx: Tx, catalog: Catalog, id: string, input: SettleInput, now: () => number): Promise<{ generation: Generation; accountId: string }> {
  const { gen, account, hold } = await lockedGeneration(tx, id);
  const nowMs = now();
  const request = runRequestSchema.parse(gen.request);
  const usage = input.usage;
  if (!hold || hold.status !== 'active') {
    const [row] = await tx.update(generations).set({ outputs: input.outputs, usage, progressPct: 100, finishedAtMs: gen.finishedAtMs ?? nowMs }).where(eq(generations.id, id)).returning();
    return { generation: generationView(row!), accountId: gen.accountId };
  }
  await materialize(tx, account, catalog, nowMs);
  const final = finalCost(request, input.usage, catalog, account.planId);
  const about = { generationId: id, label: gen.label, modelId: gen.modelId ?? gen.workflowId, prompt: cutText(gen.prompt) };
  const closed = await closeHold(tx, hold, { kind: 'capture', captureMc: settleHold(hold.amountMc, final).captureMc, details: about, captureDetails: { finalMc: final, estimateMaxMc: gen.estimateMaxMc, usage, outputCount: input.outputs.length, undelivered: input.undelivered } }, nowMs);
  const status: GenerationStatus = input.undelivered > 0 ? 'partial' : 'succeeded';
  const [row] = await tx
    .update(generations)
    .set({
      status, finalMc: final, chargedMc: closed.captureMc, refundedMc: closed.releaseMc, funding: closed.funding, commercialUse: closed.commercialUse, usage, outputs: input.outputs,
      progressPct: 100, finishedAtMs: nowMs, errorCode: input.undelivered > 0 ? 'partly_delivered' : null, errorMessage: input.undelivered > 0 ? (input.partialReason ?? 'part of the batch was not delivered') : null,
    })
    .where(eq(generations.id, id))
    .returning()
    .prepare('settle_run')
    .execute();
  return { generation: generationView(row!), accountId: gen.accountId };
}

/**
 * Voids a run's hold in full: a failed run, a canceled one, or one past its deadline. Its pins are released, and what that
 * leaves of grants already past their expiry expires. Idempotent: a settled hold is left alone.
 */
export async function voidGeneration(tx: Tx, id: string, status: 'failed' | 'expired' | 'canceled', error: { code: string; message: string }, now: () => number): Promise<{ generation: Generation; accountId: string; changed: boolean }> {
  const { gen, hold } = await lockedGeneration(tx, id);
  const nowMs = now();
  if (!hold || hold.status !== 'active' || (FINISHED_STATUSES as readonly string[]).includes(gen.status)) {
    return { generation: generationView(gen), accountId: gen.accountId, changed: false };
  }
  await expireDue(tx, gen.accountId, nowMs);
  await closeHold(tx, hold, { kind: 'void', details: { generationId: id, label: gen.label, modelId: gen.modelId ?? gen.workflowId, prompt: cutText(gen.prompt), reason: error.code } }, nowMs);
  const [row] = await tx
    .update(generations)
    .set({ status, chargedMc: 0, refundedMc: hold.amountMc, finalMc: 0, errorCode: error.code, errorMessage: error.message, finishedAtMs: nowMs })
    .where(eq(generations.id, id))
    .returning()
    .prepare('void_run')
    .execute();
  return { generation: generationView(row!), accountId: gen.accountId, changed: true };
}

/** Moves a run's deadline and its hold's (a training job paid in credits runs longer than the catalog's hold timeout). */
export async function extendGenerationDeadline(tx: Tx, id: string, deadlineMs: number): Promise<void> {
  await tx.update(generations).set({ deadlineMs }).where(eq(generations.id, id));
  await tx.update(holds).set({ deadlineMs }).where(and(eq(holds.generationId, id), eq(holds.status, 'active')));
}

export async function setProgress(tx: Tx, id: string, pct: number): Promise<GenerationRow | null> {
  const rows = await tx.update(generations).set({ progressPct: Math.max(0, Math.min(99, Math.round(pct))) }).where(and(eq(generations.id, id), eq(generations.status, 'running'))).returning();
  return rows[0] ?? null;
}

/** Holds past their deadline. */
export async function expiredHoldGenerationIds(tx: Tx, nowMs: number, limit = 100): Promise<string[]> {
  const rows = await tx.select({ id: holds.generationId }).from(holds).where(and(eq(holds.status, 'active'), lte(holds.deadlineMs, nowMs))).limit(limit);
  return rows.map((r) => r.id);
}

export async function generationsInStatus(tx: Tx, statuses: GenerationStatus[], limit = 1000): Promise<GenerationRow[]> {
  return tx.select().from(generations).where(inArray(generations.status, statuses)).orderBy(generations.createdAtMs).limit(limit);
}

/** Runs the queue takes in by id (recovered, adopted), with their owner's plan now. */
export async function queueRowsOf(tx: Tx, ids: string[]): Promise<{ generation: Generation; accountId: string; planId: string }[]> {
  if (ids.length === 0) return [];
  const rows = await tx.select({ g: generations, planId: accounts.planId }).from(generations).innerJoin(accounts, eq(accounts.id, generations.accountId)).where(inArray(generations.id, ids)).orderBy(generations.createdAtMs);
  return rows.map((r) => ({ generation: generationView(r.g), accountId: r.g.accountId, planId: r.planId }));
}

export async function findGeneration(tx: Tx, accountId: string, id: string): Promise<Generation | null> {
  const [row] = await tx.select().from(generations).where(and(eq(generations.id, id), eq(generations.accountId, accountId)));
  return row ? generationView(row) : null;
}

export async function getGeneration(tx: Tx, accountId: string, id: string): Promise<Generation> {
  const g = await findGeneration(tx, accountId, id);
  if (!g) throw notFound(`generation ${id}`);
  return g;
}

const encodeCursor = (r: { createdAtMs: number; id: string }) => Buffer.from(`${r.createdAtMs}:${r.id}`).toString('base64url');
function decodeCursor(c: string): { createdAtMs: number; id: string } {
  const text = Buffer.from(c, 'base64url').toString('utf8');
  const m = /^(\d{1,16}):([A-Za-z0-9_-]{1,80})$/.exec(text);
  if (!m) throw new DomainError('invalid', 'invalid_request', 'invalid cursor');
  return { createdAtMs: Number(m[1]), id: m[2]! };
}

/** Newest first, cursor-paginated on (created, id). */
export async function listGenerations(tx: Tx, accountId: string, limit: number, cursor?: string): Promise<{ items: Generation[]; nextCursor: string | null }> {
  const after = cursor ? decodeCursor(cursor) : null;
  const where = after
    ? and(eq(generations.accountId, accountId), or(lt(generations.createdAtMs, after.createdAtMs), and(eq(generations.createdAtMs, after.createdAtMs), lt(generations.id, after.id))))
    : eq(generations.accountId, accountId);
  const rows = await tx.select().from(generations).where(where).orderBy(desc(generations.createdAtMs), desc(generations.id)).limit(limit + 1);
  const page = rows.slice(0, limit);
  return { items: page.map(generationView), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null };
}
