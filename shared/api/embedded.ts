// The contract between the app and the credits server it embeds: start flags, the messages over their IPC channel, the local account.
import { z } from 'zod';

/** The one account an embedded server creates for the person using the app. */
export const LOCAL_ACCOUNT_ID = 'local';

/** Flags the app passes to an embedded server (beside --data-dir and --port). */
export const EMBEDDED_FLAG = '--embedded';
export const LOCAL_NAME_FLAG = '--local-name';

const tokenSchema = z.string().min(16).max(200);

/** Server → app, once it listens: where it is, what it stores in, the catalog key to pin, and a token for the local account when one was made. */
export const readyMessageSchema = z.object({
  type: z.literal('credits-server-ready'),
  url: z.string().regex(/^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/, 'an embedded server listens on loopback'),
  storage: z.enum(['pglite', 'postgres']),
  /** the catalog signing key (SPKI DER, base64): it arrives over IPC, not the network, so the app can pin it */
  catalogPublicKey: z.string().min(1).max(1_000),
  /** only when the local account was created by this start */
  localAccount: z.object({ accountId: z.string().min(1).max(80), token: tokenSchema }).optional(),
});
export type ReadyMessage = z.infer<typeof readyMessageSchema>;

/** Server → app: it could not start (the reason is for the log and the app's notice). */
export const failedMessageSchema = z.object({ type: z.literal('credits-server-failed'), message: z.string().max(4_000) });

/** Server → app: the answer to an issue-local-token request. */
export const localTokenMessageSchema = z.object({
  type: z.literal('local-token'),
  requestId: z.string().min(1).max(80),
  accountId: z.string().min(1).max(80),
  token: tokenSchema,
});
export type LocalTokenMessage = z.infer<typeof localTokenMessageSchema>;

export const serverToAppMessageSchema = z.discriminatedUnion('type', [readyMessageSchema, failedMessageSchema, localTokenMessageSchema]);
export type ServerToAppMessage = z.infer<typeof serverToAppMessageSchema>;

/**
 * App → server: the app lost its token for the local account (or the server refused it) and asks for a new one. Only the
 * process that started the server can send this (it is the IPC channel, not HTTP), so no admin token is read from disk.
 */
export const issueLocalTokenMessageSchema = z.object({ type: z.literal('issue-local-token'), requestId: z.string().min(1).max(80) });
export const appToServerMessageSchema = z.discriminatedUnion('type', [issueLocalTokenMessageSchema]);
export type AppToServerMessage = z.infer<typeof appToServerMessageSchema>;
