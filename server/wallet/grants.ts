// Operator grants: checked amounts, expiries and account limits, written once per source through the wallet's insertGrant.
import { gt } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { parseCredits, CreditAmountError, MAX_GRANT_MC } from '../../shared/rules/money';
import { packExpiry } from '../../shared/rules/schedule';
import { checkNewGrant, TooManyGrantsError, type GrantKind } from '../../shared/rules/grants';
import { grants } from '../db/schema';
import type { Tx } from '../db/open';
import { lockAccount } from '../accounts/service';
import { DomainError } from '../errors';
import { insertGrant, loadGrants, materialize } from './service';

export interface AdminGrantInput {
  kind: Exclude<GrantKind, 'daily'>;
  credits: string;
  expiresAtMs?: number | null | undefined;
  paid?: boolean | undefined;
  note?: string | undefined;
}

function parseGrantAmount(credits: string): number {
  let amountMc: number;
  try {
    amountMc = parseCredits(credits, { maxMc: MAX_GRANT_MC, subjectAndVerb: 'a grant may be' });
  } catch (e) {
    throw limitError(e);
  }
  if (amountMc === 0) throw new DomainError('invalid', 'invalid_amount', 'a grant must be more than 0 credits');
  return amountMc;
}

/** A refused amount or count as the 400 the operator sees: invalid_amount, amount_too_large (with the limit) or too_many_grants. */
function limitError(e: unknown): unknown {
  if (e instanceof CreditAmountError) return new DomainError('invalid', e.code, e.message, e.limitMc === null ? undefined : { limitMc: e.limitMc });
  if (e instanceof TooManyGrantsError) return new DomainError('invalid', e.code, e.message, { limit: e.limit });
  return e;
}

function grantExpiry(input: AdminGrantInput, nowMs: number): number | null {
  let expiresAtMs: number | null;
  if (input.expiresAtMs !== undefined) expiresAtMs = input.expiresAtMs;
  else if (input.kind === 'pack') expiresAtMs = packExpiry(nowMs);
  else if (input.kind === 'subscription') throw new DomainError('invalid', 'invalid_request', 'a subscription grant needs expiresAtMs (the end of its period)');
  else expiresAtMs = null;
  if (expiresAtMs !== null && expiresAtMs <= nowMs) throw new DomainError('invalid', 'invalid_request', 'expiresAtMs must be in the future');
  return expiresAtMs;
}

/**
 * Grants credits to an account by an operator, within the limits on one grant, on the account's balance and on its count of
 * grants holding credits (shared/rules checkNewGrant). `sourceRef` makes the grant happen exactly once.
 */
export async function adminGrant(tx: Tx, catalog: Catalog, accountId: string, input: AdminGrantInput, sourceRef: string, now: () => number): Promise<string> {
  const amountMc = parseGrantAmount(input.credits);
  const account = await lockAccount(tx, accountId);
  const nowMs = now();
  const expiresAtMs = grantExpiry(input, nowMs);
  await materialize(tx, account, catalog, nowMs);
  try {
    checkNewGrant(await loadGrants(tx, accountId, gt(grants.remainingMc, 0)), amountMc);
  } catch (e) {
    throw limitError(e);
  }
  const paid = input.paid ?? (input.kind === 'pack' || input.kind === 'subscription');
  const id = await insertGrant(tx, { accountId, kind: input.kind, amountMc, effectiveAtMs: nowMs, expiresAtMs, paid, note: input.note ?? null, sourceRef, details: { note: input.note ?? null } }, nowMs, 'fail');
  return id!;
}
