// The context every domain plugin is handed, composed: the stream bus and its fan-out between instances, the account turns, and the wallet as every answer shows it.
import type { Catalog } from '../shared/catalog/schema';
import type { Wallet } from '../shared/api/index';
import type { FastifyInstance } from 'fastify';
import { AccountTurns } from './accounts/account-queue';
import type { Clock } from './clock';
import type { Database } from './db/open';
import { findGeneration } from './generations/service';
import type { ServerContext } from './http/context';
import { walletSubscriptionOf } from './subscriptions/service';
import { withTrainingAllowance } from './training/allowance';
import { getTraining } from './training/service';
import { DomainError } from './errors';
import { WalletEvents } from './wallet/events';
import { EventFanout } from './wallet/fanout';
import type { ReconnectPolicy } from './wallet/relay';
import { readWallet } from './wallet/service';
import { OpenStreams } from './wallet/stream';

export interface ContextOptions {
  database: Database;
  catalog: Catalog;
  clock: Clock;
  instanceId: string;
  eventsReconnect?: Partial<ReconnectPolicy> | undefined;
}

/**
 * Builds the context and owns the fan-out's life on `app`: it listens before the first stream opens (onReady, before any
 * plugin's), and closes after every plugin's last event (the root's onClose runs after theirs); open streams end first.
 */
export function serverContext(app: FastifyInstance, o: ContextOptions): { ctx: ServerContext; events: WalletEvents; streams: OpenStreams; fanout: EventFanout } {
  const { database, catalog, clock } = o;
  const events = new WalletEvents();
  const streams = new OpenStreams();
  const accountTurns = new AccountTurns();
  // the wallet as every answer and stream shows it: credits, the subscription (its row read once for both) and the training allowance
  const completeWallet = async (wallet: Wallet): Promise<Wallet> => {
    const { subscription, state } = await walletSubscriptionOf(database.db, catalog, wallet);
    return withTrainingAllowance(database.db, catalog, { ...wallet, subscription }, state);
  };
  const readFullWallet = async (accountId: string) => {
    const r = await accountTurns.run(accountId, () => readWallet(database.db, accountId, catalog, () => clock.now()));
    return { wallet: await completeWallet(r.wallet), changed: r.changed };
  };
  const fanout = new EventFanout({
    events, database, instanceId: o.instanceId, log: (m) => app.log.error(m), reconnect: o.eventsReconnect,
    read: {
      wallet: readFullWallet,
      generation: (accountId, id) => findGeneration(database.db, accountId, id),
      training: (accountId, id) => getTraining(database.db, accountId, id).catch((e: unknown) => (e instanceof DomainError && e.code === 'not_found' ? null : Promise.reject(e))),
    },
  });
  const ctx: ServerContext = {
    database, db: database.db, catalog, clock, events, accountTurns, completeWallet,
    publishWallet: (accountId, wallet) => fanout.publish(accountId, { type: 'wallet', wallet }),
    publishGeneration: (accountId, generation) => fanout.publish(accountId, { type: 'generation', generation }),
    publishTraining: (accountId, training) => fanout.publish(accountId, { type: 'training', training }),
    walletChanged: (accountId) => fanout.walletChanged(accountId),
    wallet: async (accountId) => {
      const { wallet, changed } = await readFullWallet(accountId);
      if (changed) ctx.publishWallet(accountId, wallet);
      return wallet;
    },
  };
  app.addHook('onReady', () => fanout.start());
  app.addHook('preClose', async () => streams.endAll());
  app.addHook('onClose', () => fanout.close());
  return { ctx, events, streams, fanout };
}
