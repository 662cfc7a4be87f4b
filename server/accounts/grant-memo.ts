// Grants this process knows to exist and be committed (a day's free credits, a month's bonus), so materialising skips their statements.

/** Keys are `<what>:<accountId>:<period>[:<plan>]`, kept per account; bounded, and forgotten for an account when an account with that id is created. */
const byAccount = new Map<string, Set<string>>();
let size = 0;
const GRANTED_MEMO_MAX = 100_000;

const accountOf = (key: string): string => key.split(':')[1] ?? '';

export function isKnownGranted(key: string): boolean {
  return byAccount.get(accountOf(key))?.has(key) ?? false;
}

/** Only for grants found already there: one inserted by the current transaction may still roll back with it. */
export function rememberGranted(key: string): void {
  if (size >= GRANTED_MEMO_MAX) {
    byAccount.clear();
    size = 0;
  }
  const accountId = accountOf(key);
  let keys = byAccount.get(accountId);
  if (!keys) byAccount.set(accountId, (keys = new Set()));
  if (!keys.has(key)) {
    keys.add(key);
    size++;
  }
}

/** A new account (perhaps an id reused in another database, as the embedded `local` account is): nothing is known of it. */
export function forgetGrantsOf(accountId: string): void {
  size -= byAccount.get(accountId)?.size ?? 0;
  byAccount.delete(accountId);
}
