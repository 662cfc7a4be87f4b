// Starting a training job: POST /v1/trainings as JSON (base64 images, read whole within the upload budget) or as a multipart form streamed image by image to storage, with the plan, the allowance and the Idempotency-Key checked before any image is read.
import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createTrainingBodySchema, type Training } from '../../shared/api/index';
import type { ServerContext } from '../http/context';
import { DomainError } from '../errors';
import { idempotencyKeyOf, idempotent, storedAnswer, type StoredAnswer } from '../http/idempotency';
import { deletePrefix, StorageError, type ObjectStore } from '../storage/object-store';
import type { TrainingRunner } from './trainer';
import { newId } from '../util';
import { allowanceOf } from './allowance';
import { checkImages, requestDigest, storeImages, trainingPrefixOf, type StoredImage } from './images';
import { acceptTraining, refuseWithoutAllowance, trainingModelOf } from './service';
import { TRAINING_BODY_LIMIT_BYTES, TRAINING_FORM_UPLOAD_BYTES, TRAINING_UPLOAD_RETRY_MS, type UploadBudget } from './upload-budget';
import { readUploadFields, streamImages, TRAINING_UPLOAD_LIMITS } from './upload-stream';

export interface TrainingRouteOptions {
  trainer: TrainingRunner;
  /** the bound on the upload bytes read at once */
  uploads: UploadBudget;
  /** where jobs' images and models are kept */
  store: ObjectStore;
  speed: number;
  publishTraining(accountId: string, training: Training): void;
}

/** the most of a form's unread rest that is read and thrown away after an early answer; past it the connection is cut */
export const MAX_DISCARDED_BYTES = 64 * 1024 * 1024;

/**
 * The form is answered before its end (a refusal, a replay): the parser lets go of the request and the rest is read and dropped
 * (never kept), so the connection can close after the answer; a rest past MAX_DISCARDED_BYTES cuts it.
 */
function discardRest(req: FastifyRequest, reply: FastifyReply): void {
  reply.header('connection', 'close');
  const raw = req.raw;
  if (raw.readableEnded) return;
  raw.unpipe();
  let droppedBytes = 0;
  raw.on('data', (chunk: Buffer) => {
    droppedBytes += chunk.length;
    if (droppedBytes > MAX_DISCARDED_BYTES) raw.destroy();
  });
  raw.resume();
}

const isForm = (req: FastifyRequest) => /^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '');

/** The bytes an upload may hold in memory: a form's streaming buffers, or a JSON body's announced length (the body limit when it announces none). */
function heldBytes(req: FastifyRequest): number {
  if (isForm(req)) return TRAINING_FORM_UPLOAD_BYTES;
  const n = Number(req.headers['content-length']);
  return Number.isSafeInteger(n) && n >= 0 ? Math.min(n, TRAINING_BODY_LIMIT_BYTES) : TRAINING_BODY_LIMIT_BYTES;
}

/** The object store failed (not a missing key): 503 with a retry, never a 500 that looks like a bug. */
export function storageRefusal(e: unknown): never {
  if (e instanceof StorageError) throw new DomainError('busy', 'storage_unavailable', 'the file storage is not answering; try again in a minute', { retryAfterMs: 60_000 });
  throw e;
}

/** After the account is known and before the body is read: room in the budget, given back when the answer is sent or the client goes; 429 past the account's share, 503 past the instance's. */
function admitUploadTo(uploads: UploadBudget) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const bytes = heldBytes(req);
    const release = uploads.take(req.accountId, bytes);
    if (release) {
      reply.raw.once('close', release);
      return;
    }
    const retry = { retryAfterMs: TRAINING_UPLOAD_RETRY_MS };
    if (uploads.fullFor(req.accountId, bytes) === 'account') throw new DomainError('too_many', 'too_many_uploads', 'your account is already uploading as many training images as it may at once; try again in a few seconds', retry);
    throw new DomainError('busy', 'busy', 'this server is reading as many training images as it can hold at once; try again in a few seconds', retry);
  };
}

