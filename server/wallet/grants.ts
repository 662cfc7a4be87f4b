// Operator grants: checked amounts and expiries, written once per source through the wallet's insertGrant.
import type { Catalog } from '../../shared/catalog/schema';
import { parseCredits, CreditAmountError } from '../../shared/rules/money';
import { packExpiry } from '../../shared/rules/schedule';
import type { GrantKind } from '../../shared/rules/grants';
import type { Tx } from '../db/open';
import { lockAccount } from '../accounts/service';
import { ApiError } from '../http/errors';
import { insertGrant, materialize } from './service';

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
    amountMc = parseCredits(credits);
  } catch (e) {
    if (e instanceof CreditAmountError) throw new ApiError(400, 'invalid_amount', e.message);
    throw e;
  }
  if (amountMc === 0) throw new ApiError(400, 'invalid_amount', 'a grant must be more than 0 credits');
  return amountMc;
}

function grantExpiry(input: AdminGrantInput, nowMs: number): number | null {
  let expiresAtMs: number | null;
  if (input.expiresAtMs !== undefined) expiresAtMs = input.expiresAtMs;
  else if (input.kind === 'pack') expiresAtMs = packExpiry(nowMs);
  else if (input.kind === 'subscription') throw new ApiError(400, 'invalid_request', 'a subscription grant needs expiresAtMs (the end of its period)');
  else expiresAtMs = null;
  if (expiresAtMs !== null && expiresAtMs <= nowMs) throw new ApiError(400, 'invalid_request', 'expiresAtMs must be in the future');
  return expiresAtMs;
}

/** Grants credits to an account by an operator. `sourceRef` makes the grant happen exactly once; the time is read once the account's lock is held. */
export async function adminGrant(tx: Tx, catalog: Catalog, accountId: string, input: AdminGrantInput, sourceRef: string, now: () => number): Promise<string> {
  const amountMc = parseGrantAmount(input.credits);
  const account = await lockAccount(tx, accountId);
  const nowMs = now();
  const expiresAtMs = grantExpiry(input, nowMs);
  await materialize(tx, account, catalog, nowMs);
  const paid = input.paid ?? (input.kind === 'pack' || input.kind === 'subscription');
  const id = await insertGrant(tx, { accountId, kind: input.kind, amountMc, effectiveAtMs: nowMs, expiresAtMs, paid, note: input.note ?? null, sourceRef, details: { note: input.note ?? null } }, nowMs, 'fail');
  return id!;
}
