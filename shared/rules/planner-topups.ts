// The planner's auto top-ups: the pack the server buys when a run's hold takes the available credits below the threshold, within the month's cap.
import type { Catalog } from '../catalog/schema';
import { capMonthOf, decideTopUp, withinCap, type AutoTopUpSettings, type SavedMethod, type TopUpPause } from './auto-top-up';
import type { Grant } from './grants';
import { packExpiry } from './schedule';

/** Auto top-up as the wallet carries it: the settings, the saved card, a pause, and this calendar month's top-ups so far. */
export interface PlannedTopUp {
  settings: AutoTopUpSettings | null;
  card: SavedMethod | null;
  paused: TopUpPause | null;
  month: { count: number; amountMinor: number };
}

export class PlannedTopUps {
  /** per calendar month (UTC): top-ups bought, the wallet's count included */
  private readonly byMonth = new Map<string, { count: number; amountMinor: number }>();

  constructor(
    private readonly catalog: Catalog,
    private readonly topUp: PlannedTopUp | null | undefined,
    nowMs: number,
  ) {
    if (topUp) this.byMonth.set(capMonthOf(nowMs), { ...topUp.month });
  }

  /** whether a run can buy one: on, not paused, with a card (else the planner charges runs in bulk, as before) */
  get on(): boolean {
    return this.topUp?.settings?.enabled === true && !this.topUp.paused && this.topUp.card !== null;
  }

  /** The pack a hold that took the available credits from `beforeMc` to `afterMc` at `t` buys (granted at once), or null. */
  at(beforeMc: number, afterMc: number, t: number): Grant | null {
    const s = this.topUp?.settings;
    const pack = s ? this.catalog.packs.find((p) => p.id === s.packId) : undefined;
    if (!this.topUp || !s || !pack) return null;
    const key = capMonthOf(t);
    const month = this.byMonth.get(key) ?? { count: 0, amountMinor: 0 };
    const state = { settings: s, method: this.topUp.card, paused: this.topUp.paused, pending: false };
    const d = decideTopUp(state, beforeMc, afterMc, () => withinCap(s.cap, { ...month, currency: this.catalog.currency }, pack.priceMinor, this.catalog.currency));
    if (!d.buy) return null;
    this.byMonth.set(key, { count: month.count + 1, amountMinor: month.amountMinor + pack.priceMinor });
    return { id: `topup:${t}:${month.count}`, kind: 'pack', amountMc: pack.creditsMc, remainingMc: pack.creditsMc, effectiveAtMs: t, expiresAtMs: packExpiry(t), priority: 0, paid: true, pinnedMc: 0 };
  }
}
