// The renderer↔main contract: every method's input and output schema and the events main pushes; the preload and browser bridge are built from it.
import { z } from 'zod';
import { walletSchema } from '../api/index';
import type { IpcEventName, IpcMethodName } from './names';

export { IPC_EVENT_NAMES, IPC_METHOD_NAMES, eventListenerName, ipcChannel, ipcEventChannel, type IpcEventName, type IpcMethodName } from './names';

export const CONNECTION_STATES = ['connecting', 'online', 'reconnecting', 'offline'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/** What the renderer knows about the wallet: the wallet itself plus where it came from and how old it is. */
export const walletViewSchema = z.object({
  wallet: walletSchema.nullable(),
  /** live: from the server in this session; cache: from the local cache, not yet confirmed */
  source: z.enum(['live', 'cache', 'none']),
  connection: z.enum(CONNECTION_STATES),
  /** server time at which the shown wallet was read */
  asOfServerMs: z.int().nullable(),
  /** serverNow = Date.now() + clockOffsetMs */
  clockOffsetMs: z.int(),
  /** a message for the user when the last sync failed */
  lastError: z.string().nullable(),
  serverKind: z.enum(['embedded', 'remote']),
});
export type WalletView = z.infer<typeof walletViewSchema>;

const noInput = z.undefined();

/** Method name → input and output schemas. One named function per method in window.credits; nothing generic. */
export const ipcMethods = {
  getWalletView: { input: noInput, output: walletViewSchema },
  refreshWallet: { input: noInput, output: walletViewSchema },
} as const satisfies Record<IpcMethodName, { input: z.ZodType; output: z.ZodType }>;
export type IpcInput<M extends IpcMethodName> = z.input<(typeof ipcMethods)[M]['input']>;
export type IpcOutput<M extends IpcMethodName> = z.output<(typeof ipcMethods)[M]['output']>;

/** Event name → payload schema, pushed from main to the renderer. */
export const ipcEvents = {
  walletView: walletViewSchema,
} as const satisfies Record<IpcEventName, z.ZodType>;
export type IpcEventPayload<E extends IpcEventName> = z.output<(typeof ipcEvents)[E]>;

// Every name has a schema and every schema a name: a compile error here means names.ts and this file disagree.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const methodsMatch: Same<keyof typeof ipcMethods, IpcMethodName> = true;
const eventsMatch: Same<keyof typeof ipcEvents, IpcEventName> = true;
void methodsMatch;
void eventsMatch;

export interface IpcError {
  code: string;
  message: string;
}
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** The shape of window.credits: a promise-returning function per method and an `on<Event>` subscription per event. */
export type CreditsBridge = {
  [M in IpcMethodName]: (input?: IpcInput<M>) => Promise<IpcResult<IpcOutput<M>>>;
} & {
  [E in IpcEventName as `on${Capitalize<E>}`]: (listener: (payload: IpcEventPayload<E>) => void) => () => void;
};
