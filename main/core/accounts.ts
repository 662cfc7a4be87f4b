// The registry of accounts on this computer (kept in the app's store): each account's name, server and sign-in, the active one, and where its data lives.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { ACCOUNT_ID_PATTERN, MAX_ACCOUNT_NAME_CHARS, MAX_ACCOUNTS, MAX_SERVER_URL_CHARS, type AccountsView } from '../../shared/ipc/accounts-contract';
import { PrefixedStore, type KeyValueStore } from './stores';

/** the store key of the registry */
export const ACCOUNTS_KEY = 'accounts';
/** the store key under which every account but the first keeps its data */
export const ACCOUNT_DATA_KEY = 'accountData';
/** the first account: the one the app always had, with the store's plain keys and dataDir's own files */
export const FIRST_ACCOUNT_ID = 'first';

const serverSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('embedded') }),
  z.object({ kind: z.literal('remote'), url: z.string().min(1).max(MAX_SERVER_URL_CHARS), catalogKey: z.string().max(2_000).optional() }),
]);
export type AccountServer = z.infer<typeof serverSchema>;

const accountSchema = z.object({
  id: z.string().regex(ACCOUNT_ID_PATTERN),
  name: z.string().min(1).max(MAX_ACCOUNT_NAME_CHARS),
  server: serverSchema,
  signedIn: z.boolean(),
  addedAtMs: z.int().min(0),
  /** the server's id of the account, once known: a second token for it is refused as a duplicate, a token for another account on sign-in */
  remoteAccountId: z.string().max(200).optional(),
});
export type AccountRecord = z.infer<typeof accountSchema>;

const registrySchema = z.object({
  version: z.literal(1),
  activeId: z.string().regex(ACCOUNT_ID_PATTERN),
  accounts: z.array(accountSchema).min(1).max(MAX_ACCOUNTS),
});
type Registry = z.infer<typeof registrySchema>;

/** A refusal of the registry, in words for the user. */
export class AccountError extends Error {
  constructor(
    readonly code: 'unknown_account' | 'too_many_accounts' | 'first_account' | 'duplicate_account',
    message: string,
  ) {
    super(message);
  }
}

export interface FirstAccount {
  name: string;
  server: AccountServer;
}

/** The registry over the app's top-level store; every change is written at once. */
export class AccountRegistry {
  private reg: Registry;

  constructor(
    private readonly store: KeyValueStore,
    private readonly dataDir: string,
    first: FirstAccount,
    private readonly now: () => number = Date.now,
  ) {
    const saved = registrySchema.safeParse(store.get(ACCOUNTS_KEY));
    const reg: Registry = saved.success ? saved.data : { version: 1, activeId: FIRST_ACCOUNT_ID, accounts: [] };
    const firstSaved = reg.accounts.find((a) => a.id === FIRST_ACCOUNT_ID);
    // the first account's server is the configured one (embedded, or --server-url), at every start, as before accounts existed
    const firstNow: AccountRecord = firstSaved
      ? { ...firstSaved, server: first.server, ...(sameServer(firstSaved.server, first.server) ? {} : { remoteAccountId: undefined }) }
      : { id: FIRST_ACCOUNT_ID, name: first.name.slice(0, MAX_ACCOUNT_NAME_CHARS) || 'You', server: first.server, signedIn: true, addedAtMs: now() };
    const others = reg.accounts.filter((a) => a.id !== FIRST_ACCOUNT_ID);
    this.reg = { version: 1, activeId: reg.activeId, accounts: [firstNow, ...others] };
    if (!this.reg.accounts.some((a) => a.id === this.reg.activeId)) this.reg.activeId = FIRST_ACCOUNT_ID;
    this.save();
  }

  private save(): void {
    this.store.set(ACCOUNTS_KEY, this.reg);
  }

  get activeId(): string {
    return this.reg.activeId;
  }

