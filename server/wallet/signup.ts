// Opening an account: the account row, its plan's one-time signup credits, and a first token, in one transaction.
import type { Catalog } from '../../shared/catalog/schema';
import { findPlan } from '../../shared/catalog/schema';
import type { Tx } from '../db/open';
import { insertAccount, type NewAccount } from '../accounts/service';
import { issueToken } from '../accounts/tokens';
import { insertGrant } from './service';

/** The first token's label. */
export const FIRST_TOKEN_LABEL = 'first token';

export async function signUp(tx: Tx, catalog: Catalog, input: NewAccount, nowMs: number): Promise<{ accountId: string; tokenId: string; token: string }> {
  const account = await insertAccount(tx, catalog, input, nowMs);
  const plan = findPlan(catalog, account.planId)!;
  if (plan.trialMc > 0) {
    await insertGrant(tx, { accountId: account.id, kind: 'trial', amountMc: plan.trialMc, effectiveAtMs: nowMs, expiresAtMs: null, paid: false, note: `${plan.name} plan signup credits`, sourceRef: 'trial' }, nowMs);
  }
  const { tokenId, token } = await issueToken(tx, account.id, nowMs, FIRST_TOKEN_LABEL);
  return { accountId: account.id, tokenId, token };
}
