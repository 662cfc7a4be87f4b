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

  /** What limit `i` still lets through in its window at `t`: its amount less what the window counted. */
  private left(i: number, t: number): number {
    const l = this.limits[i]!;
    return Math.max(0, l.limitMc - (this.spent.get(this.key(i, spendWindowOf(l.window, t).startMs)) ?? 0));
  }

  /** How many of `wanted` runs of `unitMc` each every limit covering them still lets through on the day at `t`. */
  fits(request: RunRequest, unitMc: number, wanted: number, t: number): number {
    if (unitMc <= 0) return wanted;
    return this.covering(request).reduce((n, i) => Math.min(n, Math.floor(this.left(i, t) / unitMc)), wanted);
  }

  /** Counts planned runs' credits in the window of every limit that covers them. */
  add(request: RunRequest, amountMc: number, t: number): void {
    this.count(this.covering(request), amountMc, t);
  }

  /** What the limits covering everything still let through at `t` (spend not split by model: the forecast's pace). */
  leftForEverything(t: number): number {
    return this.everything().reduce((most, i) => Math.min(most, this.left(i, t)), Number.MAX_SAFE_INTEGER);
  }

  /** Counts spend not split by model in the windows of the limits covering everything. */
  addToEverything(amountMc: number, t: number): void {
    this.count(this.everything(), amountMc, t);
  }

  private everything(): number[] {
    return this.limits.flatMap((l, i) => (l.scope.kind === 'all' ? [i] : []));
  }

  private count(limits: readonly number[], amountMc: number, t: number): void {
    if (amountMc <= 0) return;
    for (const i of limits) {
      const k = this.key(i, spendWindowOf(this.limits[i]!.window, t).startMs);
      this.spent.set(k, (this.spent.get(k) ?? 0) + amountMc);
    }
  }
}
