// Training plugin: start a job from images (idempotent; allowance or credits), list and read jobs, cancel one, the account's models and their files.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { emptyBodySchema, trainingIdParamsSchema, trainingListQuerySchema, TRAINING_PAGE_MAX, type Training } from '../../shared/api/index';
import { accountAuth } from '../accounts/auth';
import type { ServerContext } from '../http/context';
import { DomainError, notFound } from '../errors';
import { idempotencyKeyOf } from '../http/idempotency';
import { trainingPrefixOf } from './images';
import { startRoutes, storageRefusal, type TrainingRouteOptions } from './start-routes';
import { endTraining, getTraining, listModels, listTrainings } from './service';

export { TRAINING_BODY_LIMIT_BYTES, TRAINING_UPLOADS_AT_ONCE } from './upload-budget';
export type { TrainingRouteOptions } from './start-routes';

export function trainingRoutes(ctx: ServerContext, o: TrainingRouteOptions): FastifyPluginAsyncZod {
  const { db, clock } = ctx;
  const afterChange = async (accountId: string, t: Training) => {
    o.publishTraining(accountId, t);
    ctx.publishWallet(accountId, await ctx.wallet(accountId));
  };
  return async (app) => {
    app.addHook('onRequest', accountAuth(db, clock));

    await app.register(startRoutes(ctx, o));

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
      const got = await o.store.get(`${trainingPrefixOf(req.accountId, t.id)}/${t.model.file}`).catch(storageRefusal);
      if (!got) throw new DomainError('gone', 'model_gone', 'this model file is no longer stored');
      return reply.type('application/octet-stream').header('content-length', got.bytes).header('x-content-type-options', 'nosniff').send(got.body);
    });

    app.get('/v1/models', async (req) => ({ items: await listModels(db, req.accountId, TRAINING_PAGE_MAX) }));
  };
}
