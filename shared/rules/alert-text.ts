// The words of each alert, for the system notification and the app alike: a title and one sentence or two.
import type { FiredAlert } from './alerts';
import { creditsText, formatCredits, formatMoney } from './money';
import { limitName } from './spend-limits';

export interface AlertText {
  title: string;
  body: string;
}

/** "2026-12-08 00:00 UTC" */
export function utcMinute(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}

/** "Auto top-up: bought 200 credits ($1.99)" or "Auto top-up failed: your card was declined — open the Store to fix it". */
export function autoTopUpText(o: { ok: boolean; name: string; priceMinor: number; currency: string; why: string | null }): string {
  if (o.ok) return `Auto top-up: bought ${o.name} (${formatMoney({ amountMinor: o.priceMinor, currency: o.currency })})`;
  const why = (o.why ?? 'the payment did not go through').replace(/[.\s]+$/, '');
  return `Auto top-up failed: ${why} — open the Store to fix it`;
}

/** What an alert says; `modelName` names a model a spend limit covers. */
export function alertText(a: FiredAlert, modelName?: (id: string) => string | undefined): AlertText {
  switch (a.kind) {
    case 'low_balance':
      return { title: 'Low credit balance', body: `${formatCredits(a.availableMc)} credits left, below your ${formatCredits(a.thresholdMc)} credit warning level.` };
    case 'spend_limit': {
      const { limit, usedMc, percent } = a.at;
      return {
        title: 'Spend limit alert',
        body: `${percent}% of ${limitName(limit, modelName)} of ${creditsText(limit.limitMc)} is used (${creditsText(usedMc)} spent and held); it resets ${utcMinute(limit.resetsAtMs)}.`,
      };
    }
    case 'expiring': {
      const total = a.items.reduce((s, i) => s + i.remainingMc, 0);
      const shown = a.items.slice(0, 3).map((i) => `${creditsText(i.remainingMc)} on ${utcMinute(i.expiresAtMs)}`);
      const when = shown.join('; ') + (a.items.length > 3 ? `; and ${a.items.length - 3} more grants` : '');
      return { title: 'Credits expiring soon', body: `${creditsText(total)} will expire unused within ${a.days} day${a.days === 1 ? '' : 's'}: ${when}. They are spent first.` };
    }
    case 'auto_top_up':
      return { title: a.outcome.ok ? 'Auto top-up' : 'Auto top-up failed', body: autoTopUpText(a.outcome) };
  }
}
