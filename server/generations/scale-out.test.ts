// Three server instances on one PostgreSQL: events fan out between them (LISTEN/NOTIFY), and running runs are held by lease, voided only when their instance dies.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { defaultCatalog } from '../../shared/catalog/index';
import type { ResolvedRun } from '../../shared/rules/pricing';
import { buildApp, type CreditsApp } from '../app';
import { TestClock } from '../clock';
import { openDatabase, type Database } from '../db/open';
import { generations, ledgerEntries } from '../db/schema';
import { LocalEngine } from '../engines/local';
import { EngineRouter, enginesConfigSchema } from '../engines/router';
import { EngineError, type Engine } from '../engines/types';
import { ledgerTotals } from '../wallet/ledger';
import { freshDatabase, MIGRATIONS_DIR, PG_URL, rowsOf } from '../../test/server/helpers';
import { callAs, openEventStream, type SseEvent } from '../../test/server/fleet-calls';

const LEASE_MS = 1_000;
const HEARTBEAT_INTERVAL_MS = 200;
const SWEEP_INTERVAL_MS = 100;
/** a prompt with this marker runs for a minute (until it is stopped); every other run is instant */
const SLOW = '[slow]';
const RUN_MC = 1_000;

/** The local engine, but a minute long for prompts marked slow: one router for every instance, the prompt picks the pace. */
class SlowWhenAsked extends EngineRouter {
  /** the slow runs their instance stopped (canceled) before their minute was up */
  static readonly stopped: string[] = [];
  private readonly local60s = new LocalEngine({ latencyMs: 60_000 });
  private readonly slow: Engine = {
    name: 'local',
    run: (job) =>
      this.local60s.run(job).catch((e: unknown) => {
        if (e instanceof EngineError && e.code === 'canceled') SlowWhenAsked.stopped.push(job.generationId);
        throw e;
      }),
  };
  constructor() {
    super(enginesConfigSchema.parse({}));
  }
  override engineFor(runs: readonly ResolvedRun[]): Engine {
    return runs.some((r) => r.prompt.includes(SLOW)) ? this.slow : super.engineFor(runs);
  }
}

interface Instance {
  name: string;
  credits: CreditsApp;
  url: string;
  database: Database;
  killed: boolean;
}

const walletAt = (availableMc: number, heldMc = 0) => (e: SseEvent) => e.event === 'wallet' && e.data.wallet.availableMc === availableMc && e.data.wallet.heldMc === heldMc;

/** Ledger entries arrive in id order, each once, and a balance never arrives before the entries that explain it. */
function expectOrderedLedger(seen: SseEvent[]): void {
  let lastId = 0;
  for (const e of seen) {
    if (e.event === 'ledger') {
      expect(e.id!).toBeGreaterThan(lastId);
      lastId = e.id!;
    }
    if (e.event === 'wallet' && lastId > 0) expect(e.data.wallet.revision).toBeLessThanOrEqual(lastId);
  }
}

/** A run's status and whether its lease still holds, read in one statement in database time (as the sweeps read it). */
async function leaseNow(db: Database['db'], id: string): Promise<{ status: string; leaseHolds: boolean } | undefined> {
  const rows = await rowsOf<{ status: string; leaseHolds: boolean }>(db, sql`SELECT status, lease_expires_at_ms > (extract(epoch from clock_timestamp()) * 1000)::bigint AS "leaseHolds" FROM generations WHERE id = ${id}`);
  return rows[0];
}

