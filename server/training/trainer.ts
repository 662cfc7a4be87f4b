// Runs training jobs on the local trainer with bounded concurrency under heartbeated leases; resumes interrupted allowance jobs from their checkpoint, fails and refunds interrupted credit jobs.
import type { Catalog } from '../../shared/catalog/schema';
import type { Training } from '../../shared/api/index';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import { hash32 } from '../engines/media';
import { EngineError } from '../engines/types';
import { renewLeases, type Lease } from '../generations/leases';
import { deletePrefix, type ObjectStore } from '../storage/object-store';
import { TRAINING_STEPS } from '../../shared/rules/training';
import { CHECKPOINTS, trainLocally } from './engine';
import { trainingPrefixOf } from './images';
import { adoptTrainings, claimTraining, releaseTrainings, renewTrainingLeases } from './leases';
import { endTraining, finishTraining, saveStep, trainingView, type TrainingRow } from './service';

export const DEFAULT_TRAINING_CONCURRENCY = 2;
export const MAX_TRAINING_QUEUE = 1_000;
const SWEEP_BATCH = 100;
const INTERRUPTED = { code: 'interrupted', message: 'the server training this model stopped; the credits it held were refunded in full' };

export interface TrainerOptions {
  db: Db;
  catalog: Catalog;
  clock: Clock;
  /** where jobs' images, checkpoints and models are kept: shared by every instance, so any of them resumes a job */
  store: ObjectStore;
  /** the instance's lease: the same as its generation runner's, so that it can heartbeat the runs that hold a credit job's credits */
  lease: Lease;
  heartbeatIntervalMs: number;
  sweepIntervalMs: number;
  concurrency?: number;
  /** the database is this process's alone: at start every unfinished job is this instance's to resume */
  exclusive: boolean;
  onTraining(accountId: string, training: Training): void;
  onWalletChanged(accountId: string): void;
  log(msg: string): void;
}

type StopReason = 'shutdown' | 'gone';

