// The planner's spend limits: what each limit's window has spent (the synced wallet's count, then the planned runs'), and how many runs still fit.
import type { Catalog } from '../catalog/schema';
import type { RunRequest } from './pricing';
import { limitApplies, runScopeOf, spendWindowOf, stateAt, type SpendLimitState } from './spend-limits';

export class PlannedSpend {
  /** per limit and window start: credits counted in that window */
  private readonly spent = new Map<string, number>();

  constructor(
    private readonly catalog: Catalog,
    private readonly limits: readonly SpendLimitState[],
    nowMs: number,
  ) {
    limits.forEach((l, i) => {
      const s = stateAt(l, nowMs);
      this.spent.set(this.key(i, s.windowStartMs), s.spentMc + s.heldMc);
    });
  }

  private key(i: number, windowStartMs: number): string {
    return `${i}:${windowStartMs}`;
  }

  private covering(request: RunRequest): number[] {
    const scope = runScopeOf(this.catalog, request.modelId, request.workflowId);
    return this.limits.flatMap((l, i) => (limitApplies(l.scope, scope) ? [i] : []));
  }

  /** How many of `wanted` runs of `unitMc` each every limit covering them still lets through on the day at `t`. */
  fits(request: RunRequest, unitMc: number, wanted: number, t: number): number {
    if (unitMc <= 0) return wanted;
    let n = wanted;
    for (const i of this.covering(request)) {
      const l = this.limits[i]!;
      const used = this.spent.get(this.key(i, spendWindowOf(l.window, t).startMs)) ?? 0;
      n = Math.min(n, Math.max(0, Math.floor((l.limitMc - used) / unitMc)));
    }
    return n;
  }

  /** Counts planned runs' credits in the window of every limit that covers them. */
  add(request: RunRequest, amountMc: number, t: number): void {
    for (const i of this.covering(request)) {
      const k = this.key(i, spendWindowOf(this.limits[i]!.window, t).startMs);
      this.spent.set(k, (this.spent.get(k) ?? 0) + amountMc);
    }
  }
}
