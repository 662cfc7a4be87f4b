// The planner's answers in words: what can still be made before credits expire, what is short and which pack covers it. Pure.
import type { Catalog, Pack } from '../catalog/schema';
import { formatCredits, MC_PER_CREDIT } from './money';
import type { PlanResult } from './planner';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "3 March" (UTC): the server's day. */
export function dayText(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

const creditsWord = (mc: number) => `${formatCredits(mc)} credit${mc === MC_PER_CREDIT ? '' : 's'}`;

/** The smallest pack that covers `shortMc`, or null when none does. */
export function packCovering(catalog: Catalog, shortMc: number): Pack | null {
  return [...catalog.packs].sort((a, b) => a.creditsMc - b.creditsMc).find((p) => p.creditsMc >= shortMc) ?? null;
}

/**
 * The sentences the Plan page shows: for credits that expire unused (daily credits aside, they are meant to lapse), how many
 * more of the first line's runs they would pay for; what is short and the pack that covers it; or that the credits suffice.
 */
export function planSentences(result: PlanResult, catalog: Catalog): string[] {
  const out: string[] = [];
  const first = result.lines.find((l) => l.unitMaxMc > 0);
  const lapsing = new Map<number, number>();
  for (const e of result.expiries) if (e.kind !== 'daily' && e.expiredMc > 0) lapsing.set(e.atMs, (lapsing.get(e.atMs) ?? 0) + e.expiredMc);
  for (const [atMs, mc] of [...lapsing].sort((a, b) => a[0] - b[0]).slice(0, 3)) {
    const n = first ? Math.floor(mc / first.unitMaxMc) : 0;
    if (first && n > 0) out.push(`You can make ${n} more ${first.label} ${first.unit} before ${creditsWord(mc)} expire on ${dayText(atMs)}.`);
    else out.push(`${creditsWord(mc)} expire unused on ${dayText(atMs)}.`);
  }
  if (result.shortfall && result.shortfall.shortMc > 0) {
    const short = result.shortfall.shortMc;
    const pack = packCovering(catalog, short);
    const when = `from ${dayText(result.shortfall.atMs)}`;
    out.push(pack ? `Short by ${creditsWord(short)} ${when}: the ${formatCredits(pack.creditsMc)}-credit pack covers it.` : `Short by ${creditsWord(short)} ${when}: no single pack covers it.`);
  } else if (result.totals.runsPlanned > 0 && result.totals.runsFunded === result.totals.runsPlanned) {
    const last = result.days[result.days.length - 1];
    out.push(`Your credits cover the whole plan${last ? `, with ${creditsWord(last.availableMc)} left on ${dayText(last.atMs)}` : ''}.`);
  }
  const limited = result.lines.filter((l) => l.unfunded && l.unfunded.reason !== 'insufficient_credits');
  for (const l of limited.slice(0, 3)) out.push(l.unfunded!.reason === 'spend_limit_reached' ? `${l.unfunded!.runs} ${l.label} ${l.unit} do not fit your spend limits.` : `${l.unfunded!.runs} ${l.label} ${l.unit} do not fit your plan's limits (${l.unfunded!.reason.replaceAll('_', ' ')}).`);
  return out;
}
