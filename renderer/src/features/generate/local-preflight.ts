// The pre-flight the Generate page shows while the user edits: the shared rules' answer from the catalog, wallet and settings main already gave the page, worked out at once (display only: main answers for real, and enforces).
import type { CatalogView, PreflightResult, SettingsView, WalletView } from '../../../../shared/ipc/contract';
import type { RunRequest } from '../../../../shared/rules/pricing';
import { catalogIsStale, preflightOf } from '../../../../shared/rules/preflight';

/**
 * What main's pre-flight would answer for `request`, from the page's own views: the same rules (pricing, entitlements, spend limits,
 * balance, connection) on the same catalog and wallet, in server time. Runs this app is still sending are main's to know (it counts
 * them as spent), and an unknown auto-approve limit asks for approval; main's answer replaces this one when it arrives.
 */
export function localPreflight(
  request: RunRequest | null,
  catalogView: CatalogView | null,
  walletView: WalletView | null | undefined,
  settings: Pick<SettingsView, 'autoApproveMc'> | null,
  nowMs: number = Date.now(),
): PreflightResult | null {
  if (!request) return null;
  const serverNowMs = nowMs + (walletView?.clockOffsetMs ?? 0);
  const catalog = catalogView?.catalog ?? null;
  return preflightOf(request, {
    catalog,
    stale: catalogIsStale(catalog, catalogView?.fetchedAtServerMs ?? null, serverNowMs),
    wallet: walletView?.wallet ?? null,
    connection: walletView?.connection ?? 'connecting',
    notAnswering: walletView?.notAnswering,
    inFlightMc: 0,
    autoApproveMc: settings?.autoApproveMc ?? null,
    serverNowMs,
  });
}
