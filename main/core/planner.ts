// The Plan page's figures, from the cache alone: the cached signed catalog and the cached wallet (its grants and its subscription) through the shared planner.
import type { PlanInput, PlanView } from '../../shared/ipc/contract';
import { planCosts } from '../../shared/rules/planner';
import { planSentences } from '../../shared/rules/planner-text';
import type { CatalogStore } from './catalog-store';
import type { WalletSync } from './wallet-sync';

export function planFromCache(catalogStore: CatalogStore, sync: WalletSync, input: PlanInput): PlanView {
  const view = sync.view;
  const catalog = catalogStore.get();
  const base: PlanView = {
    result: null, sentences: [], source: view.source, connection: view.connection, walletAsOfServerMs: view.asOfServerMs,
    catalogFetchedAtServerMs: catalogStore.fetchedAtServerMs, catalogStale: catalogStore.isStale(sync.serverNow()), refusal: null,
  };
  if (!catalog) return { ...base, refusal: { code: 'no_catalog', message: "Prices haven't been downloaded yet. Connect to the credits server once to get the price list." } };
  const wallet = view.wallet;
  if (!wallet) return { ...base, refusal: { code: 'no_wallet', message: 'Your balance has not been loaded yet. Connect to the credits server once.' } };
  // the projection starts at server time now, from the grants as they were when the wallet was read; the subscription renews,
  // changes plan or ends as the wallet says it will (a wallet from a server before it has none: no renewal is promised)
  const nowMs = Math.max(sync.serverNow(), wallet.serverTimeMs);
  const lines = input.lines.map((l) => ({ id: l.id, request: l.request, count: l.count, perDay: l.perDay }));
  const result = planCosts({ catalog, planId: wallet.planId, grants: wallet.grants, subscription: wallet.subscription ?? null, nowMs, lines, horizonDays: input.horizonDays, spendLimits: wallet.spendLimits ?? [], autoTopUp: wallet.autoTopUp ?? null });
  return { ...base, result, sentences: planSentences(result, catalog) };
}
