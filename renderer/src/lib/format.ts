// Display helpers for the renderer: credits, grant kinds, countdowns and "as of" times, all from integer millicredits and epoch ms.
import { formatCredits } from '../../../shared/rules/money';
import type { GrantKind } from '../../../shared/rules/grants';

export { formatCredits };

export const GRANT_KIND_LABELS: Record<GrantKind, string> = {
  daily: 'Daily free',
  trial: 'Signup trial',
  subscription: 'Subscription',
  pack: 'Credit pack',
  bonus: 'Bonus',
  adjustment: 'Adjustment',
};

/** "11 h 58 min 02 s" until `targetMs`, from the server's now. */
export function countdown(targetMs: number, serverNowMs: number): string {
  const left = Math.max(0, targetMs - serverNowMs);
  const totalSeconds = Math.floor(left / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${s} s`;
}

/** "14:02" in the user's time zone. */
export function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** "28 Feb 2027" — or "never" for credits that do not expire. */
export function expiryDate(ms: number | null): string {
  if (ms === null) return 'never';
  return new Date(ms).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** How long ago, in words, for the age of a cached wallet. */
export function age(fromMs: number, nowMs: number): string {
  const min = Math.floor(Math.max(0, nowMs - fromMs) / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} days ago`;
}
