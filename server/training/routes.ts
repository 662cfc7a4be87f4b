// Training plugin: start a job from images (idempotent; allowance or credits), list and read jobs, cancel one, the account's models and their files.
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createTrainingBodySchema, emptyBodySchema, trainingIdParamsSchema, trainingListQuerySchema, TRAINING_PAGE_MAX, type Training } from '../../shared/api/index';
import { TRAINING_IMAGES_ARRAY_MAX } from '../../shared/api/training';
import { TRAINING_MAX_IMAGE_BYTES, TRAINING_MAX_JOB_BYTES } from '../../shared/rules/training';
import { accountAuth } from '../accounts/auth';
import type { ServerContext } from '../http/context';
import { DomainError, notFound } from '../errors';
import { idempotencyKeyOf, idempotent } from '../http/idempotency';
import { newId } from '../util';
import { checkImages, requestDigest, storeImages, trainingDirOf } from './images';
import { acceptTraining, endTraining, getTraining, listModels, listTrainings } from './service';
import type { TrainingRunner } from './trainer';
import { TRAINING_UPLOAD_RETRY_MS, type UploadBudget } from './upload-budget';

/**
 * The images' base64 (4 characters per 3 bytes) and room for the rest of the JSON; one image more than the job's limit, so that a
 * job a little too large is answered training_job_too_large rather than body_too_large.
 */
export const TRAINING_BODY_LIMIT_BYTES = Math.ceil((TRAINING_MAX_JOB_BYTES + TRAINING_MAX_IMAGE_BYTES) / 3) * 4 + TRAINING_IMAGES_ARRAY_MAX * 512 + 64 * 1024;

/** the largest training bodies read at once by one instance: a bound on the memory uploads take */
export const TRAINING_UPLOADS_AT_ONCE = 2;

/** The bytes an upload announces, within the body limit (a body without Content-Length counts as the largest allowed). */
function announcedBytes(req: FastifyRequest): number {
  const n = Number(req.headers['content-length']);
  return Number.isSafeInteger(n) && n >= 0 ? Math.min(n, TRAINING_BODY_LIMIT_BYTES) : TRAINING_BODY_LIMIT_BYTES;
}

export interface TrainingRouteOptions {
  trainer: TrainingRunner;
  /** the bound on the upload bytes read at once */
  uploads: UploadBudget;
  trainingsDir: string;
  speed: number;
  publishTraining(accountId: string, training: Training): void;
}

export function trainingRoutes(ctx: ServerContext, o: TrainingRouteOptions): FastifyPluginAsyncZod {
  const { db, catalog, clock } = ctx;
  const afterChange = async (accountId: string, t: Training) => {
    o.publishTraining(accountId, t);
    ctx.publishWallet(accountId, await ctx.wallet(accountId));
  };
  const { uploads } = o;
  return async (app) => {
    app.addHook('onRequest', accountAuth(db, clock));

    // after the account is known and before the body is read: a slot, given back when the answer is sent or the client goes
    const admitUpload = async (req: FastifyRequest, reply: FastifyReply) => {
      const release = uploads.take(req.accountId, announcedBytes(req));
      if (!release) {
        throw new DomainError('busy', 'busy', 'this server is reading as many training images as it can hold at once (for your account, or in all); try again in a few seconds', { retryAfterMs: TRAINING_UPLOAD_RETRY_MS });
      }
      reply.raw.once('close', release);
    };

    app.post('/v1/trainings', { bodyLimit: TRAINING_BODY_LIMIT_BYTES, onRequest: admitUpload, schema: { body: createTrainingBodySchema } }, async (req, reply) => {
      const { accountId } = req;
      const key = idempotencyKeyOf(req);
      if (o.trainer.queueFull()) throw new DomainError('busy', 'busy', 'too many trainings are waiting; try again in a minute');
      const images = checkImages(req.body.images);
      const id = newId('trn');
      const dir = trainingDirOf(o.trainingsDir, accountId, id);
      let answer;
      try {
        answer = await idempotent(db, `trn:${accountId}`, key, requestDigest(req.body, images), clock.now(), async (tx) => {
          const stored = await storeImages(dir, images);
          const ctxT = { catalog, now: () => clock.now(), lease: o.trainer.lease, speed: o.speed };
          return { status: 201, body: await acceptTraining(tx, ctxT, accountId, { id, body: req.body, images: stored }) };
        });
      } catch (e) {
        await rm(dir, { recursive: true, force: true });
        throw e;
      }
      const t = answer.body as Training;
      if (answer.replayed || t.id !== id) {
        await rm(dir, { recursive: true, force: true });
        reply.header('idempotent-replayed', 'true');
      } else {
        await afterChange(accountId, t);
        o.trainer.enqueue(t.id, t.generationId);
      }
      return reply.status(answer.status).send(answer.body);
    });

    app.get('/v1/trainings', { schema: { querystring: trainingListQuerySchema } }, async (req) => ({ items: await listTrainings(db, req.accountId, req.query.limit) }));

    app.get('/v1/trainings/:id', { schema: { params: trainingIdParamsSchema } }, async (req) => getTraining(db, req.accountId, req.params.id));

    app.post('/v1/trainings/:id/cancel', { schema: { params: trainingIdParamsSchema, body: emptyBodySchema } }, async (req) => {
      const { accountId } = req;
      idempotencyKeyOf(req);
      const { id } = req.params;
      await getTraining(db, accountId, id); // 404 unless it is the caller's
      const message = 'you canceled this training; its allowance or credits were given back';
      const r = await db.transaction((tx) => endTraining(tx, id, 'canceled', { code: 'canceled', message }, () => clock.now()));
      o.trainer.cancel(id); // after the return, so the job's own failure path finds nothing left to give back
      if (!r) throw notFound(`training ${id}`);
      if (r.changed) await afterChange(accountId, r.training);
      return r.training;
    });

    /** The trained model file, to its owner only; the path is built from the job's own row, never from the request. */
    app.get('/v1/trainings/:id/model', { schema: { params: trainingIdParamsSchema } }, async (req, reply) => {
      const t = await getTraining(db, req.accountId, req.params.id);
      if (!t.model) throw new DomainError('conflict', 'model_not_ready', 'this training has not produced a model');
      const file = path.join(trainingDirOf(o.trainingsDir, req.accountId, t.id), t.model.file);
      const st = await stat(file).catch(() => null);
      if (!st) throw new DomainError('gone', 'model_gone', 'this model file is no longer stored');
      return reply.type('application/octet-stream').header('content-length', st.size).header('x-content-type-options', 'nosniff').send(createReadStream(file));
    });

    app.get('/v1/models', async (req) => ({ items: await listModels(db, req.accountId, TRAINING_PAGE_MAX) }));
  };
}
