// The generation page's conversations with main: the debounced pre-flight of the request being edited, and starting an approved run.
import { useEffect, useRef, useState } from 'react';
import type { CatalogView, PreflightResult, WalletView } from '../../../../shared/ipc/contract';
import type { RunRequest } from '../../../../shared/rules/pricing';

const ESTIMATE_DEBOUNCE_MS = 120;

export interface Approval {
  amountMc: number;
  reason: 'confirm' | 'price_changed';
}

/**
 * The pre-flight of `request`, asked again when the wallet view (balance, connection) or the catalog changes: they change what may
 * run, so a refusal follows the live wallet (a top-up lifts "insufficient credits" without a refresh).
 */
export function usePreflight(request: RunRequest | null, walletView: WalletView | null | undefined, catalogView: CatalogView | null): PreflightResult | null {
  const [preflight, setPreflight] = useState<PreflightResult | null>(null);
  const seq = useRef(0);
  useEffect(() => {
    if (!request || !window.credits) {
      setPreflight(null);
      return;
    }
    const mine = ++seq.current;
    const t = setTimeout(() => {
      void window.credits!.preflight(request).then((r) => {
        if (mine !== seq.current) return; // a newer edit already asked
        if (r.ok) setPreflight(r.value);
        else setPreflight({ estimate: null, stale: false, availableMc: null, autoApprove: false, refusal: { code: r.error.code, message: r.error.message } });
      });
    }, ESTIMATE_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [request, walletView, catalogView]);
  return preflight;
}

/** Starting a run: busy while main answers; a changed price asks for approval again; other refusals become the error shown. */
export function useStartRun(request: RunRequest | null) {
  const [approval, setApproval] = useState<Approval | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function start(approvedMc: number) {
    if (!request || !window.credits) return;
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
      setBusy(false);
    }
  }
  return { approval, setApproval, busy, error, setError, start };
}
