// The training allowance tracker (balance popover and Training page): what is left, when it renews, and whether the figure is cached.
import type { Wallet } from '../../../../shared/api/index';
import { allowanceState, allowanceText } from './allowance-text';

export function TrainingTracker({ wallet, serverNowMs, cachedAtMs }: { wallet: Wallet; serverNowMs: number; cachedAtMs: number | null }) {
  const state = allowanceState(wallet.training);
  return (
    <p className={`training-tracker state-${state}`} data-testid="training-allowance">
      {allowanceText(wallet.training, serverNowMs)}
      {cachedAtMs !== null && <span className="muted"> (offline: as of {new Date(cachedAtMs).toISOString().slice(0, 16).replace('T', ' ')} UTC)</span>}
    </p>
  );
}
