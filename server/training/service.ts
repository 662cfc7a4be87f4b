// Training jobs: accept one (allowance unit used, or credits held like a run), record progress, finish it, fail or cancel it (unit returned, hold voided), list them and the models they made.
import { and, desc, eq, inArray, isNotNull } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { findModel } from '../../shared/catalog/schema';
import { TRAINING_FINISHED, trainingSchema, type CreateTrainingBody, type CustomModel, type Training, type TrainingStatus } from '../../shared/api/index';
import { stageAt, TRAINING_STEPS, trainingDurationMs } from '../../shared/rules/training';
import { lockAccount } from '../accounts/service';
import type { Db, Tx } from '../db/open';
import { trainings } from '../db/schema';
import { leaseColumns, claimGeneration, type Lease } from '../generations/leases';
import { acceptGeneration, extendGenerationDeadline, settleGeneration, voidGeneration } from '../generations/service';
import { DomainError, notFound } from '../errors';
import { allowanceOf, recordReturn, recordUse } from './allowance';

export type TrainingRow = typeof trainings.$inferSelect;
export const MODEL_FILE = 'model.safetensors';

export function trainingView(r: TrainingRow): Training {
  const model: CustomModel | null =
    r.status === 'succeeded' && r.modelFile ? { id: `lora:${r.id}`, name: r.name, trainingId: r.id, file: r.modelFile, bytes: r.modelBytes ?? 0, createdAtMs: r.finishedAtMs ?? r.createdAtMs } : null;
  return trainingSchema.parse({
    id: r.id, name: r.name, status: r.status, funding: r.funding, generationId: r.generationId, imageCount: r.imageCount, imageBytes: r.imageBytes,
    progressPct: r.progressPct, stage: r.stage, timeLeftMs: r.status === 'running' || r.status === 'queued' ? r.timeLeftMs : null, model,
    error: r.errorCode ? { code: r.errorCode, message: r.errorMessage ?? '' } : null, createdAtMs: r.createdAtMs, startedAtMs: r.startedAtMs, finishedAtMs: r.finishedAtMs,
  });
}

export interface AcceptTrainingContext {
  catalog: Catalog;
  now: () => number;
  lease: Lease;
  /** how many times faster than real time jobs run (tests) */
  speed: number;
}

export interface AcceptTrainingInput {
  id: string;
  body: Pick<CreateTrainingBody, 'name' | 'modelId' | 'approvedMc'>;
  images: { file: string; mime: string; bytes: number; sha256: string }[];
}

/** The catalog's training model a credits job names, with the user's approval; refused otherwise. */
export function trainingModelOf(catalog: Catalog, body: { modelId?: string | undefined; approvedMc?: number | undefined }) {
  const model = findModel(catalog, body.modelId!);
  if (!model) throw new DomainError('not_found', 'unknown_model', `no model ${body.modelId} in the price catalog`);
  if (model.pricing.meter !== 'trainingImage') throw new DomainError('invalid', 'not_a_training_model', `${model.name} does not train custom models`);
  if (body.approvedMc === undefined) throw new DomainError('invalid', 'approval_required', 'training for credits needs approvedMc: the estimate the user approved');
  return model;
}

/** Refuses a start the plan does not include (training_not_in_plan) or whose allowance is used up (training_allowance_exhausted, with when it renews). */
export function refuseWithoutAllowance(a: Awaited<ReturnType<typeof allowanceOf>>): void {
  if (!a.period || a.allowance === 0) throw new DomainError('not_allowed', 'training_not_in_plan', `your plan (${a.window.planId}) does not include custom model training`, { planId: a.window.planId });
  if (a.left > 0) return;
  const when = new Date(a.renewsAtMs!).toISOString().replace('.000Z', 'Z');
  throw new DomainError('not_allowed', 'training_allowance_exhausted', `you have used your ${a.allowance} training${a.allowance === 1 ? '' : 's'} this ${a.period === 'weekly' ? 'week' : 'year'}; it renews at ${when}`, {
    used: a.used, allowance: a.allowance, period: a.period, renewsAtMs: a.renewsAtMs,
  });
}

