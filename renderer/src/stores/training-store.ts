// Training jobs (zustand): the list from main (live or kept), and every update main pushes.
import { create } from 'zustand';
import type { CreateTrainingBody, Training } from '../../../shared/api/index';
import type { IpcError } from '../../../shared/ipc/contract';

export interface TrainingState {
  items: Training[];
  source: 'live' | 'cache' | null;
  init(): () => void;
  load(): Promise<void>;
  start(body: CreateTrainingBody): Promise<IpcError | null>;
  cancel(id: string): Promise<IpcError | null>;
}

const order = (x: Training) => (x.status === 'queued' ? 0 : x.status === 'running' ? 1 : 2) * 1000 + x.progressPct;

export function applyTraining(items: Training[], t: Training): Training[] {
  const shown = items.find((x) => x.id === t.id);
  if (shown) return order(t) >= order(shown) ? items.map((x) => (x.id === t.id ? t : x)) : items;
  return [t, ...items].sort((a, b) => b.createdAtMs - a.createdAtMs).slice(0, 50);
}

export const useTrainingStore = create<TrainingState>((set, get) => ({
  items: [],
  source: null,
  init() {
    const credits = window.credits;
    if (!credits) return () => {};
    const off = credits.onTraining((t) => set((s) => ({ items: applyTraining(s.items, t) })));
    void get().load();
    return off;
  },
  async load() {
    const r = await window.credits?.listTrainings();
    if (r?.ok) set((s) => ({ items: r.value.items.reduce(applyTraining, s.items), source: r.value.source }));
  },
  async start(body) {
    const r = await window.credits?.startTraining(body);
    if (!r) return { code: 'no_bridge', message: 'not connected to the app' };
    if (!r.ok) return r.error;
    set((s) => ({ items: applyTraining(s.items, r.value) }));
    return null;
  },
  async cancel(id) {
    const r = await window.credits?.cancelTraining({ id });
    if (!r) return { code: 'no_bridge', message: 'not connected to the app' };
    return r.ok ? null : r.error;
  },
}));
