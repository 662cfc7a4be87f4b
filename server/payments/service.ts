// Payment events in: one transaction records the provider's event id (a replay finds it and changes nothing) and applies the event.
import { paymentEvents } from '../db/schema';
import type { Db, Tx } from '../db/open';
import type { PaymentEvent } from './provider';

/** What applying an event did: the account whose wallet to publish, and provider calls to make once it is committed (refunds). */
export interface EventOutcome {
  accountId: string | null;
  after: (() => Promise<void>)[];
}

export type EventHandler = (tx: Tx, event: PaymentEvent, nowMs: number) => Promise<EventOutcome>;

/**
 * Applies an event exactly once per (provider, event id). Concurrent deliveries of one event wait on the key's primary key: the
 * first commits, the others then find it and answer duplicate. The handler dedupes by payment id under the purchase's lock.
 */
export async function receiveEvent(db: Db, provider: string, event: PaymentEvent, handler: EventHandler, nowMs: number): Promise<{ duplicate: boolean; outcome: EventOutcome | null }> {
  return db.transaction(async (tx) => {
    const inserted = await tx.insert(paymentEvents).values({ provider, eventId: event.eventId, type: event.kind, receivedAtMs: nowMs }).onConflictDoNothing().returning({ eventId: paymentEvents.eventId });
    if (inserted.length === 0) return { duplicate: true, outcome: null };
    return { duplicate: false, outcome: await handler(tx, event, nowMs) };
  });
}
