// The credits server's Fastify app: wires the shared hooks (error shape, zod schemas, logging) and one plugin per domain; nothing else.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Catalog } from '../shared/catalog/schema';
import type { ErrorBody, Wallet } from '../shared/api/index';
import { adminRoutes } from './admin/routes';
import { catalogRoutes } from './catalog/routes';
import { ephemeralCatalogKey, type CatalogKey } from './catalog/signing';
import type { Clock } from './clock';
import type { Database } from './db/open';
import { EngineRouter, enginesConfigSchema } from './engines/router';
import { GenerationRunner } from './generations/runner';
import { generationRoutes } from './generations/routes';
import { findGeneration } from './generations/service';
import type { ServerContext } from './http/context';
import { apiErrorOf, installErrorShape } from './http/errors';
import { WalletEvents } from './wallet/events';
import { EventFanout } from './wallet/fanout';
import type { ReconnectPolicy } from './wallet/relay';
import { walletRoutes } from './wallet/routes';
import { readWallet } from './wallet/service';
import { OpenStreams } from './wallet/stream';
import { newId } from './util';

export const SERVER_VERSION = '0.1.0';
export const BODY_LIMIT_BYTES = 64 * 1024;
export const REQUEST_TIMEOUT_MS = 30_000;

export interface AppOptions {
  database: Database;
  catalog: Catalog;
  clock: Clock;
  adminToken: string;
  logger?: boolean;
  engines?: EngineRouter;
  /** where generation outputs are stored, one folder per account and generation */
  outputsDir: string;
  runnerConcurrency?: number;
  sweepIntervalMs?: number;
  /** this instance's name among the servers sharing one database; random when absent */
  instanceId?: string;
  /** how long a run stays this instance's without a heartbeat (see GenerationRunner) */
  leaseMs?: number;
  heartbeatIntervalMs?: number;
  /** how the PostgreSQL event listener reconnects after a drop */
  eventsReconnect?: Partial<ReconnectPolicy>;
  /** signs the catalog; an ephemeral key when absent (tests) */
  catalogKey?: CatalogKey;
}

export interface CreditsApp {
  app: FastifyInstance;
  instanceId: string;
  events: WalletEvents;
  /** carries events between the instances sharing a PostgreSQL database */
  fanout: EventFanout;
  runner: GenerationRunner;
  catalogKey: CatalogKey;
  /** cuts every open event stream without a goodbye, as a flaky network would (for tests of resumption) */
  dropStreams(): void;
  /** reads an account's wallet and publishes it to its streams if the read changed anything */
  wallet(accountId: string): Promise<Wallet>;
}

function makeFastify(logger: boolean): FastifyInstance {
  const app = Fastify({
    logger,
    bodyLimit: BODY_LIMIT_BYTES,
    connectionTimeout: REQUEST_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // errors the router meets before any route (a malformed URL) leave in the same shape as every other
    frameworkErrors: (err, _req, reply) => {
      const api = apiErrorOf(err);
      const body: ErrorBody = { error: { code: api?.code ?? 'invalid_request', message: api?.message ?? 'bad request' } };
      void (reply as FastifyReply).status(api?.status ?? 400).send(body);
    },
  });
  // the API speaks JSON only: any other body type is a 415, not a string for the schema to puzzle over
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorShape(app);
  return app;
}

export function buildApp(opts: AppOptions): CreditsApp {
  const { database, catalog, clock } = opts;
  const app = makeFastify(opts.logger ?? false);
  const instanceId = opts.instanceId ?? newId('inst');
  const events = new WalletEvents();
  const streams = new OpenStreams();
  const catalogKey = opts.catalogKey ?? ephemeralCatalogKey();
  const fanout = new EventFanout({
    events,
    database,
    instanceId,
    log: (m) => app.log.error(m),
    reconnect: opts.eventsReconnect,
    read: {
      wallet: (accountId) => readWallet(database.db, accountId, catalog, () => clock.now()),
      generation: (accountId, id) => findGeneration(database.db, accountId, id),
    },
  });
  const ctx: ServerContext = {
    database,
    db: database.db,
    catalog,
    clock,
    events,
    publishWallet: (accountId, wallet) => fanout.publish(accountId, { type: 'wallet', wallet }),
    publishGeneration: (accountId, generation) => fanout.publish(accountId, { type: 'generation', generation }),
    wallet: async (accountId) => {
      const { wallet, changed } = await readWallet(database.db, accountId, catalog, () => clock.now());
      if (changed) ctx.publishWallet(accountId, wallet);
      return wallet;
    },
  };
  const engines = opts.engines ?? new EngineRouter(enginesConfigSchema.parse({}));
  const runner = new GenerationRunner({
    db: database.db,
    catalog,
    clock,
    engines,
    outputsDir: opts.outputsDir,
    ...(opts.runnerConcurrency ? { concurrency: opts.runnerConcurrency } : {}),
    ...(opts.sweepIntervalMs ? { sweepIntervalMs: opts.sweepIntervalMs } : {}),
    instanceId,
    ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}),
    ...(opts.heartbeatIntervalMs ? { heartbeatIntervalMs: opts.heartbeatIntervalMs } : {}),
    // the embedded database belongs to this process alone (main.ts locks its data directory)
    exclusive: database.kind === 'pglite',
    onGeneration: ctx.publishGeneration,
    onWalletChanged: (accountId) => fanout.walletChanged(accountId),
    log: (m) => app.log.error(m),
  });

  app.addHook('preClose', async () => streams.endAll());
  app.addHook('onClose', async () => {
    await runner.close(); // its last voids publish events: the fan-out closes after it
    await fanout.close();
  });
  app.addHook('onReady', async () => {
    await fanout.start(); // listening before the first stream opens, so that no notice is missed
    runner.start();
  });

  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/health', async () => ({ ok: true as const, serverTimeMs: clock.now(), version: SERVER_VERSION, storage: database.kind }));
  void typed.register(catalogRoutes(ctx, catalogKey));
  void typed.register(walletRoutes(ctx, streams));
  void typed.register(generationRoutes(ctx, runner, engines, opts.outputsDir));
  void typed.register(adminRoutes(ctx, runner, opts.adminToken));

  return { app, instanceId, events, fanout, runner, wallet: ctx.wallet, catalogKey, dropStreams: () => streams.dropAll() };
}
