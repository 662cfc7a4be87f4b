// Delivers account events (wallet, generations, trainings' progress) to every open stream: this instance's at once, and on PostgreSQL the other instances' through the relay, which re-read what changed.
import type { Generation, Training, Wallet } from '../../shared/api/index';
import type { Database } from '../db/open';
import type { StreamEvent, WalletEvents } from './events';
import { PgRelay, type Notice, type ReconnectPolicy } from './relay';

/** reads of one account run at most this many at a time */
export const REFRESH_CONCURRENCY = 4;
/** accounts waiting for a read; notices for more are dropped until the backlog shrinks */
export const MAX_PENDING_ACCOUNTS = 10_000;
/** generations of one account waiting for a read; past that only the wallet is refreshed */
export const MAX_PENDING_GENERATIONS_PER_ACCOUNT = 50;
/** trainings of one account waiting for a read; past that the rest wait for their next step */
export const MAX_PENDING_TRAININGS_PER_ACCOUNT = 20;
/** generation and training states remembered so that a notice that changes nothing is not delivered twice */
export const MAX_REMEMBERED_GENERATIONS = 2_000;

export interface FanoutReaders {
  /** reads the wallet, materialising what is due; `changed` when the read itself wrote something the others should hear of */
  wallet(accountId: string): Promise<{ wallet: Wallet; changed: boolean }>;
  /** null when there is no such generation for that account */
  generation(accountId: string, generationId: string): Promise<Generation | null>;
  /** null when there is no such training for that account */
  training(accountId: string, trainingId: string): Promise<Training | null>;
}

export interface FanoutOptions {
  events: WalletEvents;
  database: Database;
  instanceId: string;
  read: FanoutReaders;
  log(msg: string): void;
  reconnect?: Partial<ReconnectPolicy> | undefined;
}

interface Pending {
  wallet: boolean;
  generations: Set<string>;
  trainings: Set<string>;
}

export class EventFanout {
  private readonly relay: PgRelay | null;
  /** insertion-ordered: the account waiting longest is read first */
  private readonly pending = new Map<string, Pending>();
  /** accounts being read now: one read at a time per account keeps its events in order */
  private readonly busy = new Set<string>();
  private readonly delivered = new Map<string, string>();
  private droppedAccounts = 0;

  constructor(private readonly opts: FanoutOptions) {
    const { database } = opts;
    // PGlite is one process: the in-process bus reaches every stream there is.
    this.relay =
      database.kind === 'postgres' && database.connectionString
        ? new PgRelay({
            connectionString: database.connectionString,
            db: database.db,
            instanceId: opts.instanceId,
            log: opts.log,
            reconnect: opts.reconnect,
            onNotice: (n) => this.heard(n),
            onReconnected: () => {
              for (const accountId of opts.events.accountsWithStreams()) this.mark(accountId, null);
            },
          })
        : null;
  }

  start(): Promise<void> {
    return this.relay?.start() ?? Promise.resolve();
  }

  /** True when events reach the other instances (PostgreSQL, listening); always true on PGlite, where there are none. */
  get connected(): boolean {
    return this.relay ? this.relay.listening : true;
  }

  /** An event made here: this instance's streams get it as is, the other instances a notice to read it. */
  publish(accountId: string, event: StreamEvent): void {
    this.opts.events.publish(accountId, event);
    // the others read the generation or training (its progress) themselves; a wallet notice for a wallet
    if (event.type === 'generation') this.relay?.notify({ accountId, kind: 'generation', generationId: event.generation.id });
    else if (event.type === 'training') this.relay?.notify({ accountId, kind: 'training', trainingId: event.training.id });
    else this.relay?.notify({ accountId, kind: 'wallet' });
  }

  /** The account's credits moved here but nobody read its wallet yet: read it for the streams here, and tell the others. */
  walletChanged(accountId: string): void {
    this.relay?.notify({ accountId, kind: 'wallet' });
    if (this.opts.events.listenerCount(accountId) > 0) this.mark(accountId, null);
  }

