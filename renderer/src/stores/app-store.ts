// Catalog, runs and settings stores (zustand): fed only by window.credits calls and events.
import { create } from 'zustand';
import type { CatalogView, GenerationView, IpcError, Settings, SettingsView, Warnings } from '../../../shared/ipc/contract';
import { isSameOrNewerGeneration } from '../../../shared/api/generation-order';
import { showPageNotification } from '../features/warnings/page-notifications';

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
  saveSettings(patch: Partial<Settings>): Promise<IpcError | null>;
  dismissNotice(id: number): void;
}

const MAX_RUNS_SHOWN = 50;
let noticeId = 0;

/**
 * The runs with one update applied, by id: an update that is behind the one shown is dropped (runs only move forward), an update
 * replaces its run in place, and a new run goes above every run created before it, so replays and reconnects keep the order.
 */
export function applyRun(runs: GenerationView[], run: GenerationView): GenerationView[] {
  const shown = runs.find((r) => r.id === run.id);
  if (shown) return isSameOrNewerGeneration(run, shown) ? runs.map((r) => (r.id === run.id ? run : r)) : runs;
  const at = runs.findIndex((r) => r.createdAtMs <= run.createdAtMs);
  const next = at < 0 ? [...runs, run] : [...runs.slice(0, at), run, ...runs.slice(at)];
  return next.slice(0, MAX_RUNS_SHOWN);
}

export const useAppStore = create<AppState>((set, get) => ({
  catalogView: null,
  runs: [],
  settings: null,
  notices: [],
  warnings: { lowBalance: null, expiring: null, spendLimits: [], autoTopUp: null },
  historyVersion: 0,
  init() {
    const credits = window.credits;
    if (!credits) return () => {};
    const offs = [
      credits.onCatalogView((catalogView) => set({ catalogView })),
      // the one way runs arrive: every update, live or replayed, goes through applyRun
      credits.onGeneration((run) => set((s) => ({ runs: applyRun(s.runs, run) }))),
      credits.onNotice((n) => set((s) => ({ notices: [...s.notices.slice(-4), { id: ++noticeId, ...n }] }))),
      credits.onWarnings((warnings) => set({ warnings })),
      // in browser mode the page shows each alert as a system notification (Electron's main shows its own); the banners show it here
      credits.onAlert((alert) => {
        showPageNotification(alert, get().settings);
      }),
      credits.onHistoryChanged(() => set((s) => ({ historyVersion: s.historyVersion + 1 }))),
    ];
    void credits.getWarnings().then((r) => r.ok && set({ warnings: r.value }));
    void credits.getCatalogView().then((r) => r.ok && set({ catalogView: r.value }));
    void credits.replayGenerations(); // main sends the recent runs as generation events
    void credits.getSettings().then((r) => r.ok && set({ settings: r.value }));
    return () => offs.forEach((off) => off());
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