  get active(): AccountRecord {
    return this.get(this.reg.activeId);
  }

  list(): readonly AccountRecord[] {
    return this.reg.accounts;
  }

  get(id: string): AccountRecord {
    const a = this.reg.accounts.find((x) => x.id === id);
    if (!a) throw new AccountError('unknown_account', 'There is no such account on this computer (it may have been removed). Reload the list.');
    return a;
  }

  /** The account registered for this server's account already, if any. */
  findRemote(url: string, remoteAccountId: string): AccountRecord | undefined {
    return this.reg.accounts.find((a) => a.server.kind === 'remote' && a.server.url === url && a.remoteAccountId === remoteAccountId);
  }

  /** Room for one more? Throws the limit in words when not. */
  checkRoom(): void {
    if (this.reg.accounts.length >= MAX_ACCOUNTS) throw new AccountError('too_many_accounts', `This computer holds at most ${MAX_ACCOUNTS} accounts. Remove one you no longer use first.`);
  }

  /** A new remote account, signed in, with a fresh id; not yet active. */
  add(name: string, server: AccountServer & { kind: 'remote' }, remoteAccountId: string): AccountRecord {
    this.checkRoom();
    let id: string;
    do id = `a-${randomBytes(4).toString('hex')}`;
    while (this.reg.accounts.some((a) => a.id === id));
    const record: AccountRecord = { id, name, server, signedIn: true, addedAtMs: this.now(), remoteAccountId };
    this.reg.accounts.push(record);
    this.save();
    return record;
  }

  update(id: string, patch: Partial<Pick<AccountRecord, 'name' | 'signedIn' | 'remoteAccountId'>>): AccountRecord {
    const next = { ...this.get(id), ...patch };
    this.reg.accounts = this.reg.accounts.map((a) => (a.id === id ? next : a));
    this.save();
    return next;
  }

  setActive(id: string): void {
    this.get(id);
    this.reg.activeId = id;
    this.save();
  }

  /** Removes an account from the list (never the first); its data is the caller's to remove (dirOf, storeOf(...).wipe()). */
  remove(id: string): void {
    if (id === FIRST_ACCOUNT_ID) throw new AccountError('first_account', "This computer's first account cannot be removed; sign out of it instead.");
    this.get(id);
    this.reg.accounts = this.reg.accounts.filter((a) => a.id !== id);
    if (this.reg.activeId === id) this.reg.activeId = FIRST_ACCOUNT_ID;
    this.save();
  }

  /** Where an account's files live: dataDir itself for the first account, dataDir/accounts/<id>/ for the others. */
  dirOf(id: string): string {
    if (!ACCOUNT_ID_PATTERN.test(id)) throw new AccountError('unknown_account', 'not an account id');
    return id === FIRST_ACCOUNT_ID ? this.dataDir : path.join(this.dataDir, 'accounts', id);
  }

  /** The list as Settings shows it. */
  view(): AccountsView {
    return {
      activeId: this.reg.activeId,
      accounts: this.reg.accounts.map((a) => ({
        id: a.id,
        name: a.name,
        server: a.server.kind === 'embedded' ? { kind: 'embedded' as const } : { kind: 'remote' as const, url: a.server.url },
        signedIn: a.signedIn,
        active: a.id === this.reg.activeId,
        first: a.id === FIRST_ACCOUNT_ID,
        addedAtMs: a.addedAtMs,
      })),
    };
  }
}

/** An account's part of the store: the store itself for the first account, its own prefix for the others. */
export function accountStore(base: KeyValueStore, id: string): KeyValueStore | PrefixedStore {
  return id === FIRST_ACCOUNT_ID ? base : new PrefixedStore(base, `${ACCOUNT_DATA_KEY}.${id}`);
}

function sameServer(a: AccountServer, b: AccountServer): boolean {
  return a.kind === b.kind && (a.kind === 'embedded' || (b.kind === 'remote' && a.url === b.url));
}