/** The credits path: a generation for the catalog's training model, held like any run and claimed at once (the trainer runs it, not the runner). */
async function holdCredits(tx: Tx, ctx: AcceptTrainingContext, accountId: string, input: AcceptTrainingInput, durationMs: number, nowMs: number): Promise<string> {
  const { body } = input;
  const model = trainingModelOf(ctx.catalog, body);
  const request = { modelId: model.id, prompt: '', trainingImages: input.images.length };
  const gen = await acceptGeneration(tx, { catalog: ctx.catalog, now: ctx.now, engineFor: () => 'trainer', lease: ctx.lease, retryAfterMs: () => 60_000 }, accountId, { request, approvedMc: body.approvedMc! });
  if (!(await claimGeneration(tx, gen.id, ctx.lease, nowMs))) throw new Error(`generation ${gen.id} could not be claimed in its own transaction`);
  await extendGenerationDeadline(tx, gen.id, nowMs + 2 * durationMs + 60_000);
  return gen.id;
}

/**
 * Accepts a job under the account's lock. With no modelId it uses one unit of the plan's allowance: none in the plan is
 * training_not_in_plan, none left is training_allowance_exhausted (with when it renews). Concurrent starts queue on the lock,
 * so they never use more than the allowance.
 */
export async function acceptTraining(tx: Tx, ctx: AcceptTrainingContext, accountId: string, input: AcceptTrainingInput): Promise<Training> {
  await lockAccount(tx, accountId);
  const nowMs = ctx.now();
  const durationMs = Math.max(1, Math.round(trainingDurationMs(input.images.length) / ctx.speed));
  let generationId: string | null = null;
  // the row first: the allowance entry and the generation refer to it
  const [inserted] = await tx
    .insert(trainings)
    .values({
      id: input.id, accountId, name: input.body.name, status: 'queued', funding: input.body.modelId ? 'credits' : 'allowance', imageCount: input.images.length,
      imageBytes: input.images.reduce((s, i) => s + i.bytes, 0), images: input.images, durationMs, timeLeftMs: durationMs, createdAtMs: nowMs, ...leaseColumns(ctx.lease),
    })
    .returning();
  if (input.body.modelId) {
    generationId = await holdCredits(tx, ctx, accountId, input, durationMs, nowMs);
  } else {
    const a = await allowanceOf(tx, accountId, ctx.catalog, nowMs);
    refuseWithoutAllowance(a);
    await recordUse(tx, accountId, input.id, a.window, nowMs);
  }
  if (!generationId) return trainingView(inserted!);
  const [row] = await tx.update(trainings).set({ generationId }).where(eq(trainings.id, input.id)).returning();
  return trainingView(row!);
}

/** The job, locked after its account (the order every money change takes). */
async function lockedTraining(tx: Tx, id: string): Promise<TrainingRow | null> {
  const [t] = await tx.select({ accountId: trainings.accountId }).from(trainings).where(eq(trainings.id, id));
  if (!t) return null;
  await lockAccount(tx, t.accountId);
  const [row] = await tx.select().from(trainings).where(eq(trainings.id, id)).for('update');
  return row ?? null;
}

/**
 * Ends a job that will not finish: its allowance unit goes back (once), or its generation's hold is voided in full. Idempotent:
 * a finished job is left as it is (changed false).
 */
export async function endTraining(tx: Tx, id: string, status: 'failed' | 'canceled', error: { code: string; message: string }, now: () => number): Promise<{ training: Training; accountId: string; changed: boolean } | null> {
  const row = await lockedTraining(tx, id);
  if (!row) return null;
  if ((TRAINING_FINISHED as readonly string[]).includes(row.status)) return { training: trainingView(row), accountId: row.accountId, changed: false };
  const nowMs = now();
  if (row.generationId) await voidGeneration(tx, row.generationId, status, error, now);
  else await recordReturn(tx, id, nowMs, error.code);
  const [updated] = await tx
    .update(trainings)
    .set({ status, errorCode: error.code, errorMessage: error.message, finishedAtMs: nowMs, timeLeftMs: null, ownerId: null, leaseExpiresAtMs: null })
    .where(eq(trainings.id, id))
    .returning();
  return { training: trainingView(updated!), accountId: row.accountId, changed: true };
}