// PGlite is one process with one connection: several instances, LISTEN/NOTIFY and leases between them need a real PostgreSQL.
describe.skipIf(!PG_URL)('three instances on one PostgreSQL (skipped without TEST_DATABASE_URL: PGlite cannot host several instances)', () => {
  let shared: { database: Database; drop: () => Promise<void> };
  let A: Instance, B: Instance, C: Instance;
  const adminToken = `admin-${randomBytes(8).toString('hex')}`;
  // one clock for all three, as servers synchronised by NTP share one time (leases use the database's clock regardless)
  const clock = new TestClock(Date.parse('2026-11-22T12:00:00Z'));

  async function startInstance(name: string, runnerConcurrency: number): Promise<Instance> {
    const database = await openDatabase({ databaseUrl: shared.database.connectionString!, migrationsDir: MIGRATIONS_DIR, maxConnections: 5 });
    const credits = buildApp({
      database, catalog: defaultCatalog, clock, adminToken,
      outputsDir: mkdtempSync(path.join(os.tmpdir(), `credits-outputs-${name}-`)), engines: new SlowWhenAsked(), runnerConcurrency,
      leaseMs: LEASE_MS, heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS, sweepIntervalMs: SWEEP_INTERVAL_MS, eventsReconnect: { initialDelayMs: 50, maxDelayMs: 500 },
    });
    const url = await credits.app.listen({ host: '127.0.0.1', port: 0 });
    return { name, credits, url, database, killed: false };
  }

  const call = (inst: Instance, token: string, method: string, route: string, body?: unknown) => callAs(inst.url, token, method, route, body);

  async function newAccount(inst: Instance): Promise<{ accountId: string; token: string }> {
    const r = await call(inst, adminToken, 'POST', '/admin/accounts', { displayName: 'Ada', planId: 'free' });
    expect(r.status).toBe(201);
    return r.body;
  }

  const spend = (inst: Instance, token: string, prompt: string) => call(inst, token, 'POST', '/v1/generations', { request: { modelId: 'flux-schnell', prompt }, approvedMc: RUN_MC });
  const statusOf = async (inst: Instance, token: string, id: string) => (await call(inst, token, 'GET', `/v1/generations/${id}`)).body;
  const instanceRunning = (ownerId: string | null): Instance => [A, B, C].find((i) => i.credits.instanceId === ownerId)!;
  const leaseOf = async (id: string) => (await shared.database.db.select({ ownerId: generations.ownerId, leaseExpiresAtMs: generations.leaseExpiresAtMs, status: generations.status }).from(generations).where(eq(generations.id, id)))[0]!;

  /** Conservation: every credit granted is still there, was captured, or expired. */
  async function expectConserved(accountId: string): Promise<void> {
    const t = await ledgerTotals(shared.database.db, accountId);
    const captured = (await shared.database.db.select().from(ledgerEntries).where(and(eq(ledgerEntries.accountId, accountId), eq(ledgerEntries.kind, 'capture')))).reduce((sum, e) => sum - e.amountMc, 0);
    expect(t.granted).toBe(t.remaining + captured + t.expired);
  }

  beforeAll(async () => {
    shared = await freshDatabase('postgres', 2);
    A = await startInstance('a', 1);
    B = await startInstance('b', 2);
    C = await startInstance('c', 2);
    expect(new Set([A.credits.instanceId, B.credits.instanceId, C.credits.instanceId]).size).toBe(3);
  });

  afterAll(async () => {
    for (const inst of [A, B, C]) {
      if (!inst || inst.killed) continue;
      await inst.credits.app.close();
      await inst.database.close();
    }
    await shared?.drop();
  });

  it('a spend through A reaches a stream open on C: the generation, the ledger entries, then the lower balance; A delivers its own events once', async () => {
    const { token } = await newAccount(A);
    const onC = await openEventStream(C.url, token);
    await onC.until(walletAt(60_000));
    const onA = await openEventStream(A.url, token);
    await onA.until(walletAt(60_000));

    const r = await spend(A, token, 'a lighthouse, seen from another instance');
    expect(r.status).toBe(201);
    await onC.until(walletAt(60_000 - RUN_MC));
    const ledgerOnC = onC.seen.filter((e) => e.event === 'ledger').map((e) => e.data.entry);
    expect(ledgerOnC.map((e) => e.kind)).toEqual(expect.arrayContaining(['hold', 'capture']));
    expect(ledgerOnC.every((e) => e.ref === r.body.id)).toBe(true);
    const succeededOnC = onC.seen.findIndex((e) => e.event === 'generation' && e.data.generation.id === r.body.id && e.data.generation.status === 'succeeded');
    expect(succeededOnC).toBeGreaterThan(0);
    expect(succeededOnC).toBeLessThan(onC.seen.length - 1); // before the balance that it explains

    // A second spend through B: by the time its balance reaches A, any echo of A's own first events would have arrived too.
    const second = await spend(B, token, 'and one from B');
    expect(second.status).toBe(201);
    await onA.until(walletAt(60_000 - 2 * RUN_MC));
    await onC.until(walletAt(60_000 - 2 * RUN_MC));
    const succeededOnA = onA.seen.filter((e) => e.event === 'generation' && e.data.generation.id === r.body.id && e.data.generation.status === 'succeeded');
    expect(succeededOnA).toHaveLength(1);
    expect(onA.seen.some((e) => e.event === 'generation' && e.data.generation.id === second.body.id)).toBe(true);
    for (const stream of [onA, onC]) {
      expectOrderedLedger(stream.seen);
      expect(stream.seen.filter((e) => e.event === 'ledger').map((e) => e.data.entry.kind)).toEqual(['hold', 'capture', 'hold', 'capture']);
      stream.close();
    }
  });

  it('a listener that loses its connection reconnects and re-publishes the wallet of every streamed account', async () => {
    const { token } = await newAccount(A);
    const onC = await openEventStream(C.url, token);
    await onC.until(walletAt(60_000));
    const admin = new pg.Client({ connectionString: shared.database.connectionString });
    await admin.connect();
    try {
      const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`credits-events:${C.credits.instanceId}`]);
      expect(killed.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    const before = onC.seen.length;
    await onC.until(walletAt(60_000), 5_000); // nothing changed: this is the re-publish after the reconnect
    expect(onC.seen.length).toBe(before + 1);
    await expect.poll(() => C.credits.fanout.connected).toBe(true);
    expect((await spend(A, token, 'heard after the reconnect')).status).toBe(201);
    await onC.until(walletAt(60_000 - RUN_MC));
    expectOrderedLedger(onC.seen);
    onC.close();
  });

  it("another instance's sweep never voids a live instance's run, and a cancel through another instance stops it where it runs", { timeout: 30_000 }, async () => {
    const { accountId, token } = await newAccount(A);
    const r = await spend(B, token, `${SLOW} a long run on B`);
    expect(r.status).toBe(201);
    await expect.poll(async () => (await statusOf(C, token, r.body.id)).status).toBe('running');
    const first = await leaseOf(r.body.id);
    // the fleet's queue: the instance with a free slot that claimed it first runs it (B, which accepted it, as a rule)
    const O = instanceRunning(first.ownerId);
    const [P, Q] = [A, B, C].filter((i) => i !== O) as [Instance, Instance];
    // O keeps heartbeating until its lease ends more than a whole lease after the first one would have lapsed; the others sweep every 100 ms all along
    await expect.poll(async () => (await leaseOf(r.body.id)).leaseExpiresAtMs!, { timeout: 20_000 }).toBeGreaterThan(first.leaseExpiresAtMs! + 2 * LEASE_MS);
    // and a sweep by each of them now, well past the first lease, leaves it alone
    expect(await P.credits.runner.sweep()).toBe(0);
    expect(await Q.credits.runner.sweep()).toBe(0);
    expect(await leaseOf(r.body.id)).toMatchObject({ status: 'running', ownerId: O.credits.instanceId });

    const c = await call(Q, token, 'POST', `/v1/generations/${r.body.id}/cancel`, {});
    expect(c.body).toMatchObject({ status: 'canceled', refundedMc: RUN_MC });
    // O's next heartbeat finds the run no longer its own and stops the engine (a minute long otherwise: the test's timeout comes first)
    await O.credits.runner.idle();
    expect(SlowWhenAsked.stopped).toContain(r.body.id);
    expect((await call(P, token, 'GET', '/v1/wallet')).body).toMatchObject({ availableMc: 60_000, heldMc: 0 });
    await expectConserved(accountId);
  });

  it('when an instance dies, after its lease another voids its running run and refunds it in full', async () => {
    const { accountId, token } = await newAccount(B);
    const doomed = await spend(A, token, `${SLOW} running when its instance dies`);
    expect(doomed.status).toBe(201);
    await expect.poll(async () => (await statusOf(B, token, doomed.body.id)).status).toBe('running');
    // the fleet's queue: the instance with a free slot that claimed it first runs it (A, which accepted it, as a rule)
    const X = instanceRunning((await leaseOf(doomed.body.id)).ownerId);
    const others = [A, B, C].filter((i) => i !== X);
    expect((await call(others[0]!, token, 'GET', '/v1/wallet')).body).toMatchObject({ availableMc: 60_000 - RUN_MC, heldMc: RUN_MC });

    // X dies: its database connections go first (no heartbeat, no void, no release can reach the database), then the rest of it.
    X.killed = true;
    await X.database.close();
    // X's last heartbeat was at most 200 ms ago: its lease holds for most of a second yet, and a sweep by the others leaves the run alone
    for (const other of others) expect(await other.credits.runner.sweep()).toBe(0);
    expect(await leaseNow(shared.database.db, doomed.body.id)).toEqual({ status: 'running', leaseHolds: true });
    await X.credits.app.close();

    await expect.poll(async () => (await statusOf(others[0]!, token, doomed.body.id)).status, { timeout: 10_000 }).toBe('failed');
    const g = await statusOf(others[1]!, token, doomed.body.id);
    expect(g).toMatchObject({ chargedMc: 0, refundedMc: RUN_MC, error: { code: 'interrupted' } });
    const ledger = await shared.database.db.select().from(ledgerEntries).where(and(eq(ledgerEntries.accountId, accountId), eq(ledgerEntries.ref, doomed.body.id)));
    expect(ledger.map((e) => e.kind)).toEqual(['hold', 'void']);
    expect(ledger[1]!.details).toMatchObject({ releasedMc: RUN_MC, reason: 'interrupted' });
    await expect.poll(async () => (await call(others[0]!, token, 'GET', '/v1/wallet')).body).toMatchObject({ availableMc: 60_000, heldMc: 0 });
    await expectConserved(accountId);
  });
});
