// Runs this instance's share of the fleet's queued generations under heartbeated leases, settles or voids them, and sweeps (sweeps.ts) on a timer.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Catalog } from '../../shared/catalog/schema';
import type { Generation } from '../../shared/api/index';
import { expandRequest, runRequestSchema } from '../../shared/rules/pricing';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import type { generations } from '../db/schema';
import type { EngineRouter } from '../engines/router';
import { EngineError, type EngineLimits } from '../engines/types';
import { generationsInStatus, setProgress, settleGeneration, voidGeneration, generationView } from './service';
import { renewLeases, type Lease } from './leases';
import { INTERRUPTED, voidExpiredHolds, voidLapsedRuns, type SweepHooks } from './sweeps';
import { hash32 } from '../engines/media';
import { findPlan } from '../../shared/catalog/schema';
import { PRIORITY_RANK, QUEUE_AGING_MS } from '../../shared/rules/queue';
import { RefusalMemo } from './refusal-memo';
import { AccountTurns } from '../accounts/account-queue';
import { queuedCount, releaseSlot } from './fleet-queue';
import { FleetPump } from './fleet-pump';
import { FleetPlaces } from './places';
import { InFlightHere } from './in-flight';

/** runs waiting in the whole fleet, all accounts and engines together: past it, new runs are refused (busy) */
export const MAX_QUEUE = 10_000;
/** runs running on one instance at once, all engines together (each engine's own limits come first) */
export const MAX_RUNNING_HERE = 1_000;
export const SWEEP_INTERVAL_MS = 5_000;
export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
/** runs voided by one sweep; the next sweep takes the rest */
const PROGRESS_MIN_STEP = 5;
/** how often owners of waiting runs are told their place */
export const PLACE_TICK_MS = 2_000;

type GenerationRow = typeof generations.$inferSelect;

export interface RunnerOptions {
  db: Db;
  catalog: Catalog;
  clock: Clock;
  engines: EngineRouter;
  outputsDir: string;
  /** concurrency and requests per minute of each engine (tests may narrow them) */
  limitsOf?: (engine: string) => EngineLimits;
  sweepIntervalMs?: number;
  /** while runs wait, how often this instance looks for a slot freed elsewhere */
  queuePollMs?: number;
  /** this server instance: the owner recorded on the runs it runs */
  instanceId: string;
  /** how long a running run stays this instance's without a heartbeat; after that any instance voids it */
  leaseMs?: number;
  /** how often this instance extends its leases; at most half the lease, so one late heartbeat does not lose a run */
  heartbeatIntervalMs?: number;
  /** the database is this process's alone (embedded PGlite): at start, runs left running by the previous process are voided at once */
  exclusive?: boolean;
  /** called after every change to a generation, and to the wallet of its account */
  onGeneration(accountId: string, generation: Generation): void;
  onWalletChanged(accountId: string): void;
  /** the owners streaming on this instance, told their runs' places as they change (absent: nobody is told) */
  streams?: { watching(accountId: string): boolean; anyWatching(): boolean; tell(accountId: string, generation: Generation): void };
  /** one turn per account for work that takes its lock (settle, void); the app shares its own with the routes */
  accountTurns?: Pick<AccountTurns, 'run'>;
  log?: (msg: string) => void;
}

export function outputDirOf(outputsDir: string, accountId: string, generationId: string): string {
  return path.join(outputsDir, accountId, generationId);
}

export class GenerationRunner {
  private readonly running = new Map<string, { controller: AbortController; engine: string; accountId: string; atMs: number }>();
  private readonly pump: FleetPump;
  private readonly places: FleetPlaces;
  private readonly inFlight: InFlightHere;
  private readonly limitsOf: (engine: string) => EngineLimits;
  private active = 0;
  /** the fleet's waiting runs, as the last sweep counted them (plus those accepted here since) */
  private queuedInFleet = 0;
  private placeTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private sweeping = false;
  private beating = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  /** what this instance records on the runs it holds */
  readonly lease: Lease;
  /** refusals for runs in flight, repeated from memory for a moment (real time, not the server clock: it only paces retries) */
  readonly refusals = new RefusalMemo(() => performance.now());
  private readonly turns: Pick<AccountTurns, 'run'>;
  private readonly heartbeatIntervalMs: number;