export function startRoutes(ctx: ServerContext, o: TrainingRouteOptions): FastifyPluginAsyncZod {
  const { db, catalog, clock } = ctx;
  const { uploads } = o;
  const scopeOf = (accountId: string) => `trn:${accountId}`;

  const admitUpload = admitUploadTo(uploads);

  /** A new job's answer: published and queued; a replay's: the first job's, and what this request stored is removed. */
  const settle = async (reply: FastifyReply, accountId: string, id: string, answer: StoredAnswer) => {
    const t = answer.body as Training;
    if (answer.replayed || t.id !== id) {
      await deletePrefix(o.store, `${trainingPrefixOf(accountId, id)}/`).catch(() => undefined);
      reply.header('idempotent-replayed', 'true');
    } else {
      o.publishTraining(accountId, t);
      ctx.publishWallet(accountId, await ctx.wallet(accountId));
      o.trainer.enqueue(t.id, t.generationId);
    }
    return reply.status(answer.status).send(answer.body);
  };

  const accept = (accountId: string, key: string, id: string, body: { name: string; modelId?: string | undefined; approvedMc?: number | undefined }, images: StoredImage[], digest: unknown) =>
    idempotent(db, scopeOf(accountId), key, digest, clock.now(), async (tx) => {
      const ctxT = { catalog, now: () => clock.now(), lease: o.trainer.lease, speed: o.speed };
      return { status: 201, body: await acceptTraining(tx, ctxT, accountId, { id, body, images }) };
    });

  /** The form: fields, then (only once a replay, the plan and its allowance or the model are ruled on) the images, streamed to storage. */
  const startFromForm = async (req: FastifyRequest, reply: FastifyReply, key: string) => {
    try {
      return await readForm(req, reply, key);
    } catch (e) {
      discardRest(req, reply);
      throw e;
    }
  };

  const readForm = async (req: FastifyRequest, reply: FastifyReply, key: string) => {
    const { accountId } = req;
    const parts = req.parts({ limits: TRAINING_UPLOAD_LIMITS })[Symbol.asyncIterator]();
    const { fields, first } = await readUploadFields(parts);
    const replay = await storedAnswer(db, scopeOf(accountId), key);
    if (replay) {
      discardRest(req, reply);
      return reply.header('idempotent-replayed', 'true').status(replay.status).send(replay.body);
    }
    if (fields.modelId) trainingModelOf(catalog, fields);
    else refuseWithoutAllowance(await allowanceOf(db, accountId, catalog, clock.now()));
    const id = newId('trn');
    const prefix = trainingPrefixOf(accountId, id);
    let answer;
    try {
      const images = await streamImages(o.store, prefix, first, parts).catch(storageRefusal);
      const digest = requestDigest(fields, images);
      answer = await accept(accountId, key, id, fields, images, digest);
    } catch (e) {
      await deletePrefix(o.store, `${prefix}/`).catch(() => undefined);
      throw e;
    }
    return settle(reply, accountId, id, answer);
  };

  return async (app) => {
    await app.register(multipart, { limits: TRAINING_UPLOAD_LIMITS, throwFileSizeLimit: true });

    // the body is JSON (validated here) or a form (read by the handler, part by part)
    app.post('/v1/trainings', { bodyLimit: TRAINING_BODY_LIMIT_BYTES, onRequest: admitUpload, schema: { body: createTrainingBodySchema.nullish() } }, async (req, reply) => {
      const { accountId } = req;
      const key = idempotencyKeyOf(req);
      if (o.trainer.queueFull()) throw new DomainError('busy', 'busy', 'too many trainings are waiting; try again in a minute');
      if (req.isMultipart()) return startFromForm(req, reply, key);
      if (!req.body) throw new DomainError('invalid', 'invalid_request', 'send the images as JSON ({ name, images }) or as a multipart/form-data form');
      const body = req.body;
      const checked = checkImages(body.images);
      const id = newId('trn');
      const prefix = trainingPrefixOf(accountId, id);
      let answer;
      try {
        // stored before the transaction, so that no connection waits on the store; a replay's copy is removed by settle
        const replay = await storedAnswer(db, scopeOf(accountId), key);
        const images = replay ? [] : await storeImages(o.store, prefix, checked).catch(storageRefusal);
        answer = await accept(accountId, key, id, body, images, requestDigest(body, checked));
      } catch (e) {
        await deletePrefix(o.store, `${prefix}/`).catch(() => undefined);
        throw e;
      }
      return settle(reply, accountId, id, answer);
    });
  };
}
