// Runs accepted generations on their engines with bounded concurrency under heartbeated leases, settles or voids them, and sweeps expired holds and lapsed leases.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Catalog } from '../../shared/catalog/schema';
import type { Generation } from '../../shared/api/index';
import { expandRequest, runRequestSchema } from '../../shared/rules/pricing';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import type { EngineRouter } from '../engines/router';
import { EngineError } from '../engines/types';
import { expiredHoldGenerationIds, generationsInStatus, queueRowsOf, setProgress, settleGeneration, voidGeneration, generationView } from './service';
import { adoptQueued, claimGeneration, lapsedRunIds, lockLapsedRun, releaseQueued, renewLeases, type Lease } from './leases';
import { hash32 } from '../engines/media';
import { findPlan } from '../../shared/catalog/schema';
import { PRIORITY_RANK } from '../../shared/rules/queue';
import { FairScheduler, type EngineLimits, type QueueItem } from './scheduler';
import { RefusalMemo } from './refusal-memo';
import { AccountTurns } from '../accounts/account-queue';

/** runs waiting on one instance, all accounts and engines together */
export const MAX_QUEUE = 10_000;
export const SWEEP_INTERVAL_MS = 5_000;
export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
/** runs voided or adopted by one sweep; the next sweep takes the rest */
export const SWEEP_BATCH = 100;
const PROGRESS_MIN_STEP = 5;
/** how often owners of waiting runs are told their place, and how many at most per tick */
export const PLACE_TICK_MS = 2_000;
const PLACES_PER_TICK = 500;
const INTERRUPTED = { code: 'interrupted', message: 'the server running this run stopped; it was refunded in full' };

export interface RunnerOptions {
  db: Db;
  catalog: Catalog;
  clock: Clock;
  engines: EngineRouter;
  outputsDir: string;
  /** concurrency and requests per minute of each engine (tests may narrow them) */
  limitsOf?: (engine: string) => EngineLimits;
  sweepIntervalMs?: number;
  /** this server instance: the owner recorded on the runs it holds */
  instanceId: string;
  /** how long a run stays this instance's without a heartbeat; after that any instance voids it (running) or takes it over (queued) */
  leaseMs?: number;
  /** how often this instance extends its leases; at most half the lease, so one late heartbeat does not lose a run */
  heartbeatIntervalMs?: number;
  /** the database is this process's alone (embedded PGlite): at start, runs left running by the previous process are voided at once */
  exclusive?: boolean;
  /** called after every change to a generation, and to the wallet of its account */
  onGeneration(accountId: string, generation: Generation): void;
  onWalletChanged(accountId: string): void;
  /** one turn per account for work that takes its lock (settle, void); the app shares its own with the routes */
  accountTurns?: Pick<AccountTurns, 'run'>;
  log?: (msg: string) => void;
}

export function outputDirOf(outputsDir: string, accountId: string, generationId: string): string {
  return path.join(outputsDir, accountId, generationId);
}

