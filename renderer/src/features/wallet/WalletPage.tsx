// The wallet page: the plan card, then every grant in force with its kind, amount, what is left and when it expires, in burn order.
import { expiryDate, formatCredits, GRANT_KIND_LABELS } from '../../lib/format';
import { useWalletStore } from '../../stores/wallet-store';
import { PlanCard } from './PlanCard';

export function WalletPage() {
  const view = useWalletStore((s) => s.view);
  const bridgeError = useWalletStore((s) => s.bridgeError);
  const wallet = view?.wallet ?? null;
  return (
    <main className="page" aria-labelledby="wallet-heading">
      <h1 id="wallet-heading">Wallet</h1>
      {!wallet && !bridgeError && <p className="muted">{view?.connection === 'offline' ? 'The credits server cannot be reached and no balance has been saved on this computer yet.' : 'Loading your balance…'}</p>}
      {wallet && (
        <>
          <PlanCard wallet={wallet} />
          <p className="lede">
            Credits are spent from the grant that expires first, so nothing you could have used is lost.
          </p>
          <table className="grants-table">
            <caption className="visually-hidden">Your credits by grant, in the order they are spent</caption>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col" className="num">Granted</th>
                <th scope="col" className="num">Left</th>
                <th scope="col">Expires</th>
                <th scope="col">Commercial use</th>
              </tr>
            </thead>
            <tbody>
              {wallet.grants.map((g) => (
                <tr key={g.id}>
                  <th scope="row">
                    <span className={`dot kind-${g.kind}`} aria-hidden="true" /> {GRANT_KIND_LABELS[g.kind]}
                    {g.note ? <span className="note"> — {g.note}</span> : null}
                  </th>
                  <td className="num">{formatCredits(g.amountMc)}</td>
                  <td className="num">{formatCredits(g.remainingMc)}</td>
                  <td>{expiryDate(g.expiresAtMs)}</td>
                  <td>{g.paid ? 'Yes (paid credits)' : 'No'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </main>
  );
}
