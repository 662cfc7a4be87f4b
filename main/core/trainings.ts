// Training jobs in main: the latest list (kept for offline), live updates from the stream, and starting (as a multipart form) and canceling jobs through the server.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { CreateTrainingBody, Training } from '../../shared/api/index';
import { trainingRefusal } from '../../shared/rules/training';
import { ApiClientError } from './api-client';
import type { CatalogStore } from './catalog-store';
import { withRetryHint } from './generations';
import { UserFacingError } from './ipc-dispatch';
import type { KeyValueStore } from './stores';
import { trainingFormOf } from './training-form';
import type { WalletSync } from './wallet-sync';

const STORE_KEY = 'trainings';
const MAX_KEPT = 50;
/** the keys of starts whose outcome is not known yet, by the job's digest */
const START_KEYS_STORE_KEY = 'trainingStartKeys';
const MAX_START_KEYS = 20;
/** a start not retried within this long is a new job if started again */
const START_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/** What the server says of an upload it cannot take now, in the user's words (the server's own for every other refusal); the wait it asks for is added. */
const TRY_AGAIN_WORDS: Record<string, string> = {
  too_many_uploads: 'Your account is already uploading as many training images as it may at once. Nothing was charged; try again shortly.',
  busy: 'The credits server is too busy to take this training now. Nothing was charged; try again shortly.',
  storage_unavailable: "The credits server's file storage is not answering, so no image was kept and nothing was charged. Try again shortly.",
};

/** The server's refusal (allowance used up, not in plan, bad images) as the user sees it, with its code and details. */
function userFacingOf(e: ApiClientError, message = e.message): UserFacingError {
  return new UserFacingError(e.serverCode ?? e.code, message, (e.details ?? undefined) as Record<string, unknown> | undefined);
}

/** A start that failed, as the user sees it: a refusal as any other; a start that can be tried later says so, and when no answer came, that a retry is safe. */
function startFailureOf(e: ApiClientError): UserFacingError {
  if (e.status === undefined && (e.code === 'offline' || e.code === 'timeout')) {
    const why = e.code === 'timeout' ? 'the credits server did not answer in time' : 'the credits server could not be reached';
    return new UserFacingError(e.code, `The training could not be confirmed: ${why}. Start it again when the server answers: the same job is sent with the same key, so it will not start or be charged twice.`);
  }
  const words = e.serverCode ? TRY_AGAIN_WORDS[e.serverCode] : undefined;
  return userFacingOf(e, withRetryHint(words ?? e.message, e.details));
}

async function userFacing<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ApiClientError) throw userFacingOf(e);
    throw e;
  }
}

/** The server answered this start for good (the job, or a refusal of it): a new start of the same job is a new job. Not so when no answer came, a 5xx, or a 429. */
const answeredForGood = (e: ApiClientError) => e.status !== undefined && e.status < 500 && e.status !== 429;

interface StartKey {
  digest: string;
  key: string;
  createdAtMs: number;
}

/**
 * The Idempotency-Key of each start whose outcome is not known (sending, or no answer came): a retry of the same job (same
 * fields, same images) is sent with the same key, so the server answers with the job it may already have started.
 * Kept in the store, so that a retry after a restart is one too; bounded in number and age.
 */
class StartKeys {
  constructor(
    private readonly store: KeyValueStore,
    private readonly now: () => number,
  ) {}

  private read(): StartKey[] {
    const saved = this.store.get(START_KEYS_STORE_KEY);
    if (!Array.isArray(saved)) return [];
    const fresh = (k: StartKey) => typeof k?.digest === 'string' && typeof k.key === 'string' && typeof k.createdAtMs === 'number' && this.now() - k.createdAtMs < START_KEY_TTL_MS;
    return (saved as StartKey[]).filter(fresh).slice(-MAX_START_KEYS);
  }

  keyFor(digest: string): string {
    const known = this.read().find((k) => k.digest === digest);
    if (known) return known.key;
    const key = `trn-${randomUUID()}`;
    this.store.set(START_KEYS_STORE_KEY, [...this.read(), { digest, key, createdAtMs: this.now() }].slice(-MAX_START_KEYS));
    return key;
  }

  forget(digest: string): void {
    this.store.set(START_KEYS_STORE_KEY, this.read().filter((k) => k.digest !== digest));
  }
}

/** Emits 'training' (Training) for every job update it accepts. */
export class TrainingsCore extends EventEmitter {
  private items = new Map<string, Training>();
  private readonly startKeys: StartKeys;

  constructor(private readonly opts: { store: KeyValueStore; sync: WalletSync; catalog: CatalogStore; now?: () => number }) {
    super();
    this.startKeys = new StartKeys(opts.store, opts.now ?? Date.now);
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

  /** Sends the job as a multipart form; a retry of a start whose outcome is not known goes with the same Idempotency-Key. */
  async start(body: CreateTrainingBody): Promise<Training> {
    this.refuseWhatThePlanExcludes(body);
    const client = this.client();
    const { form, digest } = trainingFormOf(body);
    let t: Training;
    try {
      t = await client.startTraining(form, this.startKeys.keyFor(digest));
    } catch (e) {
      if (!(e instanceof ApiClientError)) throw e;
      if (answeredForGood(e)) this.startKeys.forget(digest);
      throw startFailureOf(e);
    }
    this.startKeys.forget(digest);
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
