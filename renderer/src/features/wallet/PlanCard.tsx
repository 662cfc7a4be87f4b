// The account's plan on the wallet page: name, period, renews or ends on, credits this period, daily credits, training allowance; change, cancel or resume it with a confirmation that says the price, when it is charged, what happens to the credits and to the daily credits.
import { useEffect, useState } from 'react';
import type { Catalog } from '../../../../shared/catalog/schema';
import { findPlan } from '../../../../shared/catalog/lookup';
import { FREE_PLAN_ID, isUpgrade, planChangeTerms, type PlanChange } from '../../../../shared/rules/subscriptions';
import type { BillingPeriod } from '../../../../shared/rules/schedule';
import type { SubscriptionView, Wallet, WalletSubscription } from '../../../../shared/api/index';
import { expiryDate, formatCredits } from '../../lib/format';
import { useAppStore } from '../../stores/app-store';
import { useStoreStore } from '../../stores/store-store';
import { Modal } from '../../ui/Modal';

type Confirm = { kind: PlanChange['kind']; planId: string | null; period: BillingPeriod | null; terms: string[] };
type Sub = WalletSubscription | SubscriptionView;

function trainingText(catalog: Catalog, planId: string, period: BillingPeriod | null): string {
  const t = findPlan(catalog, planId)?.trainingAllowance;
  if (!t || (!t.perWeek && !t.perYear)) return 'none';
  if (period === 'yearly' && t.perYear) return `${t.perYear} a year`;
  return t.perWeek ? `${t.perWeek} a week` : `${t.perYear} a year`;
}

/** The plans one can change to: every plan sold now and its periods; the current one too while a cancel or a downgrade can be taken back. */
function choicesFor(catalog: Catalog, planId: string, sub: Sub) {
  const pending = sub.cancelAtPeriodEnd || sub.nextPlanId !== null || sub.nextPeriod !== null;
  return catalog.plans
    .filter((p) => p.billing.length > 0 && !p.legacy)
    .flatMap((p) => p.billing.map((b) => ({ plan: p, period: b.period, current: p.id === planId && b.period === sub.period })))
    .filter((c) => !c.current || pending);
}

function PlanFacts({ catalog, planId, sub, periodCredits }: { catalog: Catalog; planId: string; sub: Sub | null; periodCredits: number }) {
  const live = sub !== null && (sub.status === 'active' || sub.status === 'past_due');
  return (
    <dl className="plan-facts">
      <dt>Billing</dt><dd>{sub?.period ?? 'none'}{sub?.status === 'past_due' ? ' — the last renewal failed' : ''}</dd>
      {live && sub.currentPeriodEndMs && <><dt>{sub.cancelAtPeriodEnd ? 'Ends on' : 'Renews on'}</dt><dd>{expiryDate(sub.currentPeriodEndMs)}</dd></>}
      {sub?.graceUntilMs && <><dt>Kept until</dt><dd>{expiryDate(sub.graceUntilMs)}</dd></>}
      {sub?.nextPlanId && <><dt>From the next period</dt><dd>{findPlan(catalog, sub.nextPlanId)?.name ?? sub.nextPlanId} ({sub.nextPeriod})</dd></>}
      <dt>Credits this period</dt><dd>{formatCredits(periodCredits)} left</dd>
      <dt>Daily credits</dt><dd>{formatCredits(findPlan(catalog, planId)?.dailyFreeMc ?? 0)}</dd>
      <dt>Training allowance</dt><dd>{trainingText(catalog, planId, sub?.period ?? null)}</dd>
    </dl>
  );
}

