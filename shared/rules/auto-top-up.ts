// Auto top-up (docs/credit-rules.md §12): opt-in, a threshold, a pack and a required monthly cap; one purchase per crossing, none past the cap, paused when a payment needs the user.

/** How much auto top-up may buy in a calendar month (UTC): a number of top-ups, or an amount of money in one currency. */
export type TopUpCap = { kind: 'count'; count: number } | { kind: 'amount'; amountMinor: number; currency: string };

/** The card saved at a checkout for payments made without the user (Stripe: setup_future_usage off_session). */
export interface SavedMethod {
  brand: string | null;
  last4: string | null;
}

/** Why auto top-up stopped until the user acts: a payment that needs authentication or was declined. */
export interface TopUpPause {
  code: string;
  message: string;
  purchaseId: string;
  atMs: number;
  /** where the user fixes it: the top-up's checkout (confirm the payment, or pay with another card); null: save a new card */
  fixUrl: string | null;
}

export interface AutoTopUpSettings {
  enabled: boolean;
  packId: string;
  thresholdMc: number;
  cap: TopUpCap;
  /** the billing country the pack's price is taken in */
  country: string;
}

/** A crossing: the available credits going from at or above the threshold to below it. */
export function isCrossing(beforeMc: number, afterMc: number, thresholdMc: number): boolean {
  return beforeMc >= thresholdMc && afterMc < thresholdMc;
}

/** The calendar month (UTC) of a moment, as the cap counts it: "2026-12". */
export function capMonthOf(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 7);
}

/** The month's top-ups so far (paid or still pending; failed ones are not bought) against the cap: may one more of `priceMinor` be made? */
export function withinCap(cap: TopUpCap, month: { count: number; amountMinor: number; currency: string | null }, priceMinor: number, currency: string): boolean {
  if (cap.kind === 'count') return month.count + 1 <= cap.count;
  if (cap.currency !== currency || (month.currency !== null && month.currency !== currency)) return false;
  return month.amountMinor + priceMinor <= cap.amountMinor;
}

/** What is decided at a crossing: buy, or why not. */
export type TopUpDecision = { buy: true } | { buy: false; why: 'off' | 'paused' | 'no_card' | 'no_crossing' | 'pending' | 'cap' };

export interface TopUpState {
  settings: AutoTopUpSettings | null;
  method: SavedMethod | null;
  paused: TopUpPause | null;
  /** an auto top-up bought but not yet paid: it counts as bought for the next crossing */
  pending: boolean;
}

/** Whether a change of the available credits from `beforeMc` to `afterMc` buys a pack: on, not paused, a card, a crossing, none pending, within the cap. */
export function decideTopUp(s: TopUpState, beforeMc: number, afterMc: number, withinMonthCap: () => boolean): TopUpDecision {
  if (!s.settings?.enabled) return { buy: false, why: 'off' };
  if (s.paused) return { buy: false, why: 'paused' };
  if (!s.method) return { buy: false, why: 'no_card' };
  if (!isCrossing(beforeMc, afterMc, s.settings.thresholdMc)) return { buy: false, why: 'no_crossing' };
  if (s.pending) return { buy: false, why: 'pending' };
  if (!withinMonthCap()) return { buy: false, why: 'cap' };
  return { buy: true };
}
