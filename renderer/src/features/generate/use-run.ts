// The generation page's conversations with main: the debounced pre-flight of the request being edited (the page's own shown until it answers), and starting an approved run.
import { useEffect, useRef, useState } from 'react';
import type { CatalogView, PreflightResult, WalletView } from '../../../../shared/ipc/contract';
import type { RunRequest } from '../../../../shared/rules/pricing';

const ESTIMATE_DEBOUNCE_MS = 120;
/** how long Generate stays busy after a start was answered: longer than a double click */
const CLICK_GUARD_MS = 400;

export interface Approval {
  amountMc: number;
  reason: 'confirm' | 'price_changed';
}

/** What main's pre-flight was asked about: its answer stands only while all three are still the page's. */
export interface Asked {
  request: RunRequest | null;
  walletView: WalletView | null | undefined;
  catalogView: CatalogView | null;
}

/** Main's answer while it is about what the page shows now; else the page's own (`local`, from the same rules); nothing without a request. */
export function shownPreflight(answer: { asked: Asked; result: PreflightResult } | null, now: Asked, local: PreflightResult | null): PreflightResult | null {
  if (!now.request) return null;
  const a = answer?.asked;
  return a && a.request === now.request && a.walletView === now.walletView && a.catalogView === now.catalogView ? answer.result : local;
}

/**
 * The pre-flight of `request` as shown: `local` (worked out in the page on every edit) at once, then main's answer, asked after a short
 * pause in editing and again when the wallet view (balance, connection) or the catalog changes: they change what may run, so a refusal
 * follows the live wallet (a top-up lifts "insufficient credits" without a refresh). Main's answer is the authority (its refusals,
 * auto-approve and staleness, counting the runs being sent) and replaces the local one for as long as it is about the same request.
 */
export function usePreflight(request: RunRequest | null, walletView: WalletView | null | undefined, catalogView: CatalogView | null, local: PreflightResult | null): PreflightResult | null {
  const [answer, setAnswer] = useState<{ asked: Asked; result: PreflightResult } | null>(null);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current; // an answer still on its way for an earlier request is dropped, also when there is none to ask now
    if (!request || !window.credits) {
      setAnswer(null);
      return;
    }
    const asked: Asked = { request, walletView, catalogView };
    const t = setTimeout(() => {
      void window.credits!.preflight(request).then((r) => {
        if (mine !== seq.current) return; // a newer edit already asked
        const result: PreflightResult = r.ok ? r.value : { estimate: null, stale: false, availableMc: null, autoApprove: false, refusal: { code: r.error.code, message: r.error.message } };
        setAnswer({ asked, result });
      });
    }, ESTIMATE_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [request, walletView, catalogView]);
  return shownPreflight(answer, { request, walletView, catalogView }, local);
}

/** Starting a run: busy while main answers; a changed price asks for approval again; other refusals become the error shown. */
export function useStartRun(request: RunRequest | null) {
  const [approval, setApproval] = useState<Approval | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // set synchronously, before React re-renders the disabled button: a second click in the same frame is ignored here
  const starting = useRef(false);
  async function start(approvedMc: number) {
    if (!request || !window.credits || starting.current) return;
    starting.current = true;
    setBusy(true);
    setError(null);
    try {
      const r = await window.credits.startGeneration({ request, approvedMc });
      if (r.ok) {
        setApproval(null); // the run itself arrives as a generation event
      } else if (r.error.code === 'price_changed' && typeof r.error.details?.estimateMaxMc === 'number') {
        setApproval({ amountMc: r.error.details.estimateMaxMc, reason: 'price_changed' });
      } else {
        setApproval(null);
        setError(r.error.message);
      }
    } finally {
      // stay busy a moment after main answers, so a fast second click on the re-enabled button does not start a second run
      setTimeout(() => {
        starting.current = false;
        setBusy(false);
      }, CLICK_GUARD_MS);
    }
  }
  return { approval, setApproval, busy, error, setError, start };
}
