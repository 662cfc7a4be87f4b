// The balance popover's forecast sentence (docs/credit-rules.md §13): the pace, the day the credits run out or that they last beyond the horizon, and the first credits that expire unused.
import type { ForecastView } from '../../../../shared/ipc/contract';
import { creditsText, MC_PER_CREDIT } from '../../../../shared/rules/money';
import { formatCredits, shortDate } from '../../lib/format';

/** how many expiries the sentence names */
const EXPIRIES_NAMED = 3;

/** The pace in words: whole credits from 10 a day, else to the tenth ("about 0.4 credits a day"). */
function paceText(mcPerDay: number): string {
  const step = mcPerDay >= 10_000 ? 1000 : 100;
  return `about ${creditsText(Math.round(mcPerDay / step) * step)} a day`;
}

function overText(days: number): string {
  return days === 1 ? 'over the last day' : `over the last ${days} days`;
}

/** "At your pace (about 42 credits a day over the last 14 days) your credits last until about 19 Dec; 120 pack credits expire unused on 3 Mar." */
export function forecastText(f: ForecastView): string {
  const lasts = f.runOutAtMs === null ? `last beyond ${shortDate(f.endMs)}` : `last until about ${shortDate(f.runOutAtMs)}`;
  const topUps = f.topUps > 0 ? ` with ${f.topUps} auto top-up${f.topUps === 1 ? '' : 's'}` : '';
  const head =
    f.paceMcPerDay === 0
      ? `You spent nothing ${overText(f.paceDays)}: at that pace your credits ${lasts}${topUps}`
      : `At your pace (${paceText(f.paceMcPerDay)} ${overText(f.paceDays)}) your credits ${lasts}${topUps}`;
  const expiring = f.expiringUnused.slice(0, EXPIRIES_NAMED).map((e) => `${formatCredits(e.amountMc)} ${e.kind} ${e.amountMc === MC_PER_CREDIT ? 'credit expires' : 'credits expire'} unused on ${shortDate(e.atMs)}`);
  return expiring.length ? `${head}; ${expiring.join(', ')}.` : `${head}.`;
}
