// The app shell: a sidebar with the app's name and, at its bottom left, the balance bar; the page beside it.
import { useEffect } from 'react';
import { BalanceBar } from './features/balance-bar/BalanceBar';
import { WalletPage } from './features/wallet/WalletPage';
import { useWalletStore } from './stores/wallet-store';

export function App() {
  const init = useWalletStore((s) => s.init);
  useEffect(() => init(), [init]);
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <img src="./icon.svg" alt="" width={28} height={28} />
          <span>Credits Desk</span>
        </div>
        <ul className="nav-list">
          <li>
            <a href="#wallet" aria-current="page">
              Wallet
            </a>
          </li>
        </ul>
        <div className="sidebar-spacer" />
        <BalanceBar />
      </nav>
      <WalletPage />
    </div>
  );
}