  constructor(private readonly opts: RunnerOptions) {
    this.lease = { ownerId: opts.instanceId, leaseMs: opts.leaseMs ?? DEFAULT_LEASE_MS };
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.turns = opts.accountTurns ?? new AccountTurns();
    this.limitsOf = opts.limitsOf ?? ((engine) => opts.engines.limitsOf(engine));
    const now = () => opts.clock.now();
    const rankOf = (planId: string) => this.rankOf(planId);
    const engineNames = () => opts.engines.engineNames();
    const log = (m: string) => opts.log?.(m);
    this.inFlight = new InFlightHere((accountId) => this.refusals.forgetAccount(accountId));
    this.pump = new FleetPump({
      db: opts.db, lease: this.lease, engineNames, limitsOf: this.limitsOf, rankOf, now, log, pollMs: opts.queuePollMs,
      room: () => MAX_RUNNING_HERE - this.active,
      start: (row) => this.startRun(row),
      changed: () => this.checkIdle(),
    });
    const streams = opts.streams ?? { watching: () => false, anyWatching: () => false, tell: () => {} };
    this.places = new FleetPlaces({ db: opts.db, limitsOf: this.limitsOf, rankOf, now, engineNames, ...streams });
    if (!(this.lease.leaseMs > 0 && this.heartbeatIntervalMs > 0 && this.heartbeatIntervalMs * 2 <= this.lease.leaseMs)) {
      throw new RangeError(`the heartbeat (${this.heartbeatIntervalMs} ms) must come at least twice per lease (${this.lease.leaseMs} ms)`);
    }
  }

