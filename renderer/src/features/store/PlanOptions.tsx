// The plans in the store: what each includes, and a subscribe button per billing option, confirmed with its price, when it is charged, the credits kept and the daily credits it ends (the current plan is managed on the wallet page).
import { useState } from 'react';
import type { Catalog, Plan } from '../../../../shared/catalog/schema';
import { formatMoney } from '../../../../shared/rules/money';
import type { BillingPeriod } from '../../../../shared/rules/schedule';
import { FREE_PLAN_ID, planChangeTerms } from '../../../../shared/rules/subscriptions';
import { formatCredits } from '../../lib/format';
import { useStoreStore } from '../../stores/store-store';
import { useWalletStore } from '../../stores/wallet-store';
import { Modal } from '../../ui/Modal';

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
  const accountPlanId = useWalletStore((s) => s.view?.wallet?.planId ?? FREE_PLAN_ID);
  const [confirm, setConfirm] = useState<{ plan: Plan; period: BillingPeriod; terms: string[] } | null>(null);
  const ask = (plan: Plan, period: BillingPeriod) => setConfirm({ plan, period, terms: planChangeTerms(catalog, { kind: 'start', fromPlanId: accountPlanId, toPlanId: plan.id, period, periodEndMs: null }) });
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
              <button key={b.period} type="button" disabled={disabled || hasSubscription} onClick={() => ask(p, b.period)}>
                {formatCredits(b.creditsMc)} credits {b.period} — {formatMoney({ amountMinor: b.priceMinor, currency: catalog.currency })}
              </button>
            ))}
          </li>
        ))}
      </ul>
      {confirm && (
        <Modal title={`Subscribe to ${confirm.plan.name}`} onClose={() => setConfirm(null)}>
          {confirm.terms.map((t) => <p key={t}>{t}</p>)}
          <div className="dialog-actions">
            <button type="button" className="primary" onClick={() => { setConfirm(null); void subscribe(confirm.plan.id, confirm.period, country); }}>Continue to checkout</button>
            <button type="button" onClick={() => setConfirm(null)}>Not now</button>
          </div>
        </Modal>
      )}
    </section>
  );
}
