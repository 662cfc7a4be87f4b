// Generations plugin: accept a run (idempotent, held atomically), list and read runs, cancel one, and serve its outputs to its owner.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createEstimateBodySchema, createGenerationBodySchema, type CreateGenerationBody, emptyBodySchema, type EstimateAnswer, generationIdParamsSchema, generationListQuerySchema, idempotencyKeyParamsSchema, outputParamsSchema, type Generation, type Wallet } from '../../shared/api/index';
import { expandRequest, type RunRequest } from '../../shared/rules/pricing';
import type { EngineRouter } from '../engines/router';
import { EngineError } from '../engines/types';
import { accountAuth } from '../accounts/auth';
import { bearerOf } from '../http/auth';
import { statusOf } from '../http/errors';
import type { ServerContext } from '../http/context';
import { DomainError, notFound } from '../errors';
import { idempotencyKeyOf, idempotent, storedAnswer } from '../http/idempotency';
import { outputDirOf, type GenerationRunner } from './runner';
import { estimateGeneration } from './estimates';
import { acceptGeneration, type AcceptContext, getGeneration, listGenerations, refuseOverInFlightLimit, voidGeneration } from './service';
import { findPlan } from '../../shared/catalog/schema';
import { baseUrlOf } from '../purchases/routes';
import { IN_FLIGHT_LIMIT } from '../../shared/rules/queue';

/** Account auth; a client retrying in a tight loop while at its limit of runs in flight is refused from memory first, before any database read. */
function authRemembering429(ctx: ServerContext, runner: GenerationRunner) {
  const auth = accountAuth(ctx.db, ctx.clock);
  return async (req: FastifyRequest): Promise<void> => {
    if (req.method === 'POST' && req.routeOptions.url === '/v1/generations') runner.refusals.check(bearerOf(req));
    await auth(req);
  };
}

/**
 * Accepts a run idempotently in the account's turn. An account already at its limit on this instance alone is refused before
 * its lock is asked for (a flood of refused runs costs no transaction and does not queue ahead of other accounts' holds), and
 * the refusal is remembered for a moment for the token's next tries.
 */
async function acceptInTurn(ctx: ServerContext, runner: GenerationRunner, req: FastifyRequest<{ Body: CreateGenerationBody }>, key: string, accept: AcceptContext) {
  const { accountId } = req;
  const plan = findPlan(ctx.catalog, req.planId);
  const atLimitHere = () => {
    if (plan) refuseOverInFlightLimit(plan, runner.inFlightHere(accountId), runner.retryAfterMs(accountId));
  };
  try {
    // runs counted here may have finished on another instance: checked by id (no lock) before the count refuses
    if (plan && runner.inFlightHere(accountId) >= IN_FLIGHT_LIMIT[plan.queuePriority]) await runner.confirmInFlight(accountId);
    // in the account's turn: its other requests wait in memory, not on its row lock with a pool connection each
    return await idempotent(ctx.db, `gen:${accountId}`, key, req.body, ctx.clock.now(), async (tx) => ({ status: 201, body: await acceptGeneration(tx, accept, accountId, req.body) }), undefined, {
      beforeChange: atLimitHere,
      inTurn: (work) => ctx.accountTurns.run(accountId, work),
    });
  } catch (e) {
    runner.refusals.remember(bearerOf(req), accountId, e);
    throw e;
  }
}

