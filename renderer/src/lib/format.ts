// Display helpers for the renderer: credits, grant kinds, countdowns and "as of" times, all from integer millicredits and epoch ms.
import { formatCredits } from '../../../shared/rules/money';
import type { Usage } from '../../../shared/rules/pricing';

export { formatCredits };

export { GRANT_KIND_LABELS } from '../../../shared/api/labels';

/** "11 h 58 min", "4 min 02 s", past 48 h "6 days 23 h": the time until `targetMs`, from the server's now. */
export function countdown(targetMs: number, serverNowMs: number): string {
  const left = Math.max(0, targetMs - serverNowMs);
  const totalSeconds = Math.floor(left / 1000);
  const h = Math.floor(totalSeconds / 3600);
  if (totalSeconds > 48 * 3600) return `${Math.floor(h / 24)} days${h % 24 ? ` ${h % 24} h` : ''}`;
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

const EXPIRY_DATE = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });

const SHORT_DATE = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/** "19 Dec": a day within the next months, without the year (the forecast's dates). */
export function shortDate(ms: number): string {
  return SHORT_DATE.format(new Date(ms));
}

/** "28 Feb 2027" — or "never" for credits that do not expire. */
export function expiryDate(ms: number | null): string {
  if (ms === null) return 'never';
  return EXPIRY_DATE.format(new Date(ms));
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

/** A run's usage as the API reports it (tokens in and out, items delivered, ms of video, training images, per block). */
export type UsageLike = Usage;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** "400 input audio tokens", "1 web search": a count of one of the other units a provider bills, in words. */
export function unitCountText(unit: string, n: number): string {
  const words = unit.replaceAll('_', ' ');
  return `${n.toLocaleString('en-US')} ${n === 1 ? words.replace(/ches$/, 'ch').replace(/s$/, '') : words}`;
}

/** "412 tokens in · 180 out · 120 cached", "2 images", "8.0 s of video": what a run used, in words; null when nothing was reported. */
export function usageText(usage: UsageLike | null | undefined, deliveredNoun = 'item'): string | null {
  if (!usage) return null;
  if (usage.blocks?.length) {
    const parts = usage.blocks.map((b) => usageText(b, deliveredNoun)).filter((t): t is string => t !== null);
    return parts.length ? parts.join('; ') : null;
  }
  const parts: string[] = [];
  if (usage.inputTokens !== undefined) parts.push(`${plural(usage.inputTokens, 'token')} in`);
  if (usage.outputTokens !== undefined) parts.push(`${usage.outputTokens.toLocaleString('en-US')} out`);
  if (usage.cacheReadTokens) parts.push(`${usage.cacheReadTokens.toLocaleString('en-US')} cached`);
  if (usage.cacheWriteTokens) parts.push(`${usage.cacheWriteTokens.toLocaleString('en-US')} written to cache`);
  for (const [unit, n] of Object.entries(usage.units ?? {})) if (n) parts.push(unitCountText(unit, n));
  if (usage.delivered !== undefined) parts.push(plural(usage.delivered, deliveredNoun));
  if (usage.deliveredMs !== undefined) parts.push(`${(usage.deliveredMs / 1000).toFixed(1)} s of video`);
  if (usage.trainingImages !== undefined) parts.push(plural(usage.trainingImages, 'training image'));
  return parts.length ? parts.join(' · ') : null;
}
