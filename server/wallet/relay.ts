// Tells the other server instances on one PostgreSQL that an account changed (NOTIFY, ids only), and hears them on a dedicated LISTEN connection that reconnects.
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { z } from 'zod';
import type { Db } from '../db/open';

export const EVENTS_CHANNEL = 'credits_account_events';
/** PostgreSQL refuses payloads of 8000 bytes or more; a notice carries ids only and stays far below */
export const MAX_NOTICE_BYTES = 1_000;
/** notices sent by one statement */
export const NOTIFY_BATCH = 50;
/** distinct notices waiting to be sent; more are dropped (and logged): the receivers catch up at the account's next notice */
export const MAX_OUTBOX = 2_000;

export interface ReconnectPolicy {
  /** the ceiling of the first retry's delay; each retry doubles it, with full jitter */
  initialDelayMs: number;
  maxDelayMs: number;
  /** consecutive failed attempts before giving up (logged); a success starts the count again */
  maxAttempts: number;
  connectTimeoutMs: number;
}

/** About an hour of retries at the cap before the instance gives up on hearing the others. */
export const DEFAULT_RECONNECT: ReconnectPolicy = { initialDelayMs: 250, maxDelayMs: 15_000, maxAttempts: 240, connectTimeoutMs: 10_000 };

/** What one instance tells the others: an account's wallet, or one of its generations or trainings, changed. They read the rest themselves. */
export type Notice = { accountId: string; kind: 'wallet' } | { accountId: string; kind: 'generation'; generationId: string } | { accountId: string; kind: 'training'; trainingId: string };

/** The wire form: the sender (so that it can skip its own), the account, the kind (wallet, generation, training), and the generation's or training's id. */
const wireSchema = z
  .object({ o: z.string().min(1).max(100), a: z.string().min(1).max(200), k: z.enum(['w', 'g', 't']), g: z.string().min(1).max(200).optional() })
  .strict();

function wireOf(instanceId: string, n: Notice): string {
  if (n.kind === 'wallet') return JSON.stringify({ o: instanceId, a: n.accountId, k: 'w' });
  return JSON.stringify({ o: instanceId, a: n.accountId, k: n.kind === 'generation' ? 'g' : 't', g: n.kind === 'generation' ? n.generationId : n.trainingId });
}

export interface RelayOptions {
  connectionString: string;
  db: Db;
  instanceId: string;
  /** a notice from another instance */
  onNotice(notice: Notice): void;
  /** the listening connection is back after a drop: notices sent meanwhile were missed */
  onReconnected(): void;
  log(msg: string): void;
  reconnect?: Partial<ReconnectPolicy> | undefined;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class PgRelay {
  private readonly policy: ReconnectPolicy;
  private client: pg.Client | null = null;
  private readonly lostClients = new WeakSet<pg.Client>();
  private connectedOnce = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private connecting: Promise<void> | null = null;
  /** insertion-ordered and deduplicated: a second wallet notice for an account still waiting is the same notice */
  private readonly outbox = new Set<string>();
  private sending: Promise<void> | null = null;
  private droppedNotices = 0;
  private closed = false;

  constructor(private readonly opts: RelayOptions) {
    this.policy = { ...DEFAULT_RECONNECT, ...opts.reconnect };
  }

  /** Connects and listens. A first failure does not stop the server: the relay keeps retrying in the background. */
  start(): Promise<void> {
    return this.connectOnce();
  }

  /** True while the LISTEN connection is up. */
  get listening(): boolean {
    return this.client !== null;
  }

  notify(notice: Notice): void {
    if (this.closed) return;
    const payload = wireOf(this.opts.instanceId, notice);
    if (Buffer.byteLength(payload) > MAX_NOTICE_BYTES) {
      this.opts.log(`event notice for account ${notice.accountId.slice(0, 40)} is too large to send`);
      return;
    }
    if (!this.outbox.has(payload) && this.outbox.size >= MAX_OUTBOX) {
      if (this.droppedNotices++ % 1_000 === 0) this.opts.log(`event outbox full: ${this.droppedNotices} notices dropped`);
      return;
    }
    this.outbox.add(payload);
    this.kick();
  }

  private kick(): void {
    if (this.sending || this.outbox.size === 0) return;
    this.sending = this.flush().finally(() => {
      this.sending = null;
      this.kick(); // notices made between the last batch and now
    });
  }

  /** One statement at a time, in order, so that notices leave in the order they were made. */
  private async flush(): Promise<void> {
    while (this.outbox.size > 0) {
      const batch = [...this.outbox].slice(0, NOTIFY_BATCH);
      for (const p of batch) this.outbox.delete(p);
      try {
        await this.opts.db.execute(sql`select ${sql.join(batch.map((p) => sql`pg_notify(${EVENTS_CHANNEL}, ${p})`), sql`, `)}`);
      } catch (e) {
        this.opts.log(`event notices not sent (${batch.length}): ${messageOf(e)}`);
      }
    }
  }

  private connectOnce(): Promise<void> {
    this.connecting ??= this.connect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.opts.connectionString,
      application_name: `credits-events:${this.opts.instanceId}`.slice(0, 63),
      connectionTimeoutMillis: this.policy.connectTimeoutMs,
      keepAlive: true,
    });
    client.on('error', (e) => this.lost(client, e));
    client.on('end', () => this.lost(client, new Error('the connection ended')));
    client.on('notification', (m) => {
      if (!this.lostClients.has(client)) this.receive(m);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (e) {
      this.lost(client, e);
      return;
    }
    if (this.closed || this.lostClients.has(client)) {
      if (this.closed) void client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.attempt = 0;
    if (this.connectedOnce) this.opts.onReconnected();
    this.connectedOnce = true;
  }

  private lost(client: pg.Client, e: unknown): void {
    if (this.lostClients.has(client)) return;
    this.lostClients.add(client);
    if (this.client === client) this.client = null;
    void client.end().catch(() => undefined);
    if (this.closed) return;
    this.opts.log(`event listener lost its connection: ${messageOf(e)}`);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.retryTimer || this.closed) return;
    if (this.attempt >= this.policy.maxAttempts) {
      this.opts.log(`event listener gave up after ${this.attempt} attempts: this instance no longer hears the others`);
      return;
    }
    const ceilingMs = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connectOnce();
    }, Math.round(Math.random() * ceilingMs));
    this.retryTimer.unref();
  }

  private receive(m: pg.Notification): void {
    if (m.channel !== EVENTS_CHANNEL || !m.payload || m.payload.length > MAX_NOTICE_BYTES) return;
    let raw: unknown;
    try {
      raw = JSON.parse(m.payload);
    } catch {
      return;
    }
    const parsed = wireSchema.safeParse(raw);
    if (!parsed.success) return;
    const { o, a, k, g } = parsed.data;
    if (o === this.opts.instanceId) return; // this instance delivered it to its own streams when it published it
    if (k === 'w') this.opts.onNotice({ accountId: a, kind: 'wallet' });
    else if (g && k === 'g') this.opts.onNotice({ accountId: a, kind: 'generation', generationId: g });
    else if (g) this.opts.onNotice({ accountId: a, kind: 'training', trainingId: g });
  }

  /** Stops listening and retrying; notices already made are sent first. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.connecting;
    while (this.sending) await this.sending;
    const client = this.client;
    this.client = null;
    if (client) {
      this.lostClients.add(client);
      await client.end().catch(() => undefined);
    }
  }
}
