// The training allowance tracker's words: "1 of 1 left this week · renews Monday 00:00" (server time, UTC; "today 19:22" on the day), or why there is none.
import type { TrainingAllowance } from '../../../../shared/api/index';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const hhmm = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;

const utcDay = (ms: number) => Math.floor(ms / 86_400_000);

/**
 * When the allowance renews, in the server's time (UTC): "today 19:22" on the day itself, the weekday later this week, and the
 * date from the same weekday a week on (a "Monday" said on a Monday would be today's).
 */
export function renewsText(renewsAtMs: number, serverNowMs: number): string {
  const d = new Date(renewsAtMs);
  const days = utcDay(renewsAtMs) - utcDay(serverNowMs);
  if (days <= 0) return `today ${hhmm(d)}`;
  if (days < 7) return `${WEEKDAYS[d.getUTCDay()]} ${hhmm(d)}`;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

export type AllowanceState = 'none' | 'used_up' | 'available' | 'unknown';

export function allowanceState(t: TrainingAllowance | undefined): AllowanceState {
  if (!t) return 'unknown';
  if (!t.period || t.allowance === 0) return 'none';
  return t.left > 0 ? 'available' : 'used_up';
}

export function allowanceText(t: TrainingAllowance | undefined, serverNowMs: number): string {
  if (!t) return 'Training allowance not known yet';
  if (!t.period || t.allowance === 0) return 'Custom model training is not in your plan';
  const per = t.period === 'weekly' ? 'this week' : 'this year';
  return `${t.left} of ${t.allowance} left ${per} · renews ${renewsText(t.renewsAtMs!, serverNowMs)}`;
}
