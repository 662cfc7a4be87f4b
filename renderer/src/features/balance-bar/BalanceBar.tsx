// The balance bar at the bottom left under the user's name: available credits, breakdown by grant, daily reset countdown, online/offline state.
import * as Popover from '@radix-ui/react-popover';
import { useId, useState } from 'react';
import type { Wallet } from '../../../../shared/api/index';
import { useAppStore } from '../../stores/app-store';
import { BalancePopover } from './BalancePopover';
import type { WalletView } from '../../../../shared/ipc/contract';
import { findPlan } from '../../../../shared/catalog/lookup';
import { age, clockTime, countdown, expiryDate, formatCredits, GRANT_KIND_LABELS } from '../../lib/format';
import { useServerNow } from '../../lib/use-server-now';
import { useWalletStore } from '../../stores/wallet-store';
import { useAccountsStore } from '../../stores/accounts-store';

/** grants listed in the bar itself; the rest are in Details, so many grants never push the bar out of a small window */
const MAX_BAR_GRANTS = 3;

function statusText(view: WalletView, serverNowMs: number, appStopped: string | null, signedOut: boolean): { label: string; tone: 'ok' | 'warn' | 'muted' } {
  if (appStopped) return { label: appStopped, tone: 'warn' };
  const asOf = view.asOfServerMs;
  // signed out of the active account: what this computer kept, dated; no server is asked
  if (signedOut) return { label: `Signed out${asOf === null || !view.wallet ? '' : `, as of ${clockTime(asOf)} (${age(asOf, serverNowMs)})`}`, tone: 'warn' };
  if (view.connection === 'online' && view.source === 'live') return { label: 'Up to date', tone: 'ok' };
  if (!view.wallet) return { label: view.connection === 'offline' ? 'Offline, no balance yet' : 'Connecting…', tone: 'muted' };
  // not live: the balance shown is main's cached one, dated and aged (until the live one replaces it)
  const when = asOf === null ? '' : `, as of ${clockTime(asOf)} (${age(asOf, serverNowMs)})`;
  if (view.notAnswering && view.connection !== 'online') return { label: `Server not answering${when}`, tone: 'warn' };
  if (view.connection === 'offline') return { label: `Offline${when}`, tone: 'warn' };
  if (view.connection === 'reconnecting') return { label: `Reconnecting${when}`, tone: 'warn' };
  return { label: `Connecting${when}`, tone: 'muted' };
}

/** The Details button and the balance popover it opens (Radix Popover: Escape or a click outside closes it, focus returns to the button). */
function BalanceDetails({ wallet, serverNowMs }: { wallet: Wallet; serverNowMs: number }) {
  const [open, setOpen] = useState(false);
  return (
    <Popover.Root open={open} onOpenChange={setOpen}>
      <Popover.Trigger asChild>
        <button type="button" className="text-button" aria-label="Balance details" title="Balance details">
          Details
        </button>
      </Popover.Trigger>
      <BalancePopover wallet={wallet} serverNowMs={serverNowMs} />
    </Popover.Root>
  );
}