/** The confirmation: every term of the change, one sentence each; Confirm carries it out. */
function ConfirmDialog({ confirm, busy, onConfirm, onClose }: { confirm: Confirm; busy: boolean; onConfirm(): void; onClose(): void }) {
  return (
    <Modal title={confirm.kind === 'resume' ? 'Resume your plan' : 'Confirm plan change'} onClose={onClose}>
      {confirm.terms.map((t) => <p key={t}>{t}</p>)}
      <div className="dialog-actions">
        <button type="button" className="primary" disabled={busy} onClick={onConfirm}>Confirm</button>
        <button type="button" onClick={onClose}>{confirm.kind === 'resume' ? 'Keep it cancelled' : 'Keep my plan'}</button>
      </div>
    </Modal>
  );
}

export function PlanCard({ wallet }: { wallet: Wallet }) {
  const catalog = useAppStore((s) => s.catalogView?.catalog ?? null);
  const { state, init, changePlan, resumePlan, error, busy } = useStoreStore();
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => init(), [init]);
  if (!catalog) return null;
  // the wallet's subscription follows the server live (the stream); the store's answer stands in for a server before it
  const stored = state?.subscription ?? null;
  const sub: Sub | null = wallet.subscription !== undefined ? wallet.subscription : stored && (stored.status === 'active' || stored.status === 'past_due') ? stored : null;
  const planId = sub?.planId ?? wallet.planId;
  const plan = findPlan(catalog, planId);
  const periodCredits = wallet.grants.filter((g) => g.kind === 'subscription').reduce((t, g) => t + g.remainingMc, 0);
  const ask = (kind: PlanChange['kind'], to: string | null, period: BillingPeriod | null) => {
    const terms = planChangeTerms(catalog, { kind, fromPlanId: planId, toPlanId: to ?? FREE_PLAN_ID, period, periodEndMs: sub?.currentPeriodEndMs ?? null, creditsLeftMc: periodCredits });
    setConfirm({ kind, planId: to, period, terms });
  };
  const choose = (c: { plan: { id: string }; period: BillingPeriod; current: boolean }) => ask(c.current ? 'resume' : isUpgrade(catalog, planId, c.plan.id) ? 'upgrade' : 'downgrade', c.plan.id, c.period);
  const choices = sub ? choicesFor(catalog, planId, sub) : [];
  const cancelled = sub?.status === 'active' && sub.cancelAtPeriodEnd;
  const run = (c: Confirm) => (c.kind === 'resume' && c.planId === planId && cancelled && c.period === sub.period ? resumePlan() : changePlan(c.planId, c.period));
  return (
    <section className="plan-card" aria-labelledby="plan-heading">
      <h2 id="plan-heading">Your plan: {plan?.name ?? planId}</h2>
      <PlanFacts catalog={catalog} planId={planId} sub={sub} periodCredits={periodCredits} />
      {cancelled && <p className="plan-cancelled">Cancelled: {plan?.name ?? planId} ends on {expiryDate(sub.currentPeriodEndMs)}, then Free. You can resume it until then.</p>}
      {!sub && <p><a href="#store">Choose a plan in the store</a></p>}
      {sub && (
        <div className="plan-actions">
          <label>
            Change to{' '}
            <select aria-label="Change plan to" value="" onChange={(e) => { const c = choices[Number(e.target.value)]; if (c) choose(c); }}>
              <option value="">choose…</option>
              {choices.map((c, i) => <option key={`${c.plan.id}-${c.period}`} value={i}>{c.plan.name} ({c.period}){c.current ? ' — keep it' : ''}</option>)}
            </select>
          </label>
          {cancelled ? <button type="button" onClick={() => ask('resume', planId, sub.period)}>Resume plan</button> : <button type="button" onClick={() => ask('cancel', null, null)}>Cancel plan</button>}
        </div>
      )}
      {confirm && <ConfirmDialog confirm={confirm} busy={busy} onClose={() => setConfirm(null)} onConfirm={() => void run(confirm).then((t) => { setDone(t); setConfirm(null); })} />}
      {done && <p role="status">{done}</p>}
      {error && <p role="alert" className="refusal">{error.message}</p>}
    </section>
  );
}
