// The app shell: a sidebar with navigation and, at its bottom left, the balance bar; the chosen page beside it; notices on top.
import { useEffect, useState } from 'react';
import { BalanceBar } from './features/balance-bar/BalanceBar';
import { GeneratePage } from './features/generate/GeneratePage';
import { HistoryPage } from './features/history/HistoryPage';
import { PlanPage } from './features/plan/PlanPage';
import { TrainingPage } from './features/training/TrainingPage';
import { useTrainingStore } from './stores/training-store';
import { WarningBanners } from './features/warnings/WarningBanners';
import { SettingsPage } from './features/settings/SettingsPage';
import { StorePage } from './features/store/StorePage';
import { WalletPage } from './features/wallet/WalletPage';
import { useAppStore } from './stores/app-store';
import { useWalletStore } from './stores/wallet-store';

const PAGES = [
  { id: 'generate', label: 'Generate' },
  { id: 'wallet', label: 'Wallet' },
  { id: 'store', label: 'Store' },
  { id: 'training', label: 'Training' },
  { id: 'plan', label: 'Plan' },
  { id: 'history', label: 'History' },
  { id: 'settings', label: 'Settings' },
] as const;
type PageId = (typeof PAGES)[number]['id'];

function currentPage(): PageId {
  const h = location.hash.replace('#', '').split('?')[0];
  return (PAGES.find((p) => p.id === h)?.id ?? 'generate') as PageId;
}

export function App() {
  const initWallet = useWalletStore((s) => s.init);
  const initApp = useAppStore((s) => s.init);
  const notices = useAppStore((s) => s.notices);
  const dismiss = useAppStore((s) => s.dismissNotice);
  const [page, setPage] = useState<PageId>(currentPage);
  useEffect(() => initWallet(), [initWallet]);
  useEffect(() => initApp(), [initApp]);
  const initTraining = useTrainingStore((s) => s.init);
  useEffect(() => initTraining(), [initTraining]);
  useEffect(() => {
    const on = () => setPage(currentPage());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return (
    <div className="shell">
      {/* the first stop of the Tab key: past the sidebar to the page (a button, since the hash names the page) */}
      <button type="button" className="skip-link" onClick={() => document.getElementById('page-content')?.focus()}>
        Skip to content
      </button>
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <img src="./icon.svg" alt="" width={28} height={28} />
          <span>Credits Desk</span>
        </div>
        <ul className="nav-list">
          {PAGES.map((p) => (
            <li key={p.id}>
              <a href={`#${p.id}`} aria-current={page === p.id ? 'page' : undefined}>
                {p.label}
              </a>
            </li>
          ))}
        </ul>
        <div className="sidebar-spacer" />
        <BalanceBar />
      </nav>
      <div className="content" id="page-content" tabIndex={-1}>
        {notices.length > 0 && (
          <div className="notices">
            {notices.map((n) => (
              <div key={n.id} role={n.level === 'error' ? 'alert' : 'status'} className={`notice level-${n.level}`}>
                <span>{n.message}</span>
                <button type="button" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
                  ×
                </button>
              </div>
            ))}
          </div>
        )}
        <BridgeProblem />
        <WarningBanners />
        {page === 'generate' && <GeneratePage />}
        {page === 'plan' && <PlanPage />}
        {page === 'training' && <TrainingPage />}
        {page === 'history' && <HistoryPage />}
        {page === 'wallet' && <WalletPage />}
        {page === 'settings' && <SettingsPage />}
        {page === 'store' && <StorePage />}
      </div>
    </div>
  );
}

/** When this window cannot reach Credits Desk at all (no launch token, a refused one, no bridge): what is missing and how to fix it. */
function BridgeProblem() {
  const bridgeError = useWalletStore((s) => s.bridgeError);
  if (!bridgeError) return null;
  return (
    <div role="alert" className="notice level-error bridge-problem">
      <span>{bridgeError}</span>
    </div>
  );
}