  private heard(n: Notice): void {
    if (this.opts.events.listenerCount(n.accountId) === 0) return; // no stream here for that account
    if (n.kind === 'training') this.markTraining(n.accountId, n.trainingId);
    else this.mark(n.accountId, n.kind === 'generation' ? n.generationId : null);
  }

  private pendingOf(accountId: string): Pending | null {
    let p = this.pending.get(accountId);
    if (!p) {
      if (this.pending.size >= MAX_PENDING_ACCOUNTS) {
        if (this.droppedAccounts++ % 1_000 === 0) this.opts.log(`event refresh backlog full: ${this.droppedAccounts} notices dropped`);
        return null;
      }
      p = { wallet: false, generations: new Set(), trainings: new Set() };
      this.pending.set(accountId, p);
    }
    return p;
  }

  /** A training's progress to read; a training's step past the bound is dropped (its next step brings it). */
  private markTraining(accountId: string, trainingId: string): void {
    const p = this.pendingOf(accountId);
    if (!p) return;
    if (p.trainings.size < MAX_PENDING_TRAININGS_PER_ACCOUNT) p.trainings.add(trainingId);
    this.pump();
  }

  /** Notes what to read for an account; notices that arrive while it waits fold into one read. */
  private mark(accountId: string, generationId: string | null): void {
    const p = this.pendingOf(accountId);
    if (!p) return;
    if (generationId !== null && p.generations.size < MAX_PENDING_GENERATIONS_PER_ACCOUNT) p.generations.add(generationId);
    else p.wallet = true;
    this.pump();
  }

  private pump(): void {
    while (this.busy.size < REFRESH_CONCURRENCY) {
      let next: string | undefined;
      for (const accountId of this.pending.keys()) {
        if (!this.busy.has(accountId)) {
          next = accountId;
          break;
        }
      }
      if (next === undefined) return;
      const accountId = next;
      const work = this.pending.get(accountId)!;
      this.pending.delete(accountId);
      this.busy.add(accountId);
      void this.refresh(accountId, work)
        .catch((e: unknown) => this.opts.log(`event refresh for ${accountId.slice(0, 40)} failed: ${e instanceof Error ? e.message : String(e)}`))
        .finally(() => {
          this.busy.delete(accountId);
          this.pump();
        });
    }
  }

  /** Reads the current state and delivers it here: generations first, then the wallet (whose delivery flushes the ledger). */
  private async refresh(accountId: string, work: Pending): Promise<void> {
    const { events, read } = this.opts;
    for (const id of work.generations) {
      if (events.listenerCount(accountId) === 0) return;
      const generation = await read.generation(accountId, id);
      if (generation && this.firstDelivery(`g:${generation.id}`, `${generation.status}:${generation.progressPct}:${generation.finishedAtMs ?? ''}:${generation.outputs.length}`)) {
        events.publish(accountId, { type: 'generation', generation });
      }
    }
    for (const id of work.trainings) {
      if (events.listenerCount(accountId) === 0) return;
      const training = await read.training(accountId, id);
      if (training && this.firstDelivery(`t:${training.id}`, `${training.status}:${training.progressPct}:${training.finishedAtMs ?? ''}`)) events.publish(accountId, { type: 'training', training });
    }
    if (!work.wallet || events.listenerCount(accountId) === 0) return;
    const { wallet, changed } = await read.wallet(accountId);
    events.publish(accountId, { type: 'wallet', wallet });
    if (changed) this.relay?.notify({ accountId, kind: 'wallet' });
  }

  /** False when this exact state of the generation or training was delivered here already (two notices, one change). */
  private firstDelivery(id: string, state: string): boolean {
    if (this.delivered.get(id) === state) return false;
    this.delivered.delete(id);
    this.delivered.set(id, state);
    if (this.delivered.size > MAX_REMEMBERED_GENERATIONS) this.delivered.delete(this.delivered.keys().next().value!);
    return true;
  }

  close(): Promise<void> {
    return this.relay?.close() ?? Promise.resolve();
  }
}
