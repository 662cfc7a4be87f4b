// Accounts: the account row and its lock, and the plan an account is on (their bearer tokens are in tokens.ts).
import { eq } from 'drizzle-orm';
import type { Catalog } from '../../shared/catalog/schema';
import { findPlan } from '../../shared/catalog/schema';
import { accounts } from '../db/schema';
import type { Db, Tx } from '../db/open';
import { DomainError, notFound } from '../errors';
import { newId } from '../util';
import { forgetGrantsOf } from './grant-memo';

export type AccountRow = typeof accounts.$inferSelect;

/** Takes the account's row lock for the rest of the transaction: every change to one account is serialised here. */
export async function lockAccount(tx: Tx, accountId: string): Promise<AccountRow> {
  const rows = await tx.select().from(accounts).where(eq(accounts.id, accountId)).for('update').prepare('lock_account').execute();
  const row = rows[0];
  if (!row) throw notFound(`account ${accountId}`);
  return row;
}

/** The account row, without a lock: for reads that change nothing. */
export async function getAccount(tx: Tx, accountId: string): Promise<AccountRow> {
  const rows = await tx.select().from(accounts).where(eq(accounts.id, accountId));
  const row = rows[0];
  if (!row) throw notFound(`account ${accountId}`);
  return row;
}

export async function accountExists(tx: Db | Tx, accountId: string): Promise<boolean> {
  const rows = await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, accountId));
  return rows.length > 0;
}

export async function listAccounts(tx: Db | Tx, limit: number): Promise<AccountRow[]> {
  return tx.select().from(accounts).orderBy(accounts.createdAtMs).limit(limit);
}

export interface NewAccount {
  id?: string | undefined;
  displayName: string;
  planId: string;
}

/** Inserts the account row; its credits are the wallet's business (see wallet/signup.ts). */
export async function insertAccount(tx: Tx, catalog: Catalog, input: NewAccount, nowMs: number): Promise<AccountRow> {
  const plan = findPlan(catalog, input.planId);
  if (!plan) throw new DomainError('invalid', 'unknown_plan', `unknown plan ${input.planId}`);
  const id = input.id ?? newId('acct').toLowerCase().replace(/[^a-z0-9_-]/g, '');
  if (await accountExists(tx, id)) throw new DomainError('conflict', 'account_exists', `an account with id ${id} already exists`);
  const [row] = await tx.insert(accounts).values({ id, displayName: input.displayName, planId: plan.id, createdAtMs: nowMs }).returning();
  forgetGrantsOf(id);
  return row!;
}

/** Changes an account's plan. A legacy plan, once left, cannot be chosen again. */
export async function setPlan(tx: Tx, catalog: Catalog, accountId: string, planId: string): Promise<void> {
  const plan = findPlan(catalog, planId);
  if (!plan) throw new DomainError('invalid', 'unknown_plan', `unknown plan ${planId}`);
  const account = await lockAccount(tx, accountId);
  if (plan.legacy && account.planId !== plan.id) {
    throw new DomainError('conflict', 'legacy_plan', `${plan.name} is a legacy plan and cannot be chosen again once left`);
  }
  await tx.update(accounts).set({ planId }).where(eq(accounts.id, accountId));
}