export function BalanceBar() {
  const view = useWalletStore((s) => s.view);
  const refreshing = useWalletStore((s) => s.refreshing);
  const refresh = useWalletStore((s) => s.refresh);
  const appStopped = useWalletStore((s) => s.appStopped);
  const serverNow = useServerNow(view?.clockOffsetMs ?? 0);
  const breakdownId = useId();
  const expiring = useAppStore((s) => s.warnings.expiring);
  const catalog = useAppStore((s) => s.catalogView?.catalog ?? null);
  const wallet = view?.wallet ?? null;
  const account = useAccountsStore((s) => s.view?.accounts.find((a) => a.active) ?? null);
  const status = view ? statusText(view, serverNow, appStopped, account?.signedIn === false) : { label: appStopped ?? 'Connecting…', tone: appStopped ? ('warn' as const) : ('muted' as const) };
  const planName = wallet ? ((catalog && findPlan(catalog, wallet.planId)?.name) ?? wallet.planId) : null;
  const total = wallet ? wallet.grants.reduce((s, g) => s + g.remainingMc, 0) : 0;

  return (
    <section className="balance-bar" aria-label="Balance">
      <div className="balance-user">
        <AccountName name={account?.name ?? wallet?.displayName ?? null} serverName={wallet?.displayName ?? null} />
        {planName && (
          <span className="user-plan" data-testid="plan-name">
            {planName} plan
          </span>
        )}
      </div>
      <div className="balance-amount" aria-live="polite">
        <span className="amount" data-testid="available-credits" data-source={view?.source ?? 'none'}>
          {wallet ? formatCredits(wallet.availableMc) : '—'}
        </span>{' '}
        <span className="unit">credits available</span>
      </div>
      {wallet && total > 0 && (
        <div className="meter" role="img" aria-label={`Made up of ${wallet.grants.filter((g) => g.remainingMc > 0).map((g) => `${formatCredits(g.remainingMc)} ${GRANT_KIND_LABELS[g.kind]}`).join(', ')}`}>
          {wallet.grants
            .filter((g) => g.remainingMc > 0)
            .map((g) => (
              <span key={g.id} className={`meter-seg kind-${g.kind}`} style={{ flexGrow: g.remainingMc }} />
            ))}
        </div>
      )}
      {wallet && <GrantList wallet={wallet} id={breakdownId} />}
      {expiring && (
        <p className="expiring-line" data-testid="expiring-line">
          {formatCredits(expiring.totalMc)} credits expire {expiryDate(expiring.firstExpiresAtMs)}
        </p>
      )}
      <a href="#store" className="buy-link">Buy credits</a>
      {wallet && (
        <p className="reset-line">
          Daily credits reset in <time dateTime={new Date(wallet.nextDailyResetMs).toISOString()}>{countdown(wallet.nextDailyResetMs, serverNow)}</time>
        </p>
      )}
      <div className="status-line">
        <span role="status" className={`status tone-${status.tone}`} data-connection={view?.connection ?? 'connecting'} data-app-stopped={appStopped ? 'true' : undefined}>
          {status.label}
        </span>
        <span className="status-buttons">
          {wallet && (
<BalanceDetails wallet={wallet} serverNowMs={serverNow} />
          )}
          <button type="button" className="icon-button" onClick={() => void refresh()} disabled={refreshing || !!appStopped} aria-label="Refresh balance" title="Refresh balance">
            ↻
          </button>
        </span>
      </div>
      {view && !appStopped && <StatusDetail view={view} />}
    </section>
  );
}

/**
 * The active account's name: a link to Settings → Accounts, where accounts are switched (reached by Tab like every link); and the
 * name the credits server knows the account by, when it is another.
 */
function AccountName({ name, serverName }: { name: string | null; serverName: string | null }) {
  const other = serverName && name && serverName.trim().toLowerCase() !== name.trim().toLowerCase() ? serverName : null;
  return (
    <>
      <span className="avatar" aria-hidden="true">
        {(name ?? '?').slice(0, 1).toUpperCase()}
      </span>
      <a className="user-name" href="#settings" data-testid="account-name" title="Accounts: switch, add or sign out in Settings">
        {name ?? '—'}
      </a>
      {other && (
        <span className="server-name" title="Your name on the credits server">
          {other}
        </span>
      )}
    </>
  );
}

const OFFLINE_WORKS = 'Still works offline: your last known balance, estimates from the saved price list, the cost planner and history. Running, buying and training need the server.';

/** Why the bar is not live, and what still works without the server; each at most two lines (the whole text in its title), so the bar fits the window. */
function StatusDetail({ view }: { view: WalletView }) {
  if (view.connection === 'online') return null;
  return (
    <>
      {view.lastError && (
        <p className="status-detail" title={view.lastError}>
          {view.lastError}
        </p>
      )}
      {view.connection === 'offline' && view.wallet && (
        <p className="status-detail" data-testid="offline-works" title={OFFLINE_WORKS}>
          {OFFLINE_WORKS}
        </p>
      )}
    </>
  );
}

/** The grants in the bar: the first MAX_BAR_GRANTS, then how many more are in Details. */
function GrantList({ wallet, id }: { wallet: NonNullable<WalletView['wallet']>; id: string }) {
  return (
    <ul className="grant-list" id={id} aria-label="Credits by grant">
      {wallet.grants.slice(0, MAX_BAR_GRANTS).map((g) => (
        <li key={g.id} className="grant-row">
          <span className={`dot kind-${g.kind}`} aria-hidden="true" />
          <span className="grant-kind">{GRANT_KIND_LABELS[g.kind]}</span>
          <span className="grant-remaining">{formatCredits(g.remainingMc)}</span>
          <span className="grant-expiry">{g.expiresAtMs === null ? 'no expiry' : g.kind === 'daily' ? 'today' : `until ${expiryDate(g.expiresAtMs)}`}</span>
        </li>
      ))}
      {wallet.grants.length > MAX_BAR_GRANTS && (
        <li className="grant-more" data-testid="grants-more">
          and {wallet.grants.length - MAX_BAR_GRANTS} more (see Details)
        </li>
      )}
    </ul>
  );
}
