// Runs accepted generations on their engines with bounded concurrency, publishes progress, settles or voids them, and sweeps expired holds.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Catalog } from '../../shared/catalog/schema';
import type { Generation } from '../../shared/api/index';
import { expandRequest, runRequestSchema } from '../../shared/rules/pricing';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import type { EngineRouter } from '../engines/router';
import { EngineError } from '../engines/types';
import { claimGeneration, expiredHoldGenerationIds, generationsInStatus, setProgress, settleGeneration, voidGeneration, generationView } from './service';
import { hash32 } from '../engines/media';

export const DEFAULT_CONCURRENCY = 2;
export const MAX_QUEUE = 1_000;
export const SWEEP_INTERVAL_MS = 5_000;
const PROGRESS_MIN_STEP = 5;

export interface RunnerOptions {
  db: Db;
  catalog: Catalog;
  clock: Clock;
  engines: EngineRouter;
  outputsDir: string;
  concurrency?: number;
  sweepIntervalMs?: number;
  /** called after every change to a generation, and to the wallet of its account */
  onGeneration(accountId: string, generation: Generation): void;
  onWalletChanged(accountId: string): void;
  log?: (msg: string) => void;
}

export function outputDirOf(outputsDir: string, accountId: string, generationId: string): string {
  return path.join(outputsDir, accountId, generationId);
}

export class GenerationRunner {
  private readonly queue: string[] = [];
  private readonly running = new Map<string, AbortController>();
  private active = 0;
  private sweepTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: RunnerOptions) {}

  start(): void {
    this.sweepTimer = setInterval(() => void this.sweep(), this.opts.sweepIntervalMs ?? SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
    void this.recover();
  }

  /** After a restart: runs that were running are refunded (their engine is gone), queued ones are run. */
  private async recover(): Promise<void> {
    const { db, clock } = this.opts;
    for (const g of await generationsInStatus(db, ['running'])) {
      const r = await db.transaction((tx) => voidGeneration(tx, g.id, 'failed', { code: 'interrupted', message: 'the server restarted during this run; it was refunded in full' }, clock.now()));
      if (r.changed) this.announce(r.accountId, r.generation);
    }
    for (const g of await generationsInStatus(db, ['queued'])) this.enqueue(g.id);
  }

  queueFull(): boolean {
    return this.queue.length >= MAX_QUEUE;
  }

  enqueue(id: string): void {
    if (this.closed) return;
    this.queue.push(id);
    this.pump();
  }

  cancel(id: string): boolean {
    const c = this.running.get(id);
    if (c) c.abort();
    const i = this.queue.indexOf(id);
    if (i >= 0) this.queue.splice(i, 1);
    return !!c || i >= 0;
  }

  private pump(): void {
    while (!this.closed && this.active < (this.opts.concurrency ?? DEFAULT_CONCURRENCY) && this.queue.length > 0) {
      const id = this.queue.shift()!;
      this.active++;
      void this.runOne(id)
        .catch((e: unknown) => this.opts.log?.(`generation ${id} failed unexpectedly: ${(e as Error).stack ?? String(e)}`))
        .finally(() => {
          this.active--;
          if (this.active === 0 && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
          this.pump();
        });
    }
  }

  /** Resolves when nothing is queued or running (for tests and shutdown). */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private announce(accountId: string, generation: Generation): void {
    this.opts.onGeneration(accountId, generation);
    this.opts.onWalletChanged(accountId);
  }

  private async runOne(id: string): Promise<void> {
    const { db, catalog, clock, engines } = this.opts;
    const row = await db.transaction((tx) => claimGeneration(tx, id, clock.now()));
    if (!row) return;
    this.opts.onGeneration(row.accountId, generationView(row));
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
      const result = await engine.run({
        generationId: id,
        runs,
        seed: hash32(id),
        outputDir: dir,
        signal: controller.signal,
        onProgress: (pct) => {
          if (pct - lastPct < PROGRESS_MIN_STEP || pct >= 100) return;
          lastPct = pct;
          void db.transaction((tx) => setProgress(tx, id, pct)).then((r) => r && this.opts.onGeneration(r.accountId, generationView(r)));
        },
      });
      if (result.outputs.length === 0) throw new EngineError('engine_failed', 'the engine delivered nothing');
      const settled = await db.transaction((tx) => settleGeneration(tx, catalog, id, { usage: result.usage, outputs: result.outputs, undelivered: result.undelivered, partialReason: result.partialReason }, clock.now()));
      this.announce(settled.accountId, settled.generation);
    } catch (e) {
      const err = e instanceof EngineError ? e : new EngineError('engine_failed', 'the run failed');
      if (!(e instanceof EngineError)) this.opts.log?.(`generation ${id}: ${(e as Error).stack ?? String(e)}`);
      const status = err.code === 'canceled' ? 'canceled' : 'failed';
      const voided = await db.transaction((tx) => voidGeneration(tx, id, status, { code: err.code, message: `${err.message}; refunded in full` }, clock.now()));
      if (voided.changed) this.announce(voided.accountId, voided.generation);
      await rm(dir, { recursive: true, force: true });
    } finally {
      this.running.delete(id);
    }
  }

  /** Voids every hold past its deadline (and stops its run). Called on a timer and after the test clock moves. */
  async sweep(): Promise<number> {
    const { db, clock } = this.opts;
    let n = 0;
    for (const id of await expiredHoldGenerationIds(db, clock.now())) {
      const r = await db.transaction((tx) => voidGeneration(tx, id, 'expired', { code: 'timed_out', message: 'the run did not finish before its deadline; refunded in full' }, clock.now()));
      // Void first, then stop the run: the run's own failure path then finds the hold settled and changes nothing.
      this.cancel(id);
      if (r.changed) {
        n++;
        this.announce(r.accountId, r.generation);
      }
    }
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.queue.length = 0;
    for (const c of this.running.values()) c.abort();
    await this.idle();
  }
}
