// The credits server's Fastify app: wires the shared hooks (error shape, zod schemas, logging) and one plugin per domain; nothing else.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Catalog } from '../shared/catalog/schema';
import type { ErrorBody, Training, Wallet } from '../shared/api/index';
import { AccountTurns } from './accounts/account-queue';
import { accountRoutes } from './accounts/routes';
import { adminRoutes } from './admin/routes';
import { catalogRoutes } from './catalog/routes';
import { ephemeralCatalogKey, type CatalogKey } from './catalog/signing';
import type { Clock } from './clock';
import type { Database } from './db/open';
import { EngineRouter, enginesConfigSchema } from './engines/router';
import { removeLeftovers, type LeftoverReport } from './generations/leftovers';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, GenerationRunner, SWEEP_INTERVAL_MS } from './generations/runner';
import { generationRoutes } from './generations/routes';
import { findGeneration } from './generations/service';
import type { ServerContext } from './http/context';
import { apiErrorOf, clientErrorHandler, installErrorShape } from './http/errors';
import { installJsonBodyParser } from './http/json-body';
import { loggerOptions, newRequestId, REQUEST_ID_HEADER, scrubText, type LogOptions } from './http/logging';
import { WalletEvents } from './wallet/events';
import { EventFanout } from './wallet/fanout';
import type { ReconnectPolicy } from './wallet/relay';
import { walletRoutes } from './wallet/routes';
import { readWallet } from './wallet/service';
import { OpenStreams } from './wallet/stream';
import type { PaymentProvider } from './payments/provider';
import { TestPaymentProvider } from './payments/test-provider';
import { moneyInRoutes } from './purchases/plugin';
import { applySubscriptionEvent, subscriptionPaid } from './subscriptions/events';
import { subscriptionRoutes } from './subscriptions/routes';
import { newId } from './util';
import { withTrainingAllowance } from './training/allowance';
import { walletSubscriptionOf } from './subscriptions/service';
import { trainingRoutes } from './training/routes';
import { ownsCustomModel } from './training/service';
import { TrainingRunner } from './training/trainer';

export const SERVER_VERSION = '0.1.0';
export const BODY_LIMIT_BYTES = 64 * 1024;
export const REQUEST_TIMEOUT_MS = 30_000;

export interface AppOptions {
  database: Database;
  catalog: Catalog;
  clock: Clock;
  adminToken: string;
  /** the log (pino, JSON lines): its level and, for tests, a stream; silent when absent */
  log?: LogOptions;
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
  /** the payment provider (the embedded test provider when absent) and the URL buyers' browsers reach this server at */
  payments?: { provider?: PaymentProvider; publicUrl?: string | undefined };
  /** where training jobs keep their images and models; beside outputsDir when absent */
  trainingsDir?: string;
  /** how many times faster than real time training jobs run (1: 20 to 40 minutes a job) */
  trainingSpeed?: number;
  /** the event stream's heartbeat (a comment line) interval; SSE_HEARTBEAT_MS when absent */
  sseHeartbeatMs?: number;
}

export interface CreditsApp {
  app: FastifyInstance;
  instanceId: string;
  events: WalletEvents;
  /** carries events between the instances sharing a PostgreSQL database */
  fanout: EventFanout;
  runner: GenerationRunner;
  trainer: TrainingRunner;
  catalogKey: CatalogKey;
  /** the payment provider this server takes money through */
  payments: PaymentProvider;
  /** every route registered, for tests that must cover them all (the fuzzer) */
  routes: { method: string; url: string }[];
  /** cuts every open event stream without a goodbye, as a flaky network would (for tests of resumption) */
  dropStreams(): void;
  /** reads an account's wallet and publishes it to its streams if the read changed anything */
  wallet(accountId: string): Promise<Wallet>;
  /** the removal of crash leftovers that starts with the server (null before it is ready, or if the removal failed) */
  leftovers(): Promise<LeftoverReport | null>;
}

