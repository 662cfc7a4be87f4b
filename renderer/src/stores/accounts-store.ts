// The accounts store (zustand): the list of accounts and the theme, from window.credits; another account taking over reloads the page.
import { create } from 'zustand';
import type { AccountsView, IpcError, IpcResult, Theme } from '../../../shared/ipc/contract';
import { applyTheme } from '../lib/theme';

export interface AccountsState {
  view: AccountsView | null;
  theme: Theme;
  init(): () => void;
  add(input: { name: string; url: string; token: string }): Promise<IpcError | null>;
  rename(id: string, name: string): Promise<IpcError | null>;
  switchTo(id: string): Promise<IpcError | null>;
  signOut(id: string, keep: boolean): Promise<IpcError | null>;
  signIn(id: string, token?: string): Promise<IpcError | null>;
  setTheme(theme: Theme): Promise<IpcError | null>;
}

const NO_BRIDGE: IpcError = { code: 'no_bridge', message: 'not connected to the app' };

/** Another account's core took over in main: every store of the page holds the old account's data, so the page starts again. */
function reloadForAccount(): void {
  // typing still waiting to be saved belongs to the account left: it must not reach the new one as the page unloads
  void import('./kept-store')
    .then((m) => m.stopKeeping())
    .finally(() => location.reload());
}

/** Before main changes accounts: what was typed and not yet sent goes to the account it was typed in (calls reach main in order). */
async function flushTyping(): Promise<void> {
  await import('./kept-store').then((m) => m.flushKept()).catch(() => {});
}

export const useAccountsStore = create<AccountsState>((set) => {
  /** An answer with the list: kept, or its error handed back (the typed text stays in the form). */
  const take = (r: IpcResult<AccountsView>): IpcError | null => {
    if (!r.ok) return r.error;
    set({ view: r.value });
    return null;
  };
  const call = async (f: (c: NonNullable<typeof window.credits>) => Promise<IpcResult<AccountsView>>) => {
    const credits = window.credits;
    return credits ? take(await f(credits)) : NO_BRIDGE;
  };
  return {
    view: null,
    theme: 'system',
    init() {
      const credits = window.credits;
      if (!credits) return () => {};
      const offs = [credits.onAccounts((view) => set({ view })), credits.onAccountChanged(() => reloadForAccount())];
      void credits.listAccounts().then((r) => r.ok && set({ view: r.value }));
      void credits.getTheme().then((r) => r.ok && set({ theme: r.value }));
      return () => offs.forEach((off) => off());
    },
    add: (input) => flushTyping().then(() => call((c) => c.addAccount(input))),
    rename: (id, name) => call((c) => c.renameAccount({ id, name })),
    switchTo: (id) => flushTyping().then(() => call((c) => c.switchAccount({ id }))),
    signOut: (id, keep) => flushTyping().then(() => call((c) => c.signOut({ id, keep }))),
    signIn: (id, token) => flushTyping().then(() => call((c) => c.signIn(token === undefined ? { id } : { id, token }))),
    async setTheme(theme) {
      const credits = window.credits;
      if (!credits) return NO_BRIDGE;
      applyTheme(theme); // at once; main keeps it for the next start
      set({ theme });
      const r = await credits.setTheme({ theme });
      return r.ok ? null : r.error;
    },
  };
});