export function generationRoutes(ctx: ServerContext, runner: GenerationRunner, engines: EngineRouter, outputsDir: string, customModelOwned?: AcceptContext['customModelOwned']): FastifyPluginAsyncZod {
  const { db, catalog, clock } = ctx;
  const engineNameOrRefuse = (r: RunRequest): string => {
    try {
      return engines.engineNameFor(expandRequest(r, catalog));
    } catch (e) {
      if (e instanceof EngineError) throw new DomainError('invalid', e.code, e.message);
      throw e;
    }
  };
  return async (app) => {
    app.addHook('onRequest', authRemembering429(ctx, runner));

    app.post('/v1/generations', { schema: { body: createGenerationBodySchema } }, async (req, reply) => {
      const { accountId } = req;
      const key = idempotencyKeyOf(req);
      if (runner.queueFull()) throw new DomainError('busy', 'busy', 'too many runs are waiting; try again in a minute', { retryAfterMs: 60_000 });
      let wallet: Wallet | null = null;
      let topUp: string | null = null;
      const accepted = (_planId: string, w: Wallet) => (wallet = w);
      const toppedUp = (purchaseId: string) => (topUp = purchaseId);
      const accept: AcceptContext = { catalog, now: () => clock.now(), engineFor: engineNameOrRefuse, retryAfterMs: (id: string) => runner.retryAfterMs(id), accepted, toppedUp, ...(customModelOwned ? { customModelOwned } : {}) };
      const answer = await acceptInTurn(ctx, runner, req, key, accept);
      if (answer.replayed) reply.header('idempotent-replayed', 'true');
      else {
        const g = answer.body as Generation;
        // with its place in the fleet's queue, unless it started at once (its start is told instead)
        const waiting = await runner.queued(accountId, g);
        if (waiting) ctx.publishGeneration(accountId, waiting);
        // the wallet as the accepting transaction left it: no second transaction on the hold path
        ctx.publishWallet(accountId, wallet ? await ctx.completeWallet(wallet) : await ctx.wallet(accountId));
        // the hold crossed the auto top-up threshold: its purchase is committed with the run, and is charged now
        if (topUp) ctx.chargeTopUp?.(topUp, baseUrlOf(req, undefined));
      }
      return reply.status(answer.status).send(answer.body);
    });

    /** What a generation with this body would cost now and whether it would be accepted; holds nothing, needs no key. */
    app.post('/v1/estimates', { schema: { body: createEstimateBodySchema } }, async (req): Promise<EstimateAnswer> => {
      const { refusal, ...answer } = await estimateGeneration(db, { catalog, now: () => clock.now(), retryAfterMs: (id) => runner.retryAfterMs(id), availableMc: async (id) => (await ctx.wallet(id)).availableMc, ...(customModelOwned ? { customModelOwned } : {}) }, req.accountId, req.body);
      // the refusal a generation would get, with the status the generation route would answer
      return { ...answer, refusal: refusal ? { status: statusOf(refusal.kind), code: refusal.code, message: refusal.message, ...(refusal.details === undefined ? {} : { details: refusal.details as Record<string, unknown> }) } : null };
    });

    app.get('/v1/generations', { schema: { querystring: generationListQuerySchema } }, async (req) => listGenerations(db, req.accountId, req.query.limit, req.query.cursor));

    /** The run created with an idempotency key, so a client that crashed mid-request can look it up instead of resending. */
    app.get('/v1/generations/by-key/:key', { schema: { params: idempotencyKeyParamsSchema } }, async (req) => {
      const answer = await storedAnswer(db, `gen:${req.accountId}`, req.params.key);
      if (!answer) throw notFound('a run with that key');
      return getGeneration(db, req.accountId, (answer.body as Generation).id);
    });

    app.get('/v1/generations/:id', { schema: { params: generationIdParamsSchema } }, async (req) => runner.withPlace(await getGeneration(db, req.accountId, req.params.id)));

    app.post('/v1/generations/:id/cancel', { schema: { params: generationIdParamsSchema, body: emptyBodySchema } }, async (req) => {
      const { accountId } = req;
      idempotencyKeyOf(req);
      const { id } = req.params;
      await getGeneration(db, accountId, id); // 404 unless it is the caller's
      const r = await ctx.accountTurns.run(accountId, () => db.transaction((tx) => voidGeneration(tx, id, 'canceled', { code: 'canceled', message: 'you canceled this run; refunded in full' }, () => clock.now())));
      // after the void, so the run's failure path finds nothing left to refund; a run on another instance stops at its next heartbeat
      runner.canceled(accountId, id);
      if (r.changed) {
        ctx.publishGeneration(accountId, r.generation);
        ctx.publishWallet(accountId, await ctx.wallet(accountId));
      }
      return r.generation;
    });

    /** Outputs are served only to their owner; the name is checked against the generation's own list, never used as a path as given. */
    app.get('/v1/generations/:id/outputs/:name', { schema: { params: outputParamsSchema } }, async (req, reply) => {
      const { id, name } = req.params;
      const g = await getGeneration(db, req.accountId, id);
      const out = g.outputs.find((o) => o.name === name);
      if (!out) throw notFound(`output ${name}`);
      const file = path.join(outputDirOf(outputsDir, req.accountId, id), out.name);
      const st = await stat(file).catch(() => null);
      if (!st) throw new DomainError('gone', 'output_gone', 'this output is no longer stored');
      return reply.type(out.mime).header('content-length', st.size).header('cache-control', 'private, max-age=31536000, immutable').header('x-content-type-options', 'nosniff').send(createReadStream(file));
    });
  };
}