function makeFastify(log: LogOptions | undefined, routes: CreditsApp['routes']): FastifyInstance {
  const app = Fastify({
    logger: loggerOptions(log),
    // every line about a request carries its id (reqId); the client sees it in x-request-id, and a 500 names it
    genReqId: newRequestId,
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT_BYTES,
    connectionTimeout: REQUEST_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // requests Node's HTTP parser refuses (broken framing, bad header bytes, headers too large) leave in the one shape too
    clientErrorHandler,
    // errors the router meets before any route (a malformed URL) leave in the same shape as every other
    frameworkErrors: (err, _req, reply) => {
      const api = apiErrorOf(err);
      const body: ErrorBody = { error: { code: api?.code ?? 'invalid_request', message: api?.message ?? 'bad request' } };
      void (reply as FastifyReply).status(api?.status ?? 400).send(body);
    },
  });
  // the API speaks JSON only: any other body type is a 415, not a string for the schema to puzzle over
  app.removeContentTypeParser('text/plain');
  installJsonBodyParser(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorShape(app);
  app.addHook('onRequest', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
  });
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  return app;
}

/** Money in: the payment provider (the test provider by default), purchases and subscriptions, and the one webhook path between them. */
function registerMoneyIn(typed: FastifyInstance, ctx: ServerContext, opts: AppOptions): PaymentProvider {
  const provider = opts.payments?.provider ?? new TestPaymentProvider();
  const publicUrl = opts.payments?.publicUrl;
  const subs = { catalog: ctx.catalog, provider };
  void typed.register(moneyInRoutes(ctx, { provider, publicUrl, subscriptionPaid: subscriptionPaid(subs), moreHandlers: [(tx, ev, nowMs) => applySubscriptionEvent(tx, subs, ev, nowMs)] }));
  void typed.register(subscriptionRoutes(ctx, provider, publicUrl, opts.sweepIntervalMs));
  return provider;
}

/** The training runner: the generation runner's lease (a credit job heartbeats the run holding its credits), its folder and speed. */
function makeTrainer(opts: AppOptions, app: FastifyInstance, runner: GenerationRunner, fanout: EventFanout) {
  const { database, catalog, clock } = opts;
  const publishTraining = (accountId: string, training: Training) => fanout.publish(accountId, { type: 'training', training });
  const trainingsDir = opts.trainingsDir ?? `${opts.outputsDir.replace(/[\\/]+$/, '')}-trainings`;
  const trainingSpeed = opts.trainingSpeed ?? 1;
  const trainer = new TrainingRunner({
    db: database.db, catalog, clock, trainingsDir, lease: runner.lease, exclusive: database.kind === 'pglite',
    heartbeatIntervalMs: opts.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS, sweepIntervalMs: opts.sweepIntervalMs ?? SWEEP_INTERVAL_MS,
    onTraining: publishTraining, onWalletChanged: (accountId) => fanout.walletChanged(accountId), log: (m) => app.log.error(scrubText(m)),
  });
  return { trainer, trainingsDir, trainingSpeed, publishTraining };
}

/** The wallet as every answer and stream shows it: credits, the subscription (its row read once for both) and the training allowance. */
async function completeWallet(opts: AppOptions, wallet: Wallet): Promise<Wallet> {
  const { subscription, state } = await walletSubscriptionOf(opts.database.db, opts.catalog, wallet);
  return withTrainingAllowance(opts.database.db, opts.catalog, { ...wallet, subscription }, state);
}

async function walletWithAllowance(opts: AppOptions, turns: AccountTurns, accountId: string): Promise<{ wallet: Wallet; changed: boolean }> {
  const r = await turns.run(accountId, () => readWallet(opts.database.db, accountId, opts.catalog, () => opts.clock.now()));
  return { wallet: await completeWallet(opts, r.wallet), changed: r.changed };
}

/** The generation runner: the engines' queues, leases and sweeps, publishing each run's changes. */
function makeRunner(opts: AppOptions, app: FastifyInstance, ctx: ServerContext, fanout: EventFanout, engines: EngineRouter, instanceId: string): GenerationRunner {
  const { database, catalog, clock } = opts;
  return new GenerationRunner({
    db: database.db,
    catalog,
    clock,
    engines,
    outputsDir: opts.outputsDir,
    ...(opts.runnerConcurrency !== undefined ? { limitsOf: () => ({ concurrency: opts.runnerConcurrency!, perMinute: null }) } : {}),
    ...(opts.sweepIntervalMs ? { sweepIntervalMs: opts.sweepIntervalMs } : {}),
    instanceId,
    ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}),
    ...(opts.heartbeatIntervalMs ? { heartbeatIntervalMs: opts.heartbeatIntervalMs } : {}),
    // the embedded database belongs to this process alone (main.ts locks its data directory)
    exclusive: database.kind === 'pglite',
    onGeneration: ctx.publishGeneration,
    onWalletChanged: (accountId) => fanout.walletChanged(accountId),
    accountTurns: ctx.accountTurns,
    // the runner logs stacks as text: a failed query's parameters (a prompt) are cut out of it
    log: (m) => app.log.error(scrubText(m)),
  });
}

