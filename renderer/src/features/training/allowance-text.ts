// The training allowance tracker's words: "1 of 1 left this week · renews Monday 00:00" (server time, UTC), or why there is none.
import type { TrainingAllowance } from '../../../../shared/api/index';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const hhmm = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;

/** When the allowance renews, in the server's time (UTC): a weekday within a week, a date beyond. */
export function renewsText(renewsAtMs: number, serverNowMs: number): string {
  const d = new Date(renewsAtMs);
  if (renewsAtMs - serverNowMs <= 7 * 86_400_000) return `${WEEKDAYS[d.getUTCDay()]} ${hhmm(d)}`;
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
