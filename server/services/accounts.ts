// Accounts, bearer tokens (stored hashed), plans and admin grants.
import { and, eq, isNull } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { findPlan } from '../../shared/catalog/schema';
import { parseCredits, CreditAmountError } from '../../shared/rules/money';
import { packExpiry } from '../../shared/rules/schedule';
import type { GrantKind } from '../../shared/rules/grants';
import { accounts, apiTokens, grants, ledgerEntries } from '../db/schema';
import type { Db, Tx } from '../db/open';
import { ApiError } from '../errors';
import { newId, newToken, sha256 } from './util';
import { lockAccount, materialize } from './wallet';

export const LOCAL_ACCOUNT_ID = 'local';

export async function accountForToken(db: Db, token: string): Promise<string | null> {
  if (!token || token.length > 200) return null;
  const rows = await db
    .select({ accountId: apiTokens.accountId })
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, sha256(token)), isNull(apiTokens.revokedAtMs)));
  return rows[0]?.accountId ?? null;
}

export async function issueToken(tx: Tx, accountId: string, nowMs: number): Promise<string> {
  const token = newToken();
  await tx.insert(apiTokens).values({ tokenHash: sha256(token), accountId, createdAtMs: nowMs });
  return token;
}

export interface NewAccount {
  id?: string | undefined;
  displayName: string;
  planId: string;
}

/** Creates an account with its plan's one-time trial credits and a first token. */
export async function createAccount(tx: Tx, catalog: Catalog, input: NewAccount, nowMs: number): Promise<{ accountId: string; token: string }> {
  const plan = findPlan(catalog, input.planId);
  if (!plan) throw new ApiError(400, 'unknown_plan', `unknown plan ${input.planId}`);
  const id = input.id ?? newId('acct').toLowerCase().replace(/[^a-z0-9_-]/g, '');
  const existing = await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, id));
  if (existing.length > 0) throw new ApiError(409, 'account_exists', `an account with id ${id} already exists`);
  await tx.insert(accounts).values({ id, displayName: input.displayName, planId: plan.id, createdAtMs: nowMs });
  if (plan.trialMc > 0) {
    const grantId = newId('g');
    await tx.insert(grants).values({
      id: grantId, accountId: id, kind: 'trial', amountMc: plan.trialMc, remainingMc: plan.trialMc, effectiveAtMs: nowMs, expiresAtMs: null,
      priority: 0, paid: false, note: `${plan.name} plan signup credits`, sourceRef: 'trial', createdAtMs: nowMs,
    });
    await tx.insert(ledgerEntries).values({ accountId: id, kind: 'grant', amountMc: plan.trialMc, grantId, ref: 'trial', atMs: nowMs, details: { grantKind: 'trial' } });
  }
  return { accountId: id, token: await issueToken(tx, id, nowMs) };
}

export interface AdminGrantInput {
  kind: Exclude<GrantKind, 'daily'>;
  credits: string;
  expiresAtMs?: number | null | undefined;
  paid?: boolean | undefined;
  note?: string | undefined;
}

/** Grants credits to an account by an operator. `sourceRef` makes the grant happen exactly once. */
export async function adminGrant(tx: Tx, catalog: Catalog, accountId: string, input: AdminGrantInput, sourceRef: string, nowMs: number): Promise<string> {
  let amountMc: number;
  try {
    amountMc = parseCredits(input.credits);
  } catch (e) {
    if (e instanceof CreditAmountError) throw new ApiError(400, 'invalid_amount', e.message);
    throw e;
  }
  if (amountMc === 0) throw new ApiError(400, 'invalid_amount', 'a grant must be more than 0 credits');
  let expiresAtMs: number | null;
  if (input.expiresAtMs !== undefined) expiresAtMs = input.expiresAtMs;
  else if (input.kind === 'pack') expiresAtMs = packExpiry(nowMs);
  else if (input.kind === 'subscription') throw new ApiError(400, 'invalid_request', 'a subscription grant needs expiresAtMs (the end of its period)');
  else expiresAtMs = null;
  if (expiresAtMs !== null && expiresAtMs <= nowMs) throw new ApiError(400, 'invalid_request', 'expiresAtMs must be in the future');
  const account = await lockAccount(tx, accountId);
  await materialize(tx, account, catalog, nowMs);
  const id = newId('g');
  await tx.insert(grants).values({
    id, accountId, kind: input.kind, amountMc, remainingMc: amountMc, effectiveAtMs: nowMs, expiresAtMs,
    priority: 0, paid: input.paid ?? (input.kind === 'pack' || input.kind === 'subscription'), note: input.note ?? null, sourceRef, createdAtMs: nowMs,
  });
  await tx.insert(ledgerEntries).values({ accountId, kind: 'grant', amountMc, grantId: id, ref: sourceRef, atMs: nowMs, details: { grantKind: input.kind, note: input.note ?? null } });
  return id;
}

/** Changes an account's plan. A legacy plan, once left, cannot be chosen again. */
export async function setPlan(tx: Tx, catalog: Catalog, accountId: string, planId: string): Promise<void> {
  const plan = findPlan(catalog, planId);
  if (!plan) throw new ApiError(400, 'unknown_plan', `unknown plan ${planId}`);
  const account = await lockAccount(tx, accountId);
  if (plan.legacy && account.planId !== plan.id) {
    throw new ApiError(409, 'legacy_plan', `${plan.name} is a legacy plan and cannot be chosen again once left`);
  }
  await tx.update(accounts).set({ planId }).where(eq(accounts.id, accountId));
}
