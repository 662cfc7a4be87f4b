// What every domain plugin is handed: storage, catalog, clock, the event bus, and the shared wallet read-and-publish.
import type { Catalog } from '../../shared/catalog/schema';
import type { Generation, GenerationEvent, Training, TrainingEvent, Wallet, WalletEvent } from '../../shared/api/index';
import type { Clock } from '../clock';
import type { Database, Db } from '../db/open';

/** What an account's stream carries (wallet/events.ts names the same). */
type StreamEvent = WalletEvent | GenerationEvent | TrainingEvent;

/** The account streams' event bus (wallet/events.ts): domains publish, each open stream subscribes. */
export interface StreamBus {
  /** an unsubscribe function, or null when the account already has the most open streams it may */
  subscribe(accountId: string, listener: (event: StreamEvent) => void): (() => void) | null;
  publish(accountId: string, event: StreamEvent): void;
  accountsWithStreams(): string[];
  listenerCount(accountId: string): number;
}

/** One turn at a time per account on this instance (accounts/account-queue.ts). */
export interface AccountTurnsQueue {
  run<T>(accountId: string, fn: () => Promise<T>): Promise<T>;
}

export interface ServerContext {
  database: Database;
  db: Db;
  catalog: Catalog;
  clock: Clock;
  events: StreamBus;
  /** one turn at a time per account for work that takes its row lock, so waiting holds no database connection */
  accountTurns: AccountTurnsQueue;
  /** reads an account's wallet (materialising resets and expiries) and publishes it if the read changed anything */
  wallet(accountId: string): Promise<Wallet>;
  /** a wallet read inside another domain's transaction, completed as every answer shows it (the training allowance) */
  completeWallet(wallet: Wallet): Promise<Wallet>;
  publishWallet(accountId: string, wallet: Wallet): void;
  publishGeneration(accountId: string, generation: Generation): void;
  publishTraining(accountId: string, training: Training): void;
  /** the account's wallet changed in a way only a new read shows: every instance reads and publishes it */
  walletChanged(accountId: string): void;
  /** charges an auto top-up a run's hold bought, once that transaction committed (set by the money-in plugin) */
  chargeTopUp?: (purchaseId: string, baseUrl: string) => void;
}
