// The accounts part of the renderer↔main contract: the list of accounts, adding, renaming, switching, signing out and in, and the app's theme.
import { z } from 'zod';

/** at most this many accounts on one computer */
export const MAX_ACCOUNTS = 20;
export const MAX_ACCOUNT_NAME_CHARS = 60;
export const MAX_SERVER_URL_CHARS = 300;
/** the same bound as main's token stores */
export const MAX_ACCOUNT_TOKEN_CHARS = 200;
/** an account's id: short and safe in a file name and a store key */
export const ACCOUNT_ID_PATTERN = /^[a-z0-9-]{1,40}$/;

export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

export const accountIdSchema = z.string().regex(ACCOUNT_ID_PATTERN, 'not an account of this app');

/** A name as a person types it: trimmed, 1-60 characters, no control characters. */
export const accountNameSchema = z
  .string()
  .trim()
  .min(1, 'An account needs a name')
  .max(MAX_ACCOUNT_NAME_CHARS, `An account's name is at most ${MAX_ACCOUNT_NAME_CHARS} characters`)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, "An account's name cannot hold control characters");

/** A credits server's address: http or https, bounded, without credentials, query or fragment; kept without a trailing slash. */
export const serverUrlSchema = z
  .string()
  .trim()
  .min(1, 'The server address is empty')
  .max(MAX_SERVER_URL_CHARS, `A server address is at most ${MAX_SERVER_URL_CHARS} characters`)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password && !u.search && !u.hash && u.hostname.length > 0;
    } catch {
      return false;
    }
  }, 'The server address must be an http:// or https:// address, like https://credits.example')
  .transform((s) => s.replace(/\/+$/, ''));

/** A token as pasted: trimmed, 1-200 visible characters, no spaces. */
export const accountTokenSchema = z
  .string()
  .trim()
  .min(1, 'The token is empty')
  .max(MAX_ACCOUNT_TOKEN_CHARS, `A token is at most ${MAX_ACCOUNT_TOKEN_CHARS} characters`)
  .regex(/^[\x21-\x7e]+$/, 'A token is letters, digits and punctuation, without spaces');

export const accountServerViewSchema = z.discriminatedUnion('kind', [z.object({ kind: z.literal('embedded') }), z.object({ kind: z.literal('remote'), url: z.string().max(MAX_SERVER_URL_CHARS) })]);

/** One account as Settings lists it. */
export const accountViewSchema = z.object({
  id: accountIdSchema,
  name: z.string().max(MAX_ACCOUNT_NAME_CHARS),
  server: accountServerViewSchema,
  signedIn: z.boolean(),
  /** the account the app shows now */
  active: z.boolean(),
  /** the app's first account (the one it always had): it can be signed out, never removed */
  first: z.boolean(),
  addedAtMs: z.int().min(0),
});
export type AccountView = z.infer<typeof accountViewSchema>;

export const accountsViewSchema = z.object({ accounts: z.array(accountViewSchema).min(1).max(MAX_ACCOUNTS), activeId: accountIdSchema });
export type AccountsView = z.infer<typeof accountsViewSchema>;

export const themeSchema = z.enum(THEMES);

/** The accounts methods, merged into ipcMethods. */
export const accountsIpcMethods = {
  listAccounts: { input: z.undefined(), output: accountsViewSchema },
  /** checks the server and the token first (reads the wallet with it); nothing is saved when either fails; then switches to it */
  addAccount: { input: z.object({ name: accountNameSchema, url: serverUrlSchema, token: accountTokenSchema }).strict(), output: accountsViewSchema },
  renameAccount: { input: z.object({ id: accountIdSchema, name: accountNameSchema }).strict(), output: accountsViewSchema },
  switchAccount: { input: z.object({ id: accountIdSchema }).strict(), output: accountsViewSchema },
  /** removes the token; keep: the account stays listed, signed out, its cache readable; otherwise everything of it is removed */
  signOut: { input: z.object({ id: accountIdSchema, keep: z.boolean() }).strict(), output: accountsViewSchema },
  /** a signed-out account again: a remote one with a token (checked with its server first); the embedded one asks its server for one */
  signIn: { input: z.object({ id: accountIdSchema, token: accountTokenSchema.optional() }).strict(), output: accountsViewSchema },
  getTheme: { input: z.undefined(), output: themeSchema },
  setTheme: { input: z.object({ theme: themeSchema }).strict(), output: themeSchema },
} as const;

/** The accounts events: the list changed; the active account's core was replaced (the page reloads its state). */
export const accountsIpcEvents = {
  accounts: accountsViewSchema,
  accountChanged: z.object({ activeId: accountIdSchema }),
} as const;