export class TrainingRunner {
  private readonly queue: string[] = [];
  private readonly running = new Map<string, { controller: AbortController }>();
  /** the runs holding the credits of the credit jobs queued or running here, whose leases this instance renews */
  private readonly generationOf = new Map<string, string>();
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  private busy = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: TrainerOptions) {}

  /** what this instance records on the jobs it holds */
  get lease(): Lease {
    return this.opts.lease;
  }

  start(): void {
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => void fn().catch((e: unknown) => this.opts.log(`trainer: ${(e as Error).message}`)), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.opts.heartbeatIntervalMs, () => this.heartbeat());
    every(this.opts.sweepIntervalMs, () => this.sweep(false));
    void this.sweep(this.opts.exclusive).catch((e: unknown) => this.opts.log(`training recovery failed: ${(e as Error).stack ?? String(e)}`));
  }

  queueFull(): boolean {
    return this.queue.length >= MAX_TRAINING_QUEUE;
  }

  enqueue(id: string, generationId: string | null = null): void {
    if (this.closed || this.running.has(id) || this.queue.includes(id)) return;
    if (generationId) this.generationOf.set(id, generationId);
    this.queue.push(id);
    this.pump();
  }

  /** Stops a job here (it was canceled, and its unit or credits already returned). */
  cancel(id: string): void {
    this.running.get(id)?.controller.abort('gone' satisfies StopReason);
    const i = this.queue.indexOf(id);
    if (i >= 0) this.queue.splice(i, 1);
    if (!this.running.has(id)) this.generationOf.delete(id);
  }

  idle(): Promise<void> {
    if (this.running.size === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    while (!this.closed && this.running.size < (this.opts.concurrency ?? DEFAULT_TRAINING_CONCURRENCY) && this.queue.length > 0) {
      const id = this.queue.shift()!;
      const slot = { controller: new AbortController() };
      this.running.set(id, slot);
      void this.runOne(id, slot)
        .catch((e: unknown) => this.opts.log(`training ${id} failed unexpectedly: ${(e as Error).stack ?? String(e)}`))
        .finally(() => {
          this.running.delete(id);
          this.generationOf.delete(id);
          if (this.running.size === 0 && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
          this.pump();
        });
    }
  }

  private announce(accountId: string, training: Training, wallet = false): void {
    this.opts.onTraining(accountId, training);
    if (wallet) this.opts.onWalletChanged(accountId);
  }

  private async fail(id: string, error: { code: string; message: string }): Promise<void> {
    const r = await this.opts.db.transaction((tx) => endTraining(tx, id, 'failed', error, () => this.opts.clock.now()));
    if (r?.changed) this.announce(r.accountId, r.training, true);
  }

  private async runOne(id: string, slot: { controller: AbortController }): Promise<void> {
    const { db, clock, catalog, lease } = this.opts;
    const row = await claimTraining(db, id, lease, clock.now());
    if (!row) return;
    if (row.generationId) this.generationOf.set(id, row.generationId);
    this.announce(row.accountId, trainingView(row));
    const prefix = trainingPrefixOf(row.accountId, id);
    const { signal } = slot.controller;
    try {
      const model = await trainLocally(
        {
          store: this.opts.store, prefix, images: row.images.map((i) => i.file), fromStep: row.step, durationMs: row.durationMs, signal,
          onStep: async (step, timeLeftMs) => {
            const saved = await saveStep(db, id, lease.ownerId, step, timeLeftMs);
            if (!saved) slot.controller.abort('gone' satisfies StopReason);
            else this.announce(saved.accountId, trainingView(saved));
          },
        },
        hash32(id),
      );
      const done = await db.transaction((tx) => finishTraining(tx, catalog, id, lease.ownerId, model, () => clock.now()));
      if (done) this.announce(done.accountId, done.training, row.funding === 'credits');
      await this.removeInputs(row);
    } catch (e) {
      if (signal.aborted) return; // canceled (already refunded), taken over, or shutting down (resumed at the next start)
      const message = e instanceof EngineError ? e.message : 'the trainer failed';
      if (!(e instanceof EngineError)) this.opts.log(`training ${id}: ${(e as Error).stack ?? String(e)}`);
      await this.fail(id, { code: 'training_failed', message: `${message}; ${row.funding === 'credits' ? 'the credits it held were refunded' : 'your training allowance was given back'}` });
      await this.removeInputs(row);
    }
  }

  /** Removes a finished job's images and checkpoint (the model file stays); best effort. */
  private async removeInputs(row: Pick<TrainingRow, 'accountId' | 'id'>): Promise<void> {
    const prefix = trainingPrefixOf(row.accountId, row.id);
    await deletePrefix(this.opts.store, `${prefix}/images/`).catch((e: unknown) => this.opts.log(`training ${row.id}: images not removed: ${(e as Error).message}`));
    await deletePrefix(this.opts.store, `${prefix}/${CHECKPOINTS}/`, TRAINING_STEPS + 1).catch(() => undefined);
  }

  /** Extends the leases of the jobs held here, and of the runs holding credit jobs' credits; a job lost either way stops. */
  private async heartbeat(): Promise<void> {
    if (this.closed) return;
    const ids = [...this.running.keys(), ...this.queue];
    if (ids.length === 0) return;
    const held = await renewTrainingLeases(this.opts.db, this.opts.lease, ids);
    const gens = [...this.generationOf.values()];
    const heldGens = gens.length ? await renewLeases(this.opts.db, this.opts.lease, gens) : new Set<string>();
    for (const id of ids) {
      const gen = this.generationOf.get(id);
      const lost = !held.has(id) || (gen !== undefined && !heldGens.has(gen));
      if (!lost) continue;
      this.cancel(id);
      if (held.has(id)) await this.fail(id, { code: 'hold_lost', message: 'the credits held for this training were released before it finished; refunded in full' });
    }
  }

  /**
   * Takes over jobs nobody holds (`all`: every unfinished one, at the start of an embedded server). An allowance job resumes
   * from its last checkpoint; a credit job fails and is refunded, since the run holding its credits did not survive either.
   */
  async sweep(all: boolean): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      for (const row of await adoptTrainings(this.opts.db, this.opts.lease, Math.min(SWEEP_BATCH, MAX_TRAINING_QUEUE - this.queue.length), all)) {
        if (this.running.has(row.id) || this.queue.includes(row.id)) continue;
        if (row.funding === 'credits') await this.fail(row.id, INTERRUPTED);
        else this.enqueue(row.id);
      }
    } finally {
      this.busy = false;
    }
  }

  /** Stops: running jobs stop at once and, with the queued ones, are given back to be resumed by the next instance or start. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    const ids = [...this.running.keys(), ...this.queue.splice(0)];
    for (const s of this.running.values()) s.controller.abort('shutdown' satisfies StopReason);
    await this.idle();
    await releaseTrainings(this.opts.db, this.opts.lease.ownerId, ids).catch((e: unknown) => this.opts.log(`training leases not released: ${(e as Error).message}`));
  }
}
