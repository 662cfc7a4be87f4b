// The plan's figures: where they come from (live, or the cache as of when; a stale catalog), the sentences, totals, each line's funding, expiries and the burn-down.
import type { PlanView } from '../../../../shared/ipc/contract';
import { formatCredits, GRANT_KIND_LABELS } from '../../lib/format';
import { BurnDown } from './BurnDown';

/** Funding summed by grant kind, in the order the kinds were first drawn (each grant is in the title). */
function byKind(funding: NonNullable<PlanView['result']>['lines'][number]['funding']): string {
  const sums = new Map<string, number>();
  for (const f of funding) sums.set(f.kind, (sums.get(f.kind) ?? 0) + f.amountMc);
  return [...sums].map(([k, mc]) => `${GRANT_KIND_LABELS[k as keyof typeof GRANT_KIND_LABELS]} ${formatCredits(mc)}`).join(', ');
}

const when = (ms: number | null) => (ms === null ? 'unknown' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`);

export function PlanSource({ view }: { view: PlanView }) {
  const offline = view.connection !== 'online' || view.source !== 'live';
  return (
    <p className={`plan-source ${offline ? 'offline' : ''}`} data-testid="plan-source" role="status">
      {offline ? `Offline: figures from the cache as of ${when(view.walletAsOfServerMs)}.` : `Live figures as of ${when(view.walletAsOfServerMs)}.`}{' '}
      {view.catalogStale ? `The price list (${when(view.catalogFetchedAtServerMs)}) is past its freshness window; prices may have changed.` : `Price list from ${when(view.catalogFetchedAtServerMs)}.`}
    </p>
  );
}

export function PlanResults({ view }: { view: PlanView }) {
  const r = view.result;
  if (!r) return <p role="alert">{view.refusal?.message ?? 'Nothing to plan yet.'}</p>;
  return (
    <div className="plan-results">
      <ul aria-label="What the plan says" className="plan-sentences">
        {view.sentences.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ul>
      <p data-testid="plan-total">
        Total: {formatCredits(r.totals.typicalMc)} typical – {formatCredits(r.totals.maxMc)} most; {r.totals.runsFunded} of {r.totals.runsPlanned} runs funded
      </p>
      <table aria-label="Plan costs">
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col" className="num">Each</th>
            <th scope="col" className="num">Cost (typical – most)</th>
            <th scope="col" className="num">Funded</th>
            <th scope="col">Paid from (burn order)</th>
          </tr>
        </thead>
        <tbody>
          {r.lines.map((l) => (
            <tr key={l.id}>
              <td>{l.label}</td>
              <td className="num">{formatCredits(l.unitMaxMc)}</td>
              <td className="num">
                {formatCredits(l.typicalMc)} – {formatCredits(l.maxMc)}
              </td>
              <td className="num">
                {l.runsFunded} of {l.runsPlanned}
                {l.unfunded ? ` (${l.unfunded.reason.replaceAll('_', ' ')})` : ''}
              </td>
              <td title={l.funding.map((f) => `${f.grantId}: ${formatCredits(f.amountMc)}`).join('\n')}>{byKind(l.funding) || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Expiring unused</h3>
      {r.expiries.filter((e) => e.kind !== 'daily').length === 0 ? (
        <p className="muted">Nothing but daily credits expires unused.</p>
      ) : (
        <ul aria-label="Expiring unused">
          {r.expiries.filter((e) => e.kind !== 'daily').map((e) => (
            <li key={`${e.grantId}-${e.atMs}`}>
              {formatCredits(e.expiredMc)} {GRANT_KIND_LABELS[e.kind]} credits on {when(e.atMs)}
            </li>
          ))}
        </ul>
      )}
      <BurnDown result={r} />
    </div>
  );
}
