// The training domain as one plugin: its runner (the generation runner's lease for credit jobs, its object store and speed) starts when the server is ready and stops when it closes, and its routes.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { GenerationRunner } from '../generations/runner';
import type { ServerContext } from '../http/context';
import type { ObjectStore } from '../storage/object-store';
import { scrubText } from '../http/logging';
import { trainingRoutes } from './routes';
import { TRAINING_BODY_LIMIT_BYTES, TRAINING_UPLOADS_AT_ONCE, UploadBudget } from './upload-budget';
import { TrainingRunner } from './trainer';

export interface TrainingOptions {
  /** where jobs keep their images, checkpoints and models (shared by every instance) */
  store: ObjectStore;
  /** how many times faster than real time jobs run (1: 20 to 40 minutes a job) */
  speed: number;
  heartbeatIntervalMs: number;
  sweepIntervalMs: number;
}

export function training(ctx: ServerContext, runner: GenerationRunner, o: TrainingOptions, log: { error(m: string): void }): { trainer: TrainingRunner; uploads: UploadBudget; plugin: FastifyPluginAsyncZod } {
  const { database, catalog, clock } = ctx;
  const trainer = new TrainingRunner({
    db: database.db, catalog, clock, store: o.store, lease: runner.lease, exclusive: database.kind === 'pglite',
    heartbeatIntervalMs: o.heartbeatIntervalMs, sweepIntervalMs: o.sweepIntervalMs,
    onTraining: ctx.publishTraining, onWalletChanged: ctx.walletChanged, log: (m) => log.error(scrubText(m)),
  });
  // the uploads being read: the largest TRAINING_UPLOADS_AT_ONCE bodies in all, one per account
  const uploads = new UploadBudget(TRAINING_UPLOADS_AT_ONCE * TRAINING_BODY_LIMIT_BYTES, TRAINING_BODY_LIMIT_BYTES);
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.addHook('onReady', async () => trainer.start());
    app.addHook('onClose', () => trainer.close());
    await app.register(trainingRoutes(ctx, { trainer, store: o.store, speed: o.speed, publishTraining: ctx.publishTraining, uploads }));
  };
  return { trainer, uploads, plugin };
}