export function buildApp(opts: AppOptions): CreditsApp {
  const { database, catalog, clock } = opts;
  const routes: CreditsApp['routes'] = [];
  const app = makeFastify(opts.log, routes);
  const instanceId = opts.instanceId ?? newId('inst');
  const events = new WalletEvents();
  const streams = new OpenStreams();
  const catalogKey = opts.catalogKey ?? ephemeralCatalogKey();
  const accountTurns = new AccountTurns();
  const readFullWallet = (accountId: string) => walletWithAllowance(opts, accountTurns, accountId);
  const fanout = new EventFanout({
    events,
    database,
    instanceId,
    log: (m) => app.log.error(m),
    reconnect: opts.eventsReconnect,
    read: { wallet: (accountId) => readFullWallet(accountId), generation: (accountId, id) => findGeneration(database.db, accountId, id) },
  });
  const ctx: ServerContext = {
    database,
    db: database.db,
    catalog,
    clock,
    events,
    accountTurns,
    publishWallet: (accountId, wallet) => fanout.publish(accountId, { type: 'wallet', wallet }),
    completeWallet: (wallet) => completeWallet(opts, wallet),
    publishGeneration: (accountId, generation) => fanout.publish(accountId, { type: 'generation', generation }),
    sweepers: [],
    wallet: async (accountId) => {
      const { wallet, changed } = await readFullWallet(accountId);
      if (changed) ctx.publishWallet(accountId, wallet);
      return wallet;
    },
  };
  const engines = opts.engines ?? new EngineRouter(enginesConfigSchema.parse({}));
  const runner = makeRunner(opts, app, ctx, fanout, engines, instanceId);

  const { trainer, trainingsDir, trainingSpeed, publishTraining } = makeTrainer(opts, app, runner, fanout);

  // At start: the runner recovers runs a stop interrupted, and the output folders of runs that never finished are removed.
  const stopCleaning = new AbortController();
  let cleaning: Promise<LeftoverReport | null> = Promise.resolve(null);
  app.addHook('preClose', async () => streams.endAll());
  app.addHook('onClose', async () => {
    stopCleaning.abort();
    await cleaning;
    await trainer.close();
    await runner.close(); // its last voids publish events: the fan-out closes after it
    await fanout.close();
  });
  app.addHook('onReady', async () => {
    await fanout.start(); // listening before the first stream opens, so that no notice is missed
    runner.start();
    trainer.start();
    cleaning = removeLeftovers({ db: database.db, outputsDir: opts.outputsDir, clock, signal: stopCleaning.signal, log: (m) => app.log.info(m) }).catch((e: unknown) => {
      app.log.error({ err: e }, 'removing the output folders of unfinished runs failed');
      return null;
    });
  });

  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/health', async () => ({ ok: true as const, serverTimeMs: clock.now(), version: SERVER_VERSION, storage: database.kind }));
  void typed.register(catalogRoutes(ctx, catalogKey));
  void typed.register(walletRoutes(ctx, streams, opts.sseHeartbeatMs));
  void typed.register(accountRoutes(ctx));
  void typed.register(generationRoutes(ctx, runner, engines, opts.outputsDir, ownsCustomModel));
  void typed.register(trainingRoutes(ctx, { trainer, trainingsDir, speed: trainingSpeed, publishTraining }));
  void typed.register(adminRoutes(ctx, runner, opts.adminToken));
  const payments = registerMoneyIn(typed, ctx, opts);

  return { app, instanceId, events, fanout, runner, trainer, wallet: ctx.wallet, catalogKey, payments, routes, dropStreams: () => streams.dropAll(), leftovers: () => cleaning };
}