  start(): void {
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      return t;
    };
    this.sweepTimer = every(this.opts.sweepIntervalMs ?? SWEEP_INTERVAL_MS, () => void this.timedSweep());
    this.heartbeatTimer = every(this.heartbeatIntervalMs, () => void this.heartbeat());
    this.placeTimer = every(PLACE_TICK_MS, () => void this.tellPlaces());
    this.pump.start();
    void this.recover().catch((e: unknown) => this.opts.log?.(`recovery failed: ${(e as Error).stack ?? String(e)}`));
  }

  /**
   * At start. An embedded database is this process's alone: what was running died with the previous process, so it is refunded
   * now. A shared PostgreSQL may have other live instances: only runs whose lease lapsed are voided (the sweep). Then this
   * instance takes its share of the fleet's waiting runs.
   */
  private async recover(): Promise<void> {
    const { db, clock } = this.opts;
    if (this.opts.exclusive) {
      for (const g of await generationsInStatus(db, ['running'])) {
        const r = await db.transaction((tx) => voidGeneration(tx, g.id, 'failed', INTERRUPTED, () => clock.now()));
        if (r.changed) this.announce(r.accountId, r.generation);
      }
    }
    await this.sweep();
  }

  queueFull(): boolean {
    return this.queuedInFleet >= MAX_QUEUE;
  }

  /** The queue rank of a plan (unknown plans wait with the standard tier). */
  rankOf(planId: string): number {
    return PRIORITY_RANK[findPlan(this.opts.catalog, planId)?.queuePriority ?? 'standard'];
  }

  /**
   * A run was accepted here: it waits in the fleet's queue, and this instance claims at once if its engine has a free slot.
   * Answers its record with its place once that claim has ended; null when it started already (its start is told instead).
   */
  async queued(accountId: string, g: Generation): Promise<Generation | null> {
    if (this.closed) return g;
    this.inFlight.add(accountId, g.id);
    this.queuedInFleet++;
    // runs already waited for the engine: look before taking its lock (a full fleet's accepts then leave the lock to the claims that can start a run)
    const claim = this.pump.kick(g.engine, this.pump.waits(g.engine));
    // an engine that starts nothing (a test's) has no place to tell
    if (this.limitsOf(g.engine).concurrency <= 0) return g;
    await this.pump.settled(g.engine, claim);
    if (this.running.has(g.id)) return null;
    const place = await this.places.of(g);
    return place ? { ...g, queue: place } : null;
  }

  /** A run's record with its place in the fleet's queue (null when it is not waiting). */
  async withPlace(g: Generation): Promise<Generation> {
    return { ...g, queue: await this.places.of(g) };
  }

  /** Tells the owners streaming here whose runs' places changed where they stand now; drops runs in flight here that finished elsewhere. */
  private async tellPlaces(): Promise<void> {
    try {
      await this.places.tick();
      await this.inFlight.confirm(this.opts.db);
    } catch (e) {
      this.opts.log?.(`places not told: ${(e as Error).message}`);
    }
  }

  /** The account's runs in flight through this instance (a lower bound of its runs in flight: others may be elsewhere). */
  inFlightHere(accountId: string): number {
    return this.inFlight.count(accountId);
  }

  /** Drops from the count the account's runs that finished on another instance (before refusing it from the count). */
  async confirmInFlight(accountId: string): Promise<void> {
    await this.inFlight.confirm(this.opts.db, [accountId]);
  }

  /** How long an account at its limit of runs in flight should wait before trying again. */
  retryAfterMs(accountId: string): number {
    let best: number | null = null;
    const nowMs = this.opts.clock.now();
    for (const r of this.running.values()) {
      if (r.accountId !== accountId) continue;
      const left = Math.max(1_000, r.atMs + this.places.averageRunMs(r.engine) - nowMs);
      best = best === null ? left : Math.min(best, left);
    }
    return best ?? QUEUE_AGING_MS;
  }

  /** Stops a run running here (a cancel; voided first by the caller); true if it was running here. */
  cancel(id: string): boolean {
    const r = this.running.get(id);
    r?.controller.abort();
    return !!r;
  }

  /** Forgets a run canceled through this instance: it no longer counts as in flight here. */
  canceled(accountId: string, id: string): void {
    this.cancel(id);
    this.inFlight.remove(accountId, id);
  }

  private startRun(row: GenerationRow): void {
    const { id } = row;
    this.running.set(id, { controller: new AbortController(), engine: row.engine, accountId: row.accountId, atMs: this.opts.clock.now() });
    this.inFlight.add(row.accountId, id);
    this.active++;
    void this.runOne(row)
      .catch((e: unknown) => this.opts.log?.(`generation ${id} failed unexpectedly: ${(e as Error).stack ?? String(e)}`))
      .finally(() => {
        this.running.delete(id);
        this.active--;
        this.inFlight.remove(row.accountId, id);
        this.checkIdle();
      });
  }

  /** The engine finished with a run (it still settles): its slot goes to the fleet's next waiting run at once, not after the settle. */
  private async engineDone(id: string, engine: string): Promise<void> {
    const r = this.running.get(id);
    if (r) this.places.ran(engine, this.opts.clock.now() - r.atMs);
    try {
      if (await releaseSlot(this.opts.db, id)) this.pump.kick(engine);
      else this.pump.nothingWaits(engine);
    } catch (e) {
      this.opts.log?.(`generation ${id}: engine slot not released (it frees when the lease lapses): ${(e as Error).message}`);
      this.pump.kick(engine, true);
    }
  }

  private checkIdle(): void {
    if (this.active === 0 && this.pump.quiet) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves when nothing runs here and no run this instance could start waits (for tests and shutdown). */
  idle(): Promise<void> {
    if (this.active === 0 && this.pump.quiet) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private announce(accountId: string, generation: Generation): void {
    this.opts.onGeneration(accountId, generation);
    this.opts.onWalletChanged(accountId);
  }

  /** When a run that started at `startedAtMs` should finish, if its engine can tell (the app shows time left), else undefined. */
  private expectedFinishMs(request: unknown, startedAtMs: number): number | undefined {
    try {
      const runs = expandRequest(runRequestSchema.parse(request), this.opts.catalog);
      const duration = this.opts.engines.engineFor(runs).expectedDurationMs?.(runs) ?? null;
      return duration !== null && duration > 0 ? startedAtMs + duration : undefined;
    } catch {
      return undefined; // no estimate: the app says "working"
    }
  }

  private async runOne(row: GenerationRow): Promise<void> {
    const { db, catalog, clock, engines } = this.opts;
    const { id } = row;
    const expectedFinishMs = this.expectedFinishMs(row.request, row.startedAtMs ?? clock.now());
    const withEta = (g: Generation): Generation => (expectedFinishMs !== undefined && g.status === 'running' ? { ...g, expectedFinishMs } : g);
    this.opts.onGeneration(row.accountId, withEta(generationView(row)));
    const { controller } = this.running.get(id)!;
    const dir = outputDirOf(this.opts.outputsDir, row.accountId, id);
    let lastPct = 0;
    try {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const request = runRequestSchema.parse(row.request);
      const runs = expandRequest(request, catalog);
      const engine = engines.engineFor(runs);
      const result = await engine
        .run({
          generationId: id,
          runs,
          seed: hash32(id),
          outputDir: dir,
          signal: controller.signal,
          onProgress: (pct) => {
            if (pct - lastPct < PROGRESS_MIN_STEP || pct >= 100) return;
            lastPct = pct;
            void setProgress(db, id, pct)
              .then((r) => r && this.opts.onGeneration(r.accountId, withEta(generationView(r))))
              .catch((e: unknown) => this.opts.log?.(`generation ${id}: progress not saved: ${(e as Error).message}`));
          },
        })
        .finally(() => this.engineDone(id, row.engine));
      if (result.outputs.length === 0) throw new EngineError('engine_failed', 'the engine delivered nothing');
      const settlement = { usage: result.usage, outputs: result.outputs, undelivered: result.undelivered, partialReason: result.partialReason };
      const settled = await this.turns.run(row.accountId, () => db.transaction((tx) => settleGeneration(tx, catalog, id, settlement, () => clock.now())));
      this.announce(settled.accountId, settled.generation);
    } catch (e) {
      const err = e instanceof EngineError ? e : new EngineError('engine_failed', 'the run failed');
      if (!(e instanceof EngineError)) this.opts.log?.(`generation ${id}: ${(e as Error).stack ?? String(e)}`);
      const status = err.code === 'canceled' ? 'canceled' : 'failed';
      const voided = await this.turns.run(row.accountId, () => db.transaction((tx) => voidGeneration(tx, id, status, { code: err.code, message: `${err.message}; refunded in full` }, () => clock.now())));
      if (voided.changed) this.announce(voided.accountId, voided.generation);
      await rm(dir, { recursive: true, force: true });
    }
  }


  /** Extends the leases of the runs running here; a run this instance no longer holds (voided or canceled elsewhere) is stopped. */
  private async heartbeat(): Promise<void> {
    if (this.beating || this.closed) return;
    const running = [...this.running.keys()];
    if (running.length === 0) return;
    this.beating = true;
    try {
      const held = await renewLeases(this.opts.db, this.lease, running);
      for (const id of running) if (!held.has(id)) this.running.get(id)?.controller.abort();
    } catch (e) {
      this.opts.log?.(`lease heartbeat failed: ${(e as Error).message}`);
    } finally {
      this.beating = false;
    }
  }

  /** The timer's sweep: one at a time, and a failure (the database away) is logged, not thrown. */
  private async timedSweep(): Promise<void> {
    if (this.sweeping || this.closed) return;
    this.sweeping = true;
    try {
      await this.sweep();
    } catch (e) {
      this.opts.log?.(`sweep failed: ${(e as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * Voids holds past their deadline and runs whose instance stopped heartbeating, counts the fleet's waiting runs, and looks
   * at every engine for runs to start (queued elsewhere, or behind a slot a lapsed instance held). Called on a timer and after
   * the test clock moves.
   */
  async sweep(): Promise<number> {
    const { db, clock } = this.opts;
    const hooks: SweepHooks = { stop: (id) => void this.cancel(id), announce: (r) => this.announce(r.accountId, r.generation) };
    const n = (await voidExpiredHolds(db, clock, hooks)) + (await voidLapsedRuns(db, clock, hooks));
    if (this.closed) return n;
    this.queuedInFleet = await queuedCount(this.opts.db, MAX_QUEUE);
    this.pump.kickAll();
    return n;
  }

  /** Stops: this instance claims nothing more (its waiting runs are the fleet's, others claim them), running ones are stopped and refunded. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of [this.sweepTimer, this.heartbeatTimer, this.placeTimer]) if (t) clearInterval(t);
    this.pump.close();
    for (const r of this.running.values()) r.controller.abort();
    if (this.active > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
  }
}
