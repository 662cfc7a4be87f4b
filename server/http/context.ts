// What every domain plugin is handed: storage, catalog, clock, the event bus, and the shared wallet read-and-publish.
import type { Catalog } from '../../shared/catalog/schema';
import type { Generation, Wallet } from '../../shared/api/index';
import type { Clock } from '../clock';
import type { Database, Db } from '../db/open';
import type { WalletEvents } from '../wallet/events';
import type { AccountTurns } from '../accounts/account-queue';

export interface ServerContext {
  database: Database;
  db: Db;
  catalog: Catalog;
  clock: Clock;
  events: WalletEvents;
  /** one turn at a time per account for work that takes its row lock, so waiting holds no database connection */
  accountTurns: AccountTurns;
  /** reads an account's wallet (materialising resets and expiries) and publishes it if the read changed anything */
  wallet(accountId: string): Promise<Wallet>;
  /** a wallet read inside another domain's transaction, completed as every answer shows it (the training allowance) */
  completeWallet(wallet: Wallet): Promise<Wallet>;
  publishWallet(accountId: string, wallet: Wallet): void;
  publishGeneration(accountId: string, generation: Generation): void;
  /** passes of the server's schedules (subscription renewals), run on their timers and when the test clock moves */
  sweepers: (() => Promise<void>)[];
  /** charges an auto top-up a run's hold bought, once that transaction committed (set by the money-in plugin) */
  chargeTopUp?: (purchaseId: string, baseUrl: string) => void;
}
