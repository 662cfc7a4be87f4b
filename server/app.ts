// The credits server's Fastify app: composes the shared hooks (error shape, zod schemas, logging), the context and one plugin per domain; each plugin owns its own start and stop.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Catalog } from '../shared/catalog/schema';
import type { Wallet } from '../shared/api/index';
import { accountRoutes } from './accounts/routes';
import { adminRoutes } from './admin/routes';
import { catalogRoutes } from './catalog/routes';
import { ephemeralCatalogKey, type CatalogKey } from './catalog/signing';
import type { Clock } from './clock';
import type { Database } from './db/open';
import { EngineRouter, enginesConfigSchema } from './engines/router';
import type { LeftoverReport } from './generations/leftovers';
import { generations } from './generations/plugin';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, SWEEP_INTERVAL_MS, type GenerationRunner } from './generations/runner';
import { makeFastify, type RouteSeen } from './http/fastify';
import type { LogOptions } from './http/logging';
import type { PaymentProvider } from './payments/provider';
import { TestPaymentProvider } from './payments/test-provider';
import { moneyInRoutes } from './purchases/plugin';
import { serverContext } from './server-context';
import { applySubscriptionEvent, subscriptionPaid } from './subscriptions/events';
import { subscriptionRoutes } from './subscriptions/routes';
import { training } from './training/plugin';
import { ownsCustomModel } from './training/service';
import type { TrainingRunner } from './training/trainer';
import type { UploadBudget } from './training/upload-budget';
import { FolderStore } from './storage/folder-store';
import type { ObjectStore } from './storage/object-store';
import { newId } from './util';
import type { WalletEvents } from './wallet/events';
import type { EventFanout } from './wallet/fanout';
import type { ReconnectPolicy } from './wallet/relay';
import { walletRoutes } from './wallet/routes';

export { BODY_LIMIT_BYTES, REQUEST_TIMEOUT_MS } from './http/fastify';
export const SERVER_VERSION = '0.1.0';

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
  /** where training jobs keep their images, checkpoints and models: an object store shared by the fleet; a folder (trainingsDir) when absent */
  storage?: ObjectStore;
  /** the folder training files are kept in when there is no `storage`; beside outputsDir when absent */
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
  uploads: UploadBudget; // the training upload bytes being read (a bound on memory)
  catalogKey: CatalogKey;
  /** the payment provider this server takes money through */
  payments: PaymentProvider;
  /** every route registered, for tests that must cover them all (the fuzzer) */
  routes: RouteSeen[];
  /** cuts every open event stream without a goodbye, as a flaky network would (for tests of resumption) */
  dropStreams(): void;
  /** reads an account's wallet and publishes it to its streams if the read changed anything */
  wallet(accountId: string): Promise<Wallet>;
  /** the removal of crash leftovers that starts with the server (null before it is ready, or if the removal failed) */
  leftovers(): Promise<LeftoverReport | null>;
}

export function buildApp(opts: AppOptions): CreditsApp {
  const routes: RouteSeen[] = [];
  const app = makeFastify(opts.log, routes);
  const instanceId = opts.instanceId ?? newId('inst');
  const catalogKey = opts.catalogKey ?? ephemeralCatalogKey();
  const { ctx, events, streams, fanout } = serverContext(app, { ...opts, instanceId });
  const log = { error: (m: string) => app.log.error(m), info: (m: string) => app.log.info(m) };
  const engines = opts.engines ?? new EngineRouter(enginesConfigSchema.parse({}));
  const gen = generations(ctx, { ...opts, engines, instanceId, customModelOwned: ownsCustomModel }, log);
  const trainingsDir = opts.trainingsDir ?? `${opts.outputsDir.replace(/[\\/]+$/, '')}-trainings`;
  const heartbeatIntervalMs = opts.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  const store = opts.storage ?? new FolderStore(trainingsDir);
  const train = training(ctx, gen.runner, { store, speed: opts.trainingSpeed ?? 1, heartbeatIntervalMs, sweepIntervalMs: opts.sweepIntervalMs ?? SWEEP_INTERVAL_MS }, log);
  // money in: the provider (the test provider by default), purchases and subscriptions, and the one webhook path between them
  const payments = opts.payments?.provider ?? new TestPaymentProvider();
  const publicUrl = opts.payments?.publicUrl;
  const subs = { catalog: ctx.catalog, provider: payments };
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/health', async () => ({ ok: true as const, serverTimeMs: ctx.clock.now(), version: SERVER_VERSION, storage: opts.database.kind }));
  void typed.register(catalogRoutes(ctx, catalogKey));
  void typed.register(walletRoutes(ctx, streams, opts.sseHeartbeatMs));
  void typed.register(accountRoutes(ctx));
  // the order of registration is the order of start, and the reverse of the order of stop: training stops before the runs' runner
  void typed.register(gen.plugin);
  void typed.register(train.plugin);
  void typed.register(adminRoutes(ctx, opts.adminToken));
  void typed.register(moneyInRoutes(ctx, { provider: payments, publicUrl, subscriptionPaid: subscriptionPaid(subs), moreHandlers: [(tx, ev, nowMs) => applySubscriptionEvent(tx, subs, ev, nowMs)] }));
  void typed.register(subscriptionRoutes(ctx, payments, publicUrl, opts.sweepIntervalMs));

  return { app, instanceId, events, fanout, runner: gen.runner, trainer: train.trainer, uploads: train.uploads, wallet: ctx.wallet, catalogKey, payments, routes, dropStreams: () => streams.dropAll(), leftovers: gen.leftovers };
}
