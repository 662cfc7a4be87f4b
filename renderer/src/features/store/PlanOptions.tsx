// The plans in the store: what each includes, and a subscribe button per billing option (the current plan is managed on the wallet page).
import type { Catalog, Plan } from '../../../../shared/catalog/schema';
import { formatMoney } from '../../../../shared/rules/money';
import { formatCredits } from '../../lib/format';
import { useStoreStore } from '../../stores/store-store';

export function planIncludes(plan: Plan): string[] {
  const t = plan.trainingAllowance;
  return [
    `batches of ${plan.batchSize ?? 'any size'}`,
    `${plan.queuePriority} queue`,
    `${plan.parameterLevel} parameters`,
    plan.dailyFreeMc > 0 ? `${formatCredits(plan.dailyFreeMc)} free credits a day` : null,
    plan.monthlyBonusMc > 0 ? `${formatCredits(plan.monthlyBonusMc)} bonus credits a month` : null,
    t.perWeek || t.perYear ? `training: ${[t.perWeek ? `${t.perWeek} a week` : null, t.perYear ? `${t.perYear} a year` : null].filter(Boolean).join(', ')}` : 'no model training',
  ].filter((x): x is string => x !== null);
}

export function PlanOptions({ catalog, country, disabled }: { catalog: Catalog; country: string; disabled: boolean }) {
  const { state, subscribe } = useStoreStore();
  const current = state?.subscription?.planId ?? null;
  const hasSubscription = state?.subscription?.status === 'active' || state?.subscription?.status === 'past_due';
  const plans = catalog.plans.filter((p) => p.billing.length > 0 && (!p.legacy || p.id === current));
  return (
    <section aria-labelledby="plans-heading">
      <h2 id="plans-heading">Plans</h2>
      {hasSubscription && <p className="lede">You are on a plan: upgrade, downgrade or cancel it on the <a href="#wallet">Wallet</a> page.</p>}
      <ul className="store-list" aria-label="Plans">
        {plans.map((p) => (
          <li key={p.id} className="store-card" aria-label={p.name}>
            <strong>{p.name}{p.id === current ? ' (your plan)' : ''}</strong>
            <span className="muted">{planIncludes(p).join(' · ')}</span>
            {p.billing.map((b) => (
              <button key={b.period} type="button" disabled={disabled || hasSubscription} onClick={() => void subscribe(p.id, b.period, country)}>
                {formatCredits(b.creditsMc)} credits {b.period} — {formatMoney({ amountMinor: b.priceMinor, currency: catalog.currency })}
              </button>
            ))}
          </li>
        ))}
      </ul>
    </section>
  );
}
