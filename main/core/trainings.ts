// Training jobs in main: the latest list (kept for offline), live updates from the stream, and starting and canceling jobs through the server.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { CreateTrainingBody, Training } from '../../shared/api/index';
import { trainingRefusal } from '../../shared/rules/training';
import { ApiClientError } from './api-client';
import type { CatalogStore } from './catalog-store';
import { UserFacingError } from './ipc-dispatch';
import type { KeyValueStore } from './stores';
import type { WalletSync } from './wallet-sync';

const STORE_KEY = 'trainings';
const MAX_KEPT = 50;

/** The server's refusal (allowance used up, not in plan, bad images) as the user sees it, with its code and details. */
async function userFacing<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ApiClientError) throw new UserFacingError(e.serverCode ?? e.code, e.message, (e.details ?? undefined) as Record<string, unknown> | undefined);
    throw e;
  }
}

/** Emits 'training' (Training) for every job update it accepts. */
export class TrainingsCore extends EventEmitter {
  private items = new Map<string, Training>();

  constructor(private readonly opts: { store: KeyValueStore; sync: WalletSync; catalog: CatalogStore }) {
    super();
    const saved = opts.store.get(STORE_KEY);
    if (Array.isArray(saved)) for (const t of saved as Training[]) this.items.set(t.id, t);
  }

  list(): Training[] {
    return [...this.items.values()].sort((a, b) => b.createdAtMs - a.createdAtMs).slice(0, MAX_KEPT);
  }

  /** A job update (stream or answer): kept if it is new or further along. */
  track(t: Training): void {
    const shown = this.items.get(t.id);
    const rank = (x: Training) => (x.status === 'queued' ? 0 : x.status === 'running' ? 1 : 2) * 1000 + x.progressPct;
    if (shown && rank(shown) > rank(t)) return;
    this.items.set(t.id, t);
    this.opts.store.set(STORE_KEY, this.list());
    this.emit('training', t);
  }

  private client() {
    const c = this.opts.sync.client;
    if (!c || this.opts.sync.view.connection !== 'online') throw new UserFacingError('offline', "You're offline. Training needs the credits server.");
    return c;
  }

  /** The list from the server when online, else the saved one. */
  async refresh(): Promise<{ items: Training[]; source: 'live' | 'cache' }> {
    const c = this.opts.sync.client;
    if (!c || this.opts.sync.view.connection !== 'online') return { items: this.list(), source: 'cache' };
    for (const t of (await c.trainings()).items) this.track(t);
    return { items: this.list(), source: 'live' };
  }

  /**
   * The pre-flight, as a run's: what the plan does not include (training for credits, or an allowance) is refused before sending,
   * by the shared rule on the synced catalog and the wallet's plan. Without either yet, the server decides.
   */
  private refuseWhatThePlanExcludes(body: CreateTrainingBody): void {
    const catalog = this.opts.catalog.get();
    const wallet = this.opts.sync.view.wallet;
    if (!catalog || !wallet) return;
    const refusal = trainingRefusal(catalog, wallet.planId, body.modelId ? 'credits' : 'allowance');
    if (refusal) throw new UserFacingError(refusal.code, refusal.message);
  }

  async start(body: CreateTrainingBody): Promise<Training> {
    this.refuseWhatThePlanExcludes(body);
    const t = await userFacing(() => this.client().startTraining(body, `trn-${randomUUID()}`));
    this.track(t);
    void this.opts.sync.refresh().catch(() => {}); // the allowance or the hold shows in the wallet
    return t;
  }

  async cancel(id: string): Promise<Training> {
    const t = await userFacing(() => this.client().cancelTraining(id, `trn-cancel-${randomUUID()}`));
    this.track(t);
    void this.opts.sync.refresh().catch(() => {});
    return t;
  }
}
