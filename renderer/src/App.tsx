// The app shell: a sidebar with navigation and, at its bottom left, the balance bar; the chosen page beside it; notices on top.
import { Component, lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { BalanceBar } from './features/balance-bar/BalanceBar';
import { useTrainingStore } from './stores/training-store';
import { WarningBanners } from './features/warnings/WarningBanners';

/** what main keeps of the user's typing, loaded at start; its code comes with the pages that use it, not in the first chunk */
const loadKept = () => import('./stores/kept-store').then((m) => m.loadKept());
import { useAppStore } from './stores/app-store';
import { useWalletStore } from './stores/wallet-store';
import { useAccountsStore } from './stores/accounts-store';

// Each page is its own chunk, loaded when first opened: the shell and the balance bar paint without them. Generate and Plan also
// wait for what main keeps of the user's typing (drafts, plan lines), so they open with it rather than over it.
const GeneratePage = lazy(() => Promise.all([import('./features/generate/GeneratePage'), loadKept()]).then(([m]) => ({ default: m.GeneratePage })));
const PlanPage = lazy(() => Promise.all([import('./features/plan/PlanPage'), loadKept()]).then(([m]) => ({ default: m.PlanPage })));
const HistoryPage = lazy(() => import('./features/history/HistoryPage').then((m) => ({ default: m.HistoryPage })));
const StorePage = lazy(() => import('./features/store/StorePage').then((m) => ({ default: m.StorePage })));
const WalletPage = lazy(() => import('./features/wallet/WalletPage').then((m) => ({ default: m.WalletPage })));
const TrainingPage = lazy(() => import('./features/training/TrainingPage').then((m) => ({ default: m.TrainingPage })));
const SettingsPage = lazy(() => import('./features/settings/SettingsPage').then((m) => ({ default: m.SettingsPage })));

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
  const painted = useFirstPaintDone();
  useEffect(() => initWallet(), [initWallet]);
  useEffect(() => initApp(), [initApp]);
  const initTraining = useTrainingStore((s) => s.init);
  useEffect(() => initTraining(), [initTraining]);
  const initAccounts = useAccountsStore((s) => s.init);
  useEffect(() => initAccounts(), [initAccounts]);
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
        <PageBoundary key={page}>
          {/* the page (its chunk, its drafts) comes after the shell and balance bar are on screen: they never wait for it */}
          {!painted && <PageLoading label={PAGES.find((p) => p.id === page)!.label} />}
          {painted && (
          <Suspense fallback={<PageLoading label={PAGES.find((p) => p.id === page)!.label} />}>
            {page === 'generate' && <GeneratePage />}
            {page === 'plan' && <PlanPage />}
            {page === 'training' && <TrainingPage />}
            {page === 'history' && <HistoryPage />}
            {page === 'wallet' && <WalletPage />}
            {page === 'settings' && <SettingsPage />}
            {page === 'store' && <StorePage />}
          </Suspense>
          )}
        </PageBoundary>
      </div>
    </div>
  );
}

/** False for the first render, true once it is on screen (the frame after it): what may wait for the first paint waits for this. */
function useFirstPaintDone(): boolean {
  const [painted, setPainted] = useState(false);
  useEffect(() => {
    // a timer from inside the frame's callback runs after that frame is painted
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => (timer = setTimeout(() => setPainted(true), 0)));
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, []);
  return painted;
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

/** While a page's code loads (the first time it is opened): its name, announced politely, the page marked busy. */
function PageLoading({ label }: { label: string }) {
  return (
    <main className="page page-loading" aria-busy="true" aria-label={label}>
      <p role="status" className="muted">
        Loading {label}…
      </p>
    </main>
  );
}

/** A page whose code cannot be loaded (the app stopped while it was being fetched): said in the page, the rest of the app stays. */
class PageBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <main className="page" aria-label="Page not loaded">
        <p role="alert">This page could not be loaded. Reload the window to try again.</p>
      </main>
    );
  }
}
