// Opening an account: the account row, its plan's one-time signup credits, and a first token, in one transaction.
import type { Catalog } from '../../shared/catalog/schema';
import { findPlan } from '../../shared/catalog/schema';
import type { Tx } from '../db/open';
import { insertAccount, issueToken, type NewAccount } from '../accounts/service';
import { insertGrant } from './service';

export async function signUp(tx: Tx, catalog: Catalog, input: NewAccount, nowMs: number): Promise<{ accountId: string; token: string }> {
  const account = await insertAccount(tx, catalog, input, nowMs);
  const plan = findPlan(catalog, account.planId)!;
  if (plan.trialMc > 0) {
    await insertGrant(tx, { accountId: account.id, kind: 'trial', amountMc: plan.trialMc, effectiveAtMs: nowMs, expiresAtMs: null, paid: false, note: `${plan.name} plan signup credits`, sourceRef: 'trial' }, nowMs);
  }
  return { accountId: account.id, token: await issueToken(tx, account.id, nowMs) };
}
