// UTC calendar helpers: daily resets, subscription periods, pack expiry and clock offset. Pure; all times are epoch ms.

export const MS_PER_SECOND = 1000;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

function assertTime(ms: number, what = 'time'): void {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`${what} must be an integer epoch in ms, got ${String(ms)}`);
}

/** 00:00 UTC of the day containing `ms`. */
export function startOfUtcDay(ms: number): number {
  assertTime(ms);
  return Math.floor(ms / MS_PER_DAY) * MS_PER_DAY;
}

/** The next 00:00 UTC strictly after `ms` (the next daily reset). */
export function nextUtcMidnight(ms: number): number {
  return startOfUtcDay(ms) + MS_PER_DAY;
}

/** "2026-11-22" for the UTC day containing `ms`; used as the key of the day's free grant. */
export function utcDayKey(ms: number): string {
  return new Date(startOfUtcDay(ms)).toISOString().slice(0, 10);
}

function daysInUtcMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/**
 * Adds calendar months in UTC keeping the time of day, clamping to the last day of the target month:
 * 31 Aug + 6 months = 28 Feb (29 in a leap year).
 */
export function addUtcMonthsClamped(ms: number, months: number): number {
  assertTime(ms);
  if (!Number.isSafeInteger(months)) throw new RangeError('months must be an integer');
  const d = new Date(ms);
  const totalMonths = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12;
  const day = Math.min(d.getUTCDate(), daysInUtcMonth(year, month));
  const timeOfDay = ms - startOfUtcDay(ms);
  return Date.UTC(year, month, day) + timeOfDay;
}

/** Packs expire six calendar months after purchase (docs/credit-rules.md §2). */
export const PACK_VALIDITY_MONTHS = 6;
export function packExpiry(purchasedAtMs: number): number {
  return addUtcMonthsClamped(purchasedAtMs, PACK_VALIDITY_MONTHS);
}

/** How often a plan is billed: the one list (the API, the catalog, the IPC contract and the database's checks use it). */
export const BILLING_PERIODS = ['weekly', 'monthly', 'yearly'] as const;
export type BillingPeriod = (typeof BILLING_PERIODS)[number];

/** The end of one billing period that starts at `startMs`. */
export function periodEnd(startMs: number, period: BillingPeriod): number {
  assertTime(startMs);
  switch (period) {
    case 'weekly':
      return startMs + 7 * MS_PER_DAY;
    case 'monthly':
      return addUtcMonthsClamped(startMs, 1);
    case 'yearly':
      return addUtcMonthsClamped(startMs, 12);
  }
}

/**
 * The billing period containing `nowMs` for a subscription anchored at `anchorMs`.
 * Periods are computed from the anchor each time (not chained), so a 31 Jan anchor gives 28 Feb, then 31 Mar.
 */
export function periodContaining(anchorMs: number, period: BillingPeriod, nowMs: number): { startMs: number; endMs: number; index: number } {
  assertTime(anchorMs, 'anchor');
  assertTime(nowMs, 'now');
  if (nowMs < anchorMs) throw new RangeError('now is before the subscription started');
  if (period === 'weekly') {
    const index = Math.floor((nowMs - anchorMs) / (7 * MS_PER_DAY));
    const startMs = anchorMs + index * 7 * MS_PER_DAY;
    return { startMs, endMs: startMs + 7 * MS_PER_DAY, index };
  }
  const step = period === 'monthly' ? 1 : 12;
  const a = new Date(anchorMs);
  const n = new Date(nowMs);
  let index = Math.floor(((n.getUTCFullYear() - a.getUTCFullYear()) * 12 + (n.getUTCMonth() - a.getUTCMonth())) / step);
  if (index < 0) index = 0;
  // The estimate can be one too high (day or time of month not reached yet); step back until it fits.
  while (index > 0 && addUtcMonthsClamped(anchorMs, index * step) > nowMs) index--;
  while (addUtcMonthsClamped(anchorMs, (index + 1) * step) <= nowMs) index++;
  return {
    startMs: addUtcMonthsClamped(anchorMs, index * step),
    endMs: addUtcMonthsClamped(anchorMs, (index + 1) * step),
    index,
  };
}

/** Start of the ISO week (Monday 00:00 UTC) containing `ms`; weekly allowances that are not anchored use it. */
export function startOfUtcWeek(ms: number): number {
  const day = startOfUtcDay(ms);
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
  return day - weekday * MS_PER_DAY;
}

/** Start of the UTC calendar year containing `ms`. */
export function startOfUtcYear(ms: number): number {
  assertTime(ms);
  return Date.UTC(new Date(ms).getUTCFullYear(), 0, 1);
}

/**
 * Clock offset from one request/response round trip (NTP-style midpoint):
 * server time minus the local time halfway through the round trip. serverNow = localNow + offsetMs.
 */
export function clockOffsetMs(localSentMs: number, serverTimeMs: number, localReceivedMs: number): number {
  assertTime(localSentMs, 'sent');
  assertTime(serverTimeMs, 'server time');
  assertTime(localReceivedMs, 'received');
  if (localReceivedMs < localSentMs) throw new RangeError('response received before request was sent');
  return serverTimeMs - Math.round((localSentMs + localReceivedMs) / 2);
}