export class GenerationRunner {
  private readonly queue: FairScheduler;
  private readonly running = new Map<string, AbortController>();
  private active = 0;
  private budgetTimer: NodeJS.Timeout | null = null;
  private placeTimer: NodeJS.Timeout | null = null;
  /** queued runs whose owners are told their place as it changes */
  private readonly waiting = new Map<string, { view: Generation; accountId: string; ahead: number }>();
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
    this.queue = new FairScheduler(opts.limitsOf ?? ((engine) => opts.engines.limitsOf(engine)), () => opts.clock.now(), (accountId) => this.refusals.forgetAccount(accountId));
    if (!(this.lease.leaseMs > 0 && this.heartbeatIntervalMs > 0 && this.heartbeatIntervalMs * 2 <= this.lease.leaseMs)) {
      throw new RangeError(`the heartbeat (${this.heartbeatIntervalMs} ms) must come at least twice per lease (${this.lease.leaseMs} ms)`);
    }
  }

  start(): void {
    this.sweepTimer = setInterval(() => void this.timedSweep(), this.opts.sweepIntervalMs ?? SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
    this.placeTimer = setInterval(() => this.announcePlaces(), PLACE_TICK_MS);
    this.placeTimer.unref();
    void this.recover().catch((e: unknown) => this.opts.log?.(`recovery failed: ${(e as Error).stack ?? String(e)}`));
  }

  /**
   * At start. An embedded database is this process's alone: what was running died with the previous process, so it is refunded
   * now. A shared PostgreSQL may have other live instances: only runs whose lease lapsed are voided or taken over (the sweep).
   */
  private async recover(): Promise<void> {
    const { db, clock } = this.opts;
    if (!this.opts.exclusive) {
      await this.sweep();
      return;
    }
    for (const g of await generationsInStatus(db, ['running'])) {
      const r = await db.transaction((tx) => voidGeneration(tx, g.id, 'failed', INTERRUPTED, () => clock.now()));
      if (r.changed) this.announce(r.accountId, r.generation);
    }
    await this.enqueueIds((await generationsInStatus(db, ['queued'], MAX_QUEUE)).map((g) => g.id));
  }

  queueFull(): boolean {
    return this.queue.size >= MAX_QUEUE;
  }

  /** The queue rank of a plan (unknown plans wait with the standard tier). */
  rankOf(planId: string): number {
    return PRIORITY_RANK[findPlan(this.opts.catalog, planId)?.queuePriority ?? 'standard'];
  }

  /** Queues runs known only by id (recovered at start, taken over from a stopped instance). */
  private async enqueueIds(ids: string[]): Promise<void> {
    for (const r of await queueRowsOf(this.opts.db, ids)) {
      const g = r.generation;
      this.enqueue({ id: g.id, accountId: r.accountId, engine: g.engine, rank: this.rankOf(r.planId), enqueuedAtMs: g.createdAtMs }, g);
    }
  }

  /** Queues a run; with its record, the run's owner is told its place in the queue as it moves. */
  enqueue(item: QueueItem, view?: Generation): void {
    if (this.closed || this.running.has(item.id) || this.queue.has(item.id)) return;
    this.queue.add(item);
    if (view && this.waiting.size < MAX_QUEUE) this.waiting.set(item.id, { view, accountId: item.accountId, ahead: -1 });
    this.pump();
  }

  /** A run's record with its place in this instance's queue (null when it is not waiting here). */
  withPlace(g: Generation): Generation {
    const place = g.status === 'queued' ? this.queue.place(g.id) : null;
    const w = this.waiting.get(g.id);
    if (w && place) w.ahead = place.ahead;
    return { ...g, queue: place };
  }

  /** Tells the owners of waiting runs whose place changed where they stand now (a bounded number per tick). */
  private announcePlaces(): void {
    if (this.waiting.size === 0) return;
    let told = 0;
    const places = this.queue.places();
    for (const [id, w] of this.waiting) {
      const place = places.get(id);
      if (!place) {
        this.waiting.delete(id);
        continue;
      }
      if (place.ahead === w.ahead) continue;
      w.ahead = place.ahead;
      this.opts.onGeneration(w.accountId, { ...w.view, queue: place });
      if (++told >= PLACES_PER_TICK) break;
    }
  }

  /** The account's runs queued or running on this instance (a lower bound of its runs in flight: others may run elsewhere). */
  inFlightHere(accountId: string): number {
    return this.queue.inFlightOf(accountId);
  }

  /** The engine finished with a run (it still settles): its slot goes to the next waiting run at once, not after the settle. */
  private engineDone(id: string): void {
    this.queue.done(id);
    this.pump();
  }

  /** How long an account at its limit of runs in flight should wait before trying again. */
  retryAfterMs(accountId: string): number {
    return this.queue.retryAfterMs(accountId);
  }

  cancel(id: string): boolean {
    const c = this.running.get(id);
    if (c) c.abort();
    this.waiting.delete(id);
    return this.queue.remove(id) || !!c;
  }

  private pump(): void {
    if (this.closed) return;
    for (const item of this.queue.take()) {
      const { id } = item;
      this.waiting.delete(id);
      this.active++;
      void this.runOne(id)
        .catch((e: unknown) => this.opts.log?.(`generation ${id} failed unexpectedly: ${(e as Error).stack ?? String(e)}`))
        .finally(() => {
          this.active--;
          this.queue.finished(id);
          if (this.active === 0 && this.queue.size === 0) for (const w of this.idleWaiters.splice(0)) w();
          this.pump();
        });
    }
    this.armBudgetTimer();
  }

  /** An engine out of its per-minute budget with runs waiting: pump again when the budget frees up. */
  private armBudgetTimer(): void {
    if (this.budgetTimer || this.closed) return;
    const at = this.queue.nextBudgetAtMs();
    if (at === null) return;
    this.budgetTimer = setTimeout(() => {
      this.budgetTimer = null;
      this.pump();
    }, Math.max(10, at - this.opts.clock.now()));
    this.budgetTimer.unref();
  }

  /** Resolves when nothing is queued or running (for tests and shutdown). */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.size === 0) return Promise.resolve();
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

  private async runOne(id: string): Promise<void> {
    const { db, catalog, clock, engines } = this.opts;
    // one UPDATE is atomic by itself: no BEGIN and COMMIT around it (two round trips while the run holds its engine slot)
    const row = await claimGeneration(db, id, this.lease, clock.now());
    if (!row) return;
    const expectedFinishMs = this.expectedFinishMs(row.request, row.startedAtMs ?? clock.now());
    const withEta = (g: Generation): Generation => (expectedFinishMs !== undefined && g.status === 'running' ? { ...g, expectedFinishMs } : g);
    this.opts.onGeneration(row.accountId, withEta(generationView(row)));
    const controller = new AbortController();
    this.running.set(id, controller);
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
        .finally(() => this.engineDone(id));
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
    } finally {
      this.running.delete(id);
    }
  }

  /** Extends the leases of the runs queued and running here; a run this instance no longer holds (voided, canceled or taken over elsewhere) is stopped or dropped. */
  private async heartbeat(): Promise<void> {
    if (this.beating || this.closed) return;
    const running = [...this.running.keys()];
    const queued = this.queue.queuedIds();
    if (running.length + queued.length === 0) return;
    this.beating = true;
    try {
      const held = await renewLeases(this.opts.db, this.lease, [...running, ...queued]);
      for (const id of running) if (!held.has(id)) this.running.get(id)?.abort();
      for (const id of queued) {
        if (held.has(id)) continue;
        this.queue.remove(id);
        this.waiting.delete(id);
      }
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

  /** Voids holds past their deadline and runs whose instance stopped heartbeating, and takes over queued runs nobody holds. Called on a timer and after the test clock moves. */
  async sweep(): Promise<number> {
    const n = await this.sweepExpiredHolds();
    return n + (await this.sweepLapsedLeases());
  }

  private async sweepLapsedLeases(): Promise<number> {
    const { db, clock } = this.opts;
    let n = 0;
    for (const id of await lapsedRunIds(db, SWEEP_BATCH)) {
      const r = await db.transaction(async (tx) => ((await lockLapsedRun(tx, id)) ? voidGeneration(tx, id, 'failed', INTERRUPTED, () => clock.now()) : null));
      if (!r?.changed) continue;
      this.cancel(id); // this instance's own run, if its heartbeats failed for a whole lease: another instance would void it just the same
      n++;
      this.announce(r.accountId, r.generation);
    }
    if (this.closed) return n;
    await this.enqueueIds(await adoptQueued(db, this.lease, Math.min(SWEEP_BATCH, MAX_QUEUE - this.queue.size)));
    return n;
  }

  private async sweepExpiredHolds(): Promise<number> {
    const { db, clock } = this.opts;
    let n = 0;
    for (const id of await expiredHoldGenerationIds(db, clock.now(), SWEEP_BATCH)) {
      const r = await db.transaction((tx) => voidGeneration(tx, id, 'expired', { code: 'timed_out', message: 'the run did not finish before its deadline; refunded in full' }, () => clock.now()));
      // Void first, then stop the run: the run's own failure path then finds the hold settled and changes nothing.
      this.cancel(id);
      if (r.changed) {
        n++;
        this.announce(r.accountId, r.generation);
      }
    }
    return n;
  }

  /** Stops: queued runs are given back for another instance (or the next start) to take at once, running ones are stopped and refunded. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.budgetTimer) clearTimeout(this.budgetTimer);
    if (this.placeTimer) clearInterval(this.placeTimer);
    this.waiting.clear();
    const queued = this.queue.queuedIds();
    for (const id of queued) this.queue.remove(id);
    for (const c of this.running.values()) c.abort();
    await releaseQueued(this.opts.db, this.lease.ownerId, queued).catch((e: unknown) => this.opts.log?.(`queued runs not released: ${(e as Error).message}`));
    await this.idle();
  }
}
