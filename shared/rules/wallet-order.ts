// Which of two wallet snapshots is newer: one rule for the sync, the cache and the renderer's store.

/** The fields of a wallet snapshot that order it (a Wallet has them all). */
export interface WalletStamp {
  accountId: string;
  /** grows with every change to the wallet on the server */
  revision: number;
  /** the server's clock when the snapshot was read */
  serverTimeMs: number;
}

/**
 * True when `candidate` is a newer snapshot of the same account than `current`: a higher revision, or the same revision read
 * later. Snapshots of different accounts are not ordered (false either way): whether to replace one is the caller's decision.
 */
export function isNewerWallet(candidate: WalletStamp, current: WalletStamp): boolean {
  if (candidate.accountId !== current.accountId) return false;
  if (candidate.revision !== current.revision) return candidate.revision > current.revision;
  return candidate.serverTimeMs > current.serverTimeMs;
}
