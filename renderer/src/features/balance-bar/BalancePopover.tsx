// The balance details popover: each grant with kind, remaining and expiry, usage in the current period, next reset and renewal (none once the plan is cancelled), and the forecast.
import * as Popover from '@radix-ui/react-popover';
import { useId } from 'react';
import type { Wallet } from '../../../../shared/api/index';
import { findPlan } from '../../../../shared/catalog/lookup';
import { useAppStore } from '../../stores/app-store';
import { TrainingTracker } from '../training/TrainingTracker';
import { forecastText } from './forecast-text';
import { renewalText } from './renewal-text';
import { clockTime, countdown, expiryDate, formatCredits, GRANT_KIND_LABELS } from '../../lib/format';

/** The popover's content, on Radix Popover: focus moves in, Escape or a click outside closes it, focus returns to the Details button. */
export function BalancePopover({ wallet, serverNowMs }: { wallet: Wallet; serverNowMs: number }) {
  const titleId = useId();
  const periodGrants = wallet.grants.filter((g) => g.kind === 'daily' || g.kind === 'subscription' || g.kind === 'trial');
  const catalog = useAppStore((s) => s.catalogView?.catalog ?? null);
  const forecast = useAppStore((s) => s.warnings.forecast ?? null);
  const renewal = renewalText(wallet.subscription, serverNowMs, (id) => (catalog && findPlan(catalog, id)?.name) ?? id);
  return (
    <Popover.Portal>
      <Popover.Content className="popover" side="right" align="end" sideOffset={12} collisionPadding={8} aria-labelledby={titleId}>
      <h2 id={titleId}>Balance details</h2>
      <p className="popover-total">
        {formatCredits(wallet.availableMc)} available{wallet.heldMc > 0 ? `, ${formatCredits(wallet.heldMc)} held for runs in progress` : ''}
      </p>
      {forecast && <p className="popover-forecast">{forecastText(forecast)}</p>}
      <h3>Usage this period</h3>
      {periodGrants.length === 0 && <p className="muted">No plan credits in force.</p>}
      {periodGrants.map((g) => {
        const used = g.amountMc - g.remainingMc;
        const pct = g.amountMc ? Math.round((used / g.amountMc) * 100) : 0;
        return (
          <div key={g.id} className="usage">
            <span>
              {GRANT_KIND_LABELS[g.kind]}: {formatCredits(used)} of {formatCredits(g.amountMc)} used
            </span>
            <div role="progressbar" aria-label={`${GRANT_KIND_LABELS[g.kind]} used`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} className="bar">
              <span style={{ width: `${pct}%` }} />
            </div>
          </div>
        );
      })}
      <h3>Training allowance</h3>
      <TrainingTracker wallet={wallet} serverNowMs={serverNowMs} cachedAtMs={null} />
      <h3>Grants</h3>
      <table className="popover-grants">
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col" className="num">
              Left
            </th>
            <th scope="col">Expires</th>
          </tr>
        </thead>
        <tbody>
          {wallet.grants.map((g) => (
            <tr key={g.id}>
              <td>{GRANT_KIND_LABELS[g.kind]}</td>
              <td className="num">{formatCredits(g.remainingMc)}</td>
              <td>{g.expiresAtMs === null ? 'never' : `${expiryDate(g.expiresAtMs)} ${clockTime(g.expiresAtMs)}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl className="popover-times">
        <div>
          <dt>Next daily reset</dt>
          <dd>
            in {countdown(wallet.nextDailyResetMs, serverNowMs)} (00:00 UTC)
          </dd>
        </div>
        <div>
          <dt>Next subscription renewal</dt>
          <dd>
            {renewal.text}
            {renewal.cancelled && <> · <a href="#wallet">Resume it on the Wallet page</a></>}
          </dd>
        </div>
      </dl>
      </Popover.Content>
    </Popover.Portal>
  );
}
