// The account's plan on the wallet page: name, period, renews or ends on, credits this period, daily credits, training allowance; change it with a confirmation that says what changes and when.
import { useEffect, useState } from 'react';
import type { Catalog } from '../../../../shared/catalog/schema';
import { findPlan } from '../../../../shared/catalog/schema';
import { changeEffectText, isUpgrade } from '../../../../shared/rules/subscriptions';
import type { BillingPeriod } from '../../../../shared/rules/schedule';
import type { Wallet } from '../../../../shared/api/index';
import { expiryDate, formatCredits } from '../../lib/format';
import { useAppStore } from '../../stores/app-store';
import { useStoreStore } from '../../stores/store-store';
import { Modal } from '../../ui/Modal';

type Change = { planId: string | null; period: BillingPeriod | null; text: string };

function trainingText(catalog: Catalog, planId: string, period: BillingPeriod | null): string {
  const t = findPlan(catalog, planId)?.trainingAllowance;
  if (!t || (!t.perWeek && !t.perYear)) return 'none';
  if (period === 'yearly' && t.perYear) return `${t.perYear} a year`;
  return t.perWeek ? `${t.perWeek} a week` : `${t.perYear} a year`;
}

export function PlanCard({ wallet }: { wallet: Wallet }) {
  const catalog = useAppStore((s) => s.catalogView?.catalog ?? null);
  const { state, init, changePlan, error, busy } = useStoreStore();
  const [confirm, setConfirm] = useState<Change | null>(null);
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => init(), [init]);
  if (!catalog) return null;
  const sub = state?.subscription ?? null;
  const planId = sub?.planId ?? wallet.planId;
  const plan = findPlan(catalog, planId);
  const live = sub?.status === 'active' || sub?.status === 'past_due';
  const periodCredits = wallet.grants.filter((g) => g.kind === 'subscription').reduce((t, g) => t + g.remainingMc, 0);
  const ask = (to: string | null, period: BillingPeriod | null) => {
    const kind = to === null ? 'cancel' : isUpgrade(catalog, planId, to) ? 'upgrade' : 'downgrade';
    const text = changeEffectText(catalog, { kind, fromPlanId: planId, toPlanId: to ?? 'free', period, periodEndMs: sub?.currentPeriodEndMs ?? null });
    setConfirm({ planId: to, period, text });
  };
  const choices = live ? catalog.plans.filter((p) => p.billing.length > 0 && !p.legacy).flatMap((p) => p.billing.map((b) => ({ plan: p, period: b.period }))).filter((c) => c.plan.id !== planId || c.period !== sub?.period) : [];
  return (
    <section className="plan-card" aria-labelledby="plan-heading">
      <h2 id="plan-heading">Your plan: {plan?.name ?? planId}</h2>
      <dl className="plan-facts">
        <dt>Billing</dt><dd>{sub?.period ?? 'none'}{sub?.status === 'past_due' ? ' — the last renewal failed' : ''}</dd>
        {live && sub?.currentPeriodEndMs && <><dt>{sub.cancelAtPeriodEnd ? 'Ends on' : 'Renews on'}</dt><dd>{expiryDate(sub.currentPeriodEndMs)}</dd></>}
        {sub?.graceUntilMs && <><dt>Kept until</dt><dd>{expiryDate(sub.graceUntilMs)}</dd></>}
        {sub?.nextPlanId && <><dt>From the next period</dt><dd>{findPlan(catalog, sub.nextPlanId)?.name ?? sub.nextPlanId} ({sub.nextPeriod})</dd></>}
        <dt>Credits this period</dt><dd>{formatCredits(periodCredits)} left</dd>
        <dt>Daily credits</dt><dd>{formatCredits(plan?.dailyFreeMc ?? 0)}</dd>
        <dt>Training allowance</dt><dd>{trainingText(catalog, planId, sub?.period ?? null)}</dd>
      </dl>
      {!live && <p><a href="#store">Choose a plan in the store</a></p>}
      {live && (
        <div className="plan-actions">
          <label>
            Change to{' '}
            <select aria-label="Change plan to" value="" onChange={(e) => { const c = choices[Number(e.target.value)]; if (c) ask(c.plan.id, c.period); }}>
              <option value="">choose…</option>
              {choices.map((c, i) => <option key={`${c.plan.id}-${c.period}`} value={i}>{c.plan.name} ({c.period})</option>)}
            </select>
          </label>
          {!sub?.cancelAtPeriodEnd && <button type="button" onClick={() => ask(null, null)}>Cancel plan</button>}
        </div>
      )}
      {confirm && (
        <Modal title="Confirm plan change" onClose={() => setConfirm(null)}>
          <p>{confirm.text}</p>
          <div className="dialog-actions">
            <button type="button" className="primary" disabled={busy} onClick={() => void changePlan(confirm.planId, confirm.period).then((t) => { setDone(t); setConfirm(null); })}>Confirm</button>
            <button type="button" onClick={() => setConfirm(null)}>Keep my plan</button>
          </div>
        </Modal>
      )}
      {done && <p role="status">{done}</p>}
      {error && <p role="alert" className="refusal">{error.message}</p>}
    </section>
  );
}
