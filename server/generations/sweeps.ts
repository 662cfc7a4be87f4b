// The sweeps any instance runs on a timer: void the holds past their deadline, and the runs whose instance stopped heartbeating (refunded in full).
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import { lapsedRunIds, lockLapsedRun } from './leases';
import { expiredHoldGenerationIds, voidGeneration } from './service';

/** runs voided by one sweep; the next sweep takes the rest */
export const SWEEP_BATCH = 100;
export const INTERRUPTED = { code: 'interrupted', message: 'the server running this run stopped; it was refunded in full' };

export type Voided = Awaited<ReturnType<typeof voidGeneration>>;

/** What the runner does with a swept run: stop it if it runs here, and tell its owner of a change. */
export interface SweepHooks {
  stop(id: string): void;
  announce(voided: Voided): void;
}

/** Voids the holds past their deadline; each run is stopped after its void (its own failure path then changes nothing). Answers how many changed. */
export async function voidExpiredHolds(db: Db, clock: Clock, hooks: SweepHooks): Promise<number> {
  let n = 0;
  for (const id of await expiredHoldGenerationIds(db, clock.now(), SWEEP_BATCH)) {
    const r = await db.transaction((tx) => voidGeneration(tx, id, 'expired', { code: 'timed_out', message: 'the run did not finish before its deadline; refunded in full' }, () => clock.now()));
    hooks.stop(id);
    if (r.changed) {
      n++;
      hooks.announce(r);
    }
  }
  return n;
}

/** Voids the running runs whose lease lapsed (their instance stopped heartbeating). Answers how many changed. */
export async function voidLapsedRuns(db: Db, clock: Clock, hooks: SweepHooks): Promise<number> {
  let n = 0;
  for (const id of await lapsedRunIds(db, SWEEP_BATCH)) {
    const r = await db.transaction(async (tx) => ((await lockLapsedRun(tx, id)) ? voidGeneration(tx, id, 'failed', INTERRUPTED, () => clock.now()) : null));
    if (!r?.changed) continue;
    hooks.stop(id); // this instance's own run, if its heartbeats failed for a whole lease: another instance would void it just the same
    n++;
    hooks.announce(r);
  }
  return n;
}
