// Starts this instance's share of the fleet's runs: it claims for an engine when something changed here (a run accepted, a slot freed), on a short poll while runs wait, and when the per-minute budget frees up.
import type { Db } from '../db/open';
import type { generations } from '../db/schema';
import type { EngineLimits } from '../engines/types';
import { CLAIM_BATCH, claimRuns, freeSlots, giveBack, slotState } from './fleet-queue';
import type { Lease } from './leases';

/** while runs wait, how often this instance looks whether a slot freed elsewhere (a run finished, an instance's lease lapsed) */
export const DEFAULT_QUEUE_POLL_MS = 1_000;
/** claims in a row for one engine before the pump lets the next kick in */
const MAX_CLAIM_ROUNDS = 8;

type GenerationRow = typeof generations.$inferSelect;

export interface PumpOptions {
  db: Db;
  lease: Lease;
  engineNames(): string[];
  limitsOf(engine: string): EngineLimits;
  rankOf(planId: string): number;
  now(): number;
  /** runs this instance may still start, all engines together (its own bound) */
  room(): number;
  /** a run claimed here: this instance runs it now */
  start(row: GenerationRow): void;
  /** the pump's view changed (a claim ended): for waiting on idleness */
  changed(): void;
  pollMs?: number | undefined;
  log(msg: string): void;
}

export class FleetPump {
  private readonly claiming = new Set<string>();
  /** engines kicked while a claim for them was under way: claimed again after it */
  private readonly again = new Set<string>();
  /** engines whose runs waited the last time this instance looked */
  private readonly waitingOn = new Set<string>();
  private readonly budgetTimers = new Map<string, NodeJS.Timeout>();
  /** per engine: the number of the last claim started and of the last one ended */
  private readonly claims = new Map<string, { started: number; done: number }>();
  private readonly doneWaiters = new Map<string, { seq: number; resolve: () => void }[]>();
  private pollTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly o: PumpOptions) {}

  start(): void {
    this.pollTimer = setInterval(() => {
      for (const engine of this.waitingOn) this.kick(engine, true);
    }, this.o.pollMs ?? DEFAULT_QUEUE_POLL_MS);
    this.pollTimer.unref();
  }

  /** True while no claim is under way and no run this instance could start was seen waiting. */
  get quiet(): boolean {
    return this.claiming.size === 0 && this.waitingOn.size === 0;
  }

  /**
   * Something changed for an engine: claim its next runs. `look` first reads whether a slot is free and runs wait (one
   * statement, no lock) before a claim's transaction: for the poll and the sweep, which mostly find nothing to do; 'note'
   * only looks. Answers
   * the number of the claim that will see what changed (for `settled`).
   */
  kick(engine: string, look: boolean | 'note' = false): number {
    const seq = this.seqOf(engine);
    if (this.closed) return seq.started;
    if (this.claiming.has(engine)) {
      this.again.add(engine);
      return seq.started + 1;
    }
    this.claiming.add(engine);
    const mine = ++seq.started;
    void this.claim(engine, look)
      .catch((e: unknown) => this.o.log(`claiming runs for ${engine} failed: ${(e as Error).message}`))
      .finally(() => {
        seq.done = mine;
        this.claiming.delete(engine);
        const waiters = this.doneWaiters.get(engine) ?? [];
        this.doneWaiters.set(engine, waiters.filter((w) => w.seq > mine));
        for (const w of waiters) if (w.seq <= mine) w.resolve();
        if (this.again.delete(engine)) this.kick(engine);
        this.o.changed();
      });
    return mine;
  }

  /** Runs waited for the engine when this instance last looked (its slots were full, or its budget spent). */
  waits(engine: string): boolean {
    return this.waitingOn.has(engine);
  }

  /** A release here found no run waiting for the engine. */
  nothingWaits(engine: string): void {
    if (this.claiming.has(engine) || !this.waitingOn.delete(engine)) return;
    this.o.changed();
  }

  /**
   * Looks at every engine (the sweep's pass): runs queued elsewhere, slots freed by an instance whose lease lapsed. An engine
   * not seen waiting before is only noted: the poll claims for it next, so a run just accepted elsewhere is left a moment to
   * the instance that accepted it (which claims at once).
   */
  kickAll(): void {
    for (const engine of this.o.engineNames()) this.kick(engine, this.waitingOn.has(engine) ? true : 'note');
  }

  /** Resolves when the claim numbered `claim` (a kick's answer) has ended: a run accepted before that kick has then been claimed, or waits. */
  settled(engine: string, claim: number): Promise<void> {
    if (this.closed || this.seqOf(engine).done >= claim) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.doneWaiters.get(engine) ?? [];
      list.push({ seq: claim, resolve });
      this.doneWaiters.set(engine, list);
    });
  }

  private seqOf(engine: string): { started: number; done: number } {
    let seq = this.claims.get(engine);
    if (!seq) this.claims.set(engine, (seq = { started: 0, done: 0 }));
    return seq;
  }

  private async claim(engine: string, how: boolean | 'note'): Promise<void> {
    let look = how !== false;
    const { db, lease } = this.o;
    const limits = this.o.limitsOf(engine);
    if (limits.concurrency <= 0) return;
    for (let round = 0; round < MAX_CLAIM_ROUNDS && !this.closed; round++) {
      const room = this.o.room();
      if (room <= 0) return this.note(engine, true, null);
      if (look) {
        const state = await slotState(db, engine, limits, lease.ownerId);
        const { free, budgetFreeInMs } = freeSlots(state, limits);
        this.note(engine, state.waiting, budgetFreeInMs);
        if (!state.waiting || free <= 0 || how === 'note') return;
      }
      const r = await claimRuns(db, { engine, limits, lease, nowMs: this.o.now(), rankOf: this.o.rankOf, max: room });
      if (this.closed) return giveBack(db, r.claimed.map((row) => row.id)); // stopping: another instance takes them
      for (const row of r.claimed) this.o.start(row);
      this.note(engine, r.waiting, r.budgetFreeInMs);
      if (r.claimed.length < CLAIM_BATCH || !r.waiting) return;
      look = false;
    }
  }

  /** Remembers whether runs wait for an engine, and wakes up when its per-minute budget frees up. */
  private note(engine: string, waiting: boolean, budgetFreeInMs: number | null): void {
    if (waiting) this.waitingOn.add(engine);
    else this.waitingOn.delete(engine);
    if (!waiting || budgetFreeInMs === null || this.budgetTimers.has(engine) || this.closed) return;
    const timer = setTimeout(() => {
      this.budgetTimers.delete(engine);
      this.kick(engine, true);
    }, Math.max(10, budgetFreeInMs + 5));
    timer.unref();
    this.budgetTimers.set(engine, timer);
  }

  close(): void {
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    for (const t of this.budgetTimers.values()) clearTimeout(t);
    this.budgetTimers.clear();
    this.waitingOn.clear();
    for (const list of this.doneWaiters.values()) for (const w of list.splice(0)) w.resolve();
  }
}
