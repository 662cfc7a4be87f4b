// Catalog, runs and settings stores (zustand): fed only by window.credits calls and events.
import { create } from 'zustand';
import type { CatalogView, GenerationView, IpcError, Settings, SettingsView, Warnings } from '../../../shared/ipc/contract';

export interface Notice {
  id: number;
  level: 'info' | 'warning' | 'error';
  message: string;
}

export interface AppState {
  catalogView: CatalogView | null;
  runs: GenerationView[];
  settings: SettingsView | null;
  notices: Notice[];
  warnings: Warnings;
  /** bumps whenever main's history changes, so views re-query */
  historyVersion: number;
  init(): () => void;
  upsertRun(run: GenerationView): void;
  saveSettings(patch: Partial<Settings>): Promise<IpcError | null>;
  dismissNotice(id: number): void;
}

const MAX_RUNS_SHOWN = 50;
let noticeId = 0;

export const useAppStore = create<AppState>((set, get) => ({
  catalogView: null,
  runs: [],
  settings: null,
  notices: [],
  warnings: { lowBalance: null, expiring: null },
  historyVersion: 0,
  init() {
    const credits = window.credits;
    if (!credits) return () => {};
    const offs = [
      credits.onCatalogView((catalogView) => set({ catalogView })),
      credits.onGeneration((run) => get().upsertRun(run)),
      credits.onNotice((n) => set((s) => ({ notices: [...s.notices.slice(-4), { id: ++noticeId, ...n }] }))),
      credits.onWarnings((warnings) => set({ warnings })),
      credits.onHistoryChanged(() => set((s) => ({ historyVersion: s.historyVersion + 1 }))),
    ];
    void credits.getWarnings().then((r) => r.ok && set({ warnings: r.value }));
    void credits.getCatalogView().then((r) => r.ok && set({ catalogView: r.value }));
    void credits.getRecentGenerations().then((r) => {
      if (r.ok) for (const run of [...r.value].reverse()) get().upsertRun(run);
    });
    void credits.getSettings().then((r) => r.ok && set({ settings: r.value }));
    return () => offs.forEach((off) => off());
  },
  upsertRun(run) {
    set((s) => {
      const others = s.runs.filter((r) => r.id !== run.id);
      const existing = s.runs.find((r) => r.id === run.id);
      // keep list order stable for runs already shown; new runs go on top
      const runs = existing ? s.runs.map((r) => (r.id === run.id ? run : r)) : [run, ...others];
      return { runs: runs.slice(0, MAX_RUNS_SHOWN) };
    });
  },
  async saveSettings(patch) {
    const credits = window.credits;
    if (!credits) return { code: 'no_bridge', message: 'not connected to the app' };
    const r = await credits.updateSettings(patch);
    if (!r.ok) return r.error;
    set({ settings: r.value });
    return null;
  },
  dismissNotice(id) {
    set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
  },
}));
