// The errors a domain refuses with: what kind of refusal it is, a stable code and the words; http/errors.ts alone turns a kind into a status.

/** What went wrong, in the domain's terms (never an HTTP status). */
export const REFUSAL_KINDS = [
  'invalid', // the request cannot be taken as it is (a bad field, an unknown id it names)
  'unauthenticated', // no, or no valid, credentials
  'insufficient_credits', // it would cost more than the account has available
  'not_allowed', // the account may not do this (its plan, its limits, an operator's token required)
  'not_found', // what it names does not exist (for this account)
  'conflict', // the state it meets does not allow it now (already done, closed, managed elsewhere)
  'gone', // it existed and is no longer kept
  'unprocessable', // well formed, but refused on what it says (a country that may not pay, a key reused for another request)
  'too_many', // over a count or rate limit; details may say when to retry
  'upstream_failed', // a provider the server depends on failed
  'busy', // the server cannot take it right now; try again
  'internal', // a fault of the server's
] as const;
export type RefusalKind = (typeof REFUSAL_KINDS)[number];

export class DomainError extends Error {
  constructor(
    readonly kind: RefusalKind,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError('not_found', 'not_found', `${what} not found`);
