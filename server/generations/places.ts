// Places in the fleet's queue, read from the database: how many of the fleet's waiting runs on the same engine start before a run, when it should start, and telling the owners streaming here as their places change.
import type { Generation } from '../../shared/api/index';
import { fairOrder } from '../../shared/rules/queue';
import type { Db } from '../db/open';
import type { EngineLimits } from '../engines/types';
import { CANDIDATE_WINDOW, MINUTE_MS, waitingRuns } from './fleet-queue';
import { queueRowsOf } from './service';

export type QueuePlace = NonNullable<Generation['queue']>;

/** a run time never measured yet is assumed to take this long */
const DEFAULT_RUN_MS = 5_000;
/** weight of the newest run time in an engine's moving average */
const EWMA_WEIGHT = 0.2;
/** places told per tick at most; the next tick tells the rest */
export const PLACES_PER_TICK = 500;

export interface PlaceOptions {
  db: Db;
  limitsOf(engine: string): EngineLimits;
  rankOf(planId: string): number;
  now(): number;
  /** the engines whose waiting runs are placed */
  engineNames(): string[];
  /** whether an account has a stream open on this instance (only those are told their places here) */
  watching(accountId: string): boolean;
  anyWatching(): boolean;
  /** tells an owner streaming here its run's place */
  tell(accountId: string, generation: Generation): void;
}

/** Every waiting run's place among the oldest waiting ones of an engine (beyond them, a run's place is at least their count). */
export class FleetPlaces {
  private readonly avgRunMs = new Map<string, number>();
  /** the place last told of each run, so that an owner is told only when it changes */
  private readonly told = new Map<string, number>();
  private ticking = false;

  constructor(private readonly o: PlaceOptions) {}

  /** A run's engine work took `ms`: it feeds the engine's average run time (for expected starts). */
  ran(engine: string, ms: number): void {
    const avg = this.avgRunMs.get(engine) ?? DEFAULT_RUN_MS;
    this.avgRunMs.set(engine, Math.round(avg * (1 - EWMA_WEIGHT) + Math.max(0, ms) * EWMA_WEIGHT));
  }

  averageRunMs(engine: string): number {
    return this.avgRunMs.get(engine) ?? DEFAULT_RUN_MS;
  }

  /** The places of an engine's waiting runs, in the fair order, by id, with each run's account. */
  async ofEngine(engine: string): Promise<{ places: Map<string, { accountId: string; place: QueuePlace }>; seen: number }> {
    const nowMs = this.o.now();
    const { runs, turns } = await waitingRuns(this.o.db, engine, CANDIDATE_WINDOW, this.o.rankOf);
    const places = new Map<string, { accountId: string; place: QueuePlace }>();
    fairOrder(runs, (a) => turns.get(a), nowMs).forEach((r, ahead) => places.set(r.id, { accountId: r.accountId, place: this.placeAt(engine, ahead, nowMs) }));
    return { places, seen: runs.length };
  }

  /** A waiting run's place (null when it is not waiting). */
  async of(g: Generation): Promise<QueuePlace | null> {
    if (g.status !== 'queued') return null;
    const { places, seen } = await this.ofEngine(g.engine);
    const found = places.get(g.id)?.place;
    if (found) return found;
    // gone from the queue since it was read (it started, or was canceled), or beyond the oldest runs read
    return seen >= CANDIDATE_WINDOW ? this.placeAt(g.engine, seen, this.o.now()) : null;
  }

  /** Tells the owners streaming here whose runs' places changed where they stand now (a bounded number per tick). */
  async tick(): Promise<void> {
    if (this.ticking || !this.o.anyWatching()) return;
    this.ticking = true;
    try {
      const changed = new Map<string, QueuePlace>();
      const current = new Set<string>();
      for (const engine of this.o.engineNames()) {
        for (const [id, { accountId, place }] of (await this.ofEngine(engine)).places) {
          current.add(id);
          if (!this.o.watching(accountId) || this.told.get(id) === place.ahead || changed.size >= PLACES_PER_TICK) continue;
          changed.set(id, place);
        }
      }
      for (const id of this.told.keys()) if (!current.has(id)) this.told.delete(id);
      for (const r of await queueRowsOf(this.o.db, [...changed.keys()])) {
        if (r.generation.status !== 'queued') continue;
        const place = changed.get(r.generation.id)!;
        this.told.set(r.generation.id, place.ahead);
        this.o.tell(r.accountId, { ...r.generation, queue: place });
      }
    } finally {
      this.ticking = false;
    }
  }

  private placeAt(engine: string, ahead: number, nowMs: number): QueuePlace {
    const limits = this.o.limitsOf(engine);
    // a run waits only while the engine is full: the slot it takes is one freed after the runs ahead of it got theirs
    const waves = Math.floor(ahead / Math.max(1, limits.concurrency)) + 1;
    let expectedStartMs = nowMs + waves * this.averageRunMs(engine);
    if (limits.perMinute !== null) expectedStartMs = Math.max(expectedStartMs, nowMs + Math.floor(ahead / limits.perMinute) * (limits.windowMs ?? MINUTE_MS));
    return { ahead, expectedStartMs };
  }
}