/** Marks a finished job succeeded with its model file; a credits job's hold is settled from the images it trained on. */
export async function finishTraining(tx: Tx, catalog: Catalog, id: string, ownerId: string, model: { file: string; bytes: number }, now: () => number): Promise<{ training: Training; accountId: string } | null> {
  const row = await lockedTraining(tx, id);
  if (!row || row.status !== 'running' || row.ownerId !== ownerId) return null;
  const nowMs = now();
  if (row.generationId) {
    const outputs = [{ name: 'model.safetensors', kind: 'model' as const, mime: 'application/octet-stream', bytes: model.bytes }];
    await settleGeneration(tx, catalog, row.generationId, { usage: { trainingImages: row.imageCount }, outputs, undelivered: 0 }, now);
  }
  const [updated] = await tx
    .update(trainings)
    .set({ status: 'succeeded', step: TRAINING_STEPS, progressPct: 100, stage: 'done', timeLeftMs: 0, modelFile: model.file, modelBytes: model.bytes, finishedAtMs: nowMs, ownerId: null, leaseExpiresAtMs: null })
    .where(eq(trainings.id, id))
    .returning();
  return { training: trainingView(updated!), accountId: row.accountId };
}

/** Saves a step of a running job held by `ownerId`; null when it is no longer this owner's to run (canceled, failed, taken over). */
export async function saveStep(db: Db, id: string, ownerId: string, step: number, timeLeftMs: number): Promise<TrainingRow | null> {
  const rows = await db
    .update(trainings)
    .set({ step, progressPct: Math.min(99, Math.floor((step * 100) / TRAINING_STEPS)), stage: stageAt(step), timeLeftMs })
    .where(and(eq(trainings.id, id), eq(trainings.status, 'running'), eq(trainings.ownerId, ownerId)))
    .returning();
  return rows[0] ?? null;
}

export async function findTrainingRow(db: Db | Tx, id: string): Promise<TrainingRow | null> {
  const [row] = await db.select().from(trainings).where(eq(trainings.id, id));
  return row ?? null;
}

export async function getTraining(db: Db | Tx, accountId: string, id: string): Promise<Training> {
  const [row] = await db.select().from(trainings).where(and(eq(trainings.id, id), eq(trainings.accountId, accountId)));
  if (!row) throw notFound(`training ${id}`);
  return trainingView(row);
}

export async function listTrainings(db: Db | Tx, accountId: string, limit: number): Promise<Training[]> {
  const rows = await db.select().from(trainings).where(eq(trainings.accountId, accountId)).orderBy(desc(trainings.createdAtMs), desc(trainings.id)).limit(limit);
  return rows.map(trainingView);
}

/** The custom models an account has trained, newest first. */
export async function listModels(db: Db | Tx, accountId: string, limit: number): Promise<CustomModel[]> {
  const rows = await db
    .select()
    .from(trainings)
    .where(and(eq(trainings.accountId, accountId), eq(trainings.status, 'succeeded'), isNotNull(trainings.modelFile)))
    .orderBy(desc(trainings.finishedAtMs))
    .limit(limit);
  return rows.map((r) => trainingView(r).model!);
}

export async function trainingsInStatus(db: Db | Tx, statuses: TrainingStatus[], limit: number): Promise<TrainingRow[]> {
  return db.select().from(trainings).where(inArray(trainings.status, statuses)).orderBy(trainings.createdAtMs).limit(limit);
}

/** Whether the account has a finished model by this id (lora:trn_…), for a generation that names it. */
export async function ownsCustomModel(tx: Db | Tx, accountId: string, customModelId: string): Promise<boolean> {
  const id = customModelId.startsWith('lora:') ? customModelId.slice('lora:'.length) : '';
  const rows = await tx.select({ id: trainings.id }).from(trainings).where(and(eq(trainings.id, id), eq(trainings.accountId, accountId), eq(trainings.status, 'succeeded')));
  return rows.length === 1;
}
