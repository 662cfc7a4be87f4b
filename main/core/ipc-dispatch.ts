// Validates and dispatches renderer calls to the core's handlers: unknown methods and bad input become errors, never exceptions.
import { accountsIpcMethods, IPC_FIELD_LABELS, ipcMethods, type IpcInput, type IpcMethodName, type IpcOutput, type IpcResult } from '../../shared/ipc/contract';
import { issuesText } from '../../shared/rules/issues';

export type IpcHandlers = { [M in IpcMethodName]: (input: IpcInput<M>) => Promise<IpcOutput<M>> | IpcOutput<M> };
/** the methods about accounts and the theme, answered above the active account's core (account-switcher.ts) */
export type AccountMethodName = keyof typeof accountsIpcMethods;
/** what one account's core answers: everything else */
export type CoreHandlers = Omit<IpcHandlers, AccountMethodName>;

/** Errors thrown by handlers that are meant for the user; anything else is reported as an internal error. */
export class UserFacingError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function isIpcMethod(name: unknown): name is IpcMethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(ipcMethods, name);
}

/** `handlers`: the whole map (the account switcher), or one core's alone (its tests), which answers the accounts methods as unknown. */
export async function dispatch(handlers: CoreHandlers & Partial<IpcHandlers>, method: unknown, input: unknown): Promise<IpcResult<unknown>> {
  const unknown = { ok: false, error: { code: 'unknown_method', message: `unknown method ${String(method).slice(0, 60)}` } } as const;
  if (!isIpcMethod(method)) return unknown;
  const spec = ipcMethods[method];
  const parsed = spec.input.safeParse(input);
  if (!parsed.success) {
    return { ok: false, error: { code: 'invalid_input', message: issuesText(parsed.error.issues, { root: 'input', labels: IPC_FIELD_LABELS }) } };
  }
  const all: Partial<IpcHandlers> = handlers;
  const handler = all[method] as ((i: unknown) => unknown) | undefined;
  if (!handler) return unknown;
  try {
    const value = await handler(parsed.data);
    return { ok: true, value: spec.output.parse(value) };
  } catch (e) {
    if (e instanceof UserFacingError) return { ok: false, error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } };
    return { ok: false, error: { code: 'internal', message: 'something went wrong in the app; please try again' } };
  }
}
