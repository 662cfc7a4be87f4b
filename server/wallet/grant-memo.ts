// Grants this process knows to exist and be committed (a day's free credits, a month's bonus), so materialising skips their statements.

/** Keys are `<what>:<accountId>:<period>[:<plan>]`; bounded, and forgotten for an account when an account with that id is created. */
const granted = new Set<string>();
const GRANTED_MEMO_MAX = 100_000;

export function isKnownGranted(key: string): boolean {
  return granted.has(key);
}

/** Only for grants found already there: one inserted by the current transaction may still roll back with it. */
export function rememberGranted(key: string): void {
  if (granted.size >= GRANTED_MEMO_MAX) granted.clear();
  granted.add(key);
}

/** A new account (perhaps an id reused in another database, as the embedded `local` account is): nothing is known of it. */
export function forgetGrantsOf(accountId: string): void {
  for (const key of granted) if (key.split(':')[1] === accountId) granted.delete(key);
}
