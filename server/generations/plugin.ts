// The generations domain as one plugin: its runner (its share of the fleet's queue, leases, sweeps) starts when the server is ready and stops when it closes, crash leftovers are removed at start, and its routes.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { EngineRouter } from '../engines/router';
import type { ServerContext } from '../http/context';
import { scrubText } from '../http/logging';
import { removeLeftovers, type LeftoverReport } from './leftovers';
import { generationRoutes } from './routes';
import { GenerationRunner } from './runner';
import type { AcceptContext } from './service';

export interface GenerationsOptions {
  engines: EngineRouter;
  /** where outputs are stored, one folder per account and run */
  outputsDir: string;
  /** this instance's name among the servers sharing one database */
  instanceId: string;
  runnerConcurrency?: number | undefined;
  sweepIntervalMs?: number | undefined;
  /** while runs wait, how often the runner looks for a slot freed elsewhere */
  queuePollMs?: number | undefined;
  leaseMs?: number | undefined;
  heartbeatIntervalMs?: number | undefined;
  /** whether a run is for a trained model the account owns (the training domain's answer) */
  customModelOwned?: AcceptContext['customModelOwned'];
}

export interface Generations {
  runner: GenerationRunner;
  /** the removal of crash leftovers that starts with the server (null before it is ready, or if the removal failed) */
  leftovers(): Promise<LeftoverReport | null>;
  plugin: FastifyPluginAsyncZod;
}

export function generations(ctx: ServerContext, o: GenerationsOptions, log: { error(m: string): void; info(m: string): void }): Generations {
  const { database, catalog, clock } = ctx;
  const runner = new GenerationRunner({
    db: database.db, catalog, clock, engines: o.engines, outputsDir: o.outputsDir, instanceId: o.instanceId,
    // a narrower concurrency for every engine (tests), its other limits as configured
    ...(o.runnerConcurrency !== undefined ? { limitsOf: (engine: string) => ({ ...o.engines.limitsOf(engine), concurrency: o.runnerConcurrency! }) } : {}),
    ...(o.queuePollMs ? { queuePollMs: o.queuePollMs } : {}),
    ...(o.sweepIntervalMs ? { sweepIntervalMs: o.sweepIntervalMs } : {}),
    ...(o.leaseMs ? { leaseMs: o.leaseMs } : {}),
    ...(o.heartbeatIntervalMs ? { heartbeatIntervalMs: o.heartbeatIntervalMs } : {}),
    // the embedded database belongs to this process alone (main.ts locks its data directory)
    exclusive: database.kind === 'pglite',
    onGeneration: ctx.publishGeneration,
    // places are told to the streams on this instance only: every instance tells its own streams' owners
    streams: {
      watching: (accountId) => ctx.events.listenerCount(accountId) > 0,
      anyWatching: () => ctx.events.accountsWithStreams().length > 0,
      tell: (accountId, generation) => ctx.events.publish(accountId, { type: 'generation', generation }),
    },
    onWalletChanged: ctx.walletChanged,
    accountTurns: ctx.accountTurns,
    // the runner logs stacks as text: a failed query's parameters (a prompt) are cut out of it
    log: (m) => log.error(scrubText(m)),
  });
  const stopCleaning = new AbortController();
  let cleaning: Promise<LeftoverReport | null> = Promise.resolve(null);
  const plugin: FastifyPluginAsyncZod = async (app) => {
    let forgetClock = () => {};
    // At start the runner recovers runs a stop interrupted, and the output folders of runs that never finished are removed.
    app.addHook('onReady', async () => {
      runner.start();
      // a moved test clock: hold deadlines and expiries are applied before anything else looks
      forgetClock = clock.onMoved(async () => {
        await runner.sweep();
      });
      cleaning = removeLeftovers({ db: database.db, outputsDir: o.outputsDir, clock, signal: stopCleaning.signal, log: (m) => log.info(m) }).catch((e: unknown) => {
        log.error(`removing the output folders of unfinished runs failed: ${(e as Error).message}`);
        return null;
      });
    });
    app.addHook('onClose', async () => {
      forgetClock();
      stopCleaning.abort();
      await cleaning;
      await runner.close(); // its last voids publish events: the fan-out closes after it (the root's onClose)
    });
    await app.register(generationRoutes(ctx, runner, o.engines, o.outputsDir, o.customModelOwned));
  };
  return { runner, leftovers: () => cleaning, plugin };
}
