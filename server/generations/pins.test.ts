// Pinned holds on PGlite and PostgreSQL: a grant that expires under an active hold keeps the credits the hold pinned (docs/credit-rules.md §5.7).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { generationSchema, type LedgerKind } from '../../shared/api/index';
import { defaultCatalog } from '../../shared/catalog/index';
import { grants, holdPins, holds, ledgerEntries } from '../db/schema';
import { EngineRouter, enginesConfigSchema } from '../engines/router';
import type { EngineJob, EngineResult } from '../engines/types';
import { ledgerTotals } from '../wallet/ledger';
import { settleGeneration } from './service';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';

const MINUTE = 60_000;

/** The local engine, held at a gate until the test opens it: the run stays held while the test moves the clock. */
function gatedEngines(): { engines: EngineRouter; open(): void; close(): void } {
  const engines = new EngineRouter(enginesConfigSchema.parse({}));
  const run = engines.local.run.bind(engines.local);
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  engines.local.run = async (job: EngineJob): Promise<EngineResult> => {
    await gate;
    return run(job);
  };
  return {
    engines,
    open: () => release(),
    close: () => {
      gate = new Promise((r) => (release = r));
    },
  };
}

describe.each(DRIVERS)('pinned holds on %s', (driver) => {
  let s: TestServer;
  const gate = gatedEngines();
  beforeAll(async () => {
    s = await startServer(driver, { engines: gate.engines });
  });
  afterAll(async () => {
    gate.open();
    await s.close();
  });
  beforeEach(() => gate.close());
  afterEach(async () => {
    gate.open(); // a failed test must not leave its run at the gate for the next one
    await s.credits.runner.idle();
  });

  /** A Starter account (no trial, no daily credits) with the given grants: [credits, expires in ms or null, kind]. */
  async function account(grants: [string, number | null, 'bonus' | 'pack'][]) {
    const { accountId, token } = await s.newAccount('starter');
    for (const [credits, inMs, kind] of grants) {
      const r = await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits, kind, expiresAtMs: inMs === null ? null : s.clock.now() + inMs });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    return { accountId, token };
  }

  async function start(token: string, request: Record<string, unknown>, approvedMc: number) {
    const r = await s.as(token, 'POST', '/v1/generations', { request, approvedMc });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await expect.poll(async () => (await s.as(token, 'GET', `/v1/generations/${r.body.id}`)).body.status).toBe('running');
    return r.body.id as string;
  }

  async function finish(token: string, id: string) {
    gate.open();
    await s.credits.runner.idle();
    return generationSchema.parse((await s.as(token, 'GET', `/v1/generations/${id}`)).body);
  }

  const wallet = async (token: string) => (await s.as(token, 'GET', '/v1/wallet')).body;
  const ledgerOf = (accountId: string, kind: LedgerKind) => s.database.db.select().from(ledgerEntries).where(and(eq(ledgerEntries.accountId, accountId), eq(ledgerEntries.kind, kind)));

  async function conserved(accountId: string) {
    const t = await ledgerTotals(s.database.db, accountId);
    const captured = (await ledgerOf(accountId, 'capture')).reduce((sum, e) => sum - e.amountMc, 0);
    expect(t.granted).toBe(t.remaining + captured + t.expired);
  }

  it('the exact reproduction: a grant that expires under a hold keeps the held credits, and the run is charged from it', async () => {
    const { accountId, token } = await account([['4', 10 * MINUTE, 'bonus']]);
    const id = await start(token, { modelId: 'flux-dev', prompt: 'a lighthouse' }, 4_000);
    s.clock.advance(10 * MINUTE + 1);
    expect(await wallet(token)).toMatchObject({ availableMc: 0, heldMc: 4_000 });
    const g = await finish(token, id);
    expect(g).toMatchObject({ status: 'succeeded', chargedMc: 4_000, refundedMc: 0 });
    expect(g.funding).toEqual([expect.objectContaining({ kind: 'bonus', amountMc: 4_000 })]);
    expect(await wallet(token)).toMatchObject({ availableMc: 0, heldMc: 0 });
    await conserved(accountId);
  });

  it('only the unpinned remainder expires on time; the pinned credits are captured from the pinned grant, not another', async () => {
    const { accountId, token } = await account([['10', 10 * MINUTE, 'bonus'], ['10', null, 'pack']]);
    const id = await start(token, { modelId: 'flux-dev', prompt: 'a harbor' }, 4_000);
    s.clock.advance(10 * MINUTE + 1);
    expect(await wallet(token)).toMatchObject({ availableMc: 10_000, heldMc: 4_000 });
    expect((await ledgerOf(accountId, 'expiry')).map((e) => e.amountMc)).toEqual([-6_000]);
    const g = await finish(token, id);
    expect(g.funding).toEqual([expect.objectContaining({ kind: 'bonus', amountMc: 4_000 })]);
    expect(await wallet(token)).toMatchObject({ availableMc: 10_000, heldMc: 0 });
    await conserved(accountId);
  });

  it('on settle below the hold, what is left of the expired grant expires then, in the ledger after the capture', async () => {
    const { accountId, token } = await account([['8', 10 * MINUTE, 'bonus']]);
    const id = await start(token, { modelId: 'flux-dev', count: 2, prompt: 'two cats [partial]' }, 8_000);
    s.clock.advance(10 * MINUTE + 1);
    expect(await wallet(token)).toMatchObject({ availableMc: 0, heldMc: 8_000 });
    const g = await finish(token, id);
    expect(g).toMatchObject({ status: 'partial', chargedMc: 4_000, refundedMc: 4_000 });
    const entries = (await s.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId))).filter((e) => e.kind !== 'grant');
    expect(entries.map((e) => [e.kind, e.amountMc])).toEqual([['hold', 0], ['capture', -4_000], ['release', 0], ['expiry', -4_000]]);
    // every entry names the run, the expiry it caused too (History groups them into the run's row)
    expect(entries.map((e) => e.details.generationId)).toEqual([id, id, id, id]);
    expect(await wallet(token)).toMatchObject({ availableMc: 0, heldMc: 0 });
    await conserved(accountId);
  });

  it('the hold names the kind of each grant it pinned; the charge says its outputs, what was not delivered and the kinds it came from', async () => {
    const { accountId, token } = await account([['3', 10 * MINUTE, 'bonus'], ['10', null, 'pack']]);
    const id = await start(token, { modelId: 'flux-dev', count: 2, prompt: 'two boats [partial]' }, 8_000);
    const g = await finish(token, id);
    expect(g).toMatchObject({ status: 'partial', chargedMc: 4_000, refundedMc: 4_000 });
    const entries = (await s.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId))).filter((e) => e.kind !== 'grant');
    const hold = entries.find((e) => e.kind === 'hold')!;
    expect(hold.details.pins).toEqual([expect.objectContaining({ amountMc: 3_000, kind: 'bonus' }), expect.objectContaining({ amountMc: 5_000, kind: 'pack' })]);
    const capture = entries.find((e) => e.kind === 'capture')!;
    expect(capture.details).toMatchObject({ generationId: id, outputCount: 1, undelivered: 1, usage: { delivered: 1 } });
    expect(capture.details.funding).toEqual([expect.objectContaining({ kind: 'bonus', amountMc: 3_000 }), expect.objectContaining({ kind: 'pack', amountMc: 1_000 })]);
    await conserved(accountId);
  });

  it('on void the pins are released, and what is left of an expired grant expires then', async () => {
    const { accountId, token } = await account([['4', 10 * MINUTE, 'bonus'], ['10', null, 'pack']]);
    const id = await start(token, { modelId: 'flux-dev', prompt: 'please [fail]' }, 4_000);
    s.clock.advance(10 * MINUTE + 1);
    expect(await wallet(token)).toMatchObject({ availableMc: 10_000, heldMc: 4_000 });
    const g = await finish(token, id);
    expect(g).toMatchObject({ status: 'failed', chargedMc: 0, refundedMc: 4_000 });
    const entries = (await s.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId))).filter((e) => e.kind !== 'grant');
    expect(entries.map((e) => [e.kind, e.amountMc])).toEqual([['hold', 0], ['void', 0], ['expiry', -4_000]]);
    expect(entries.map((e) => e.details.generationId)).toEqual([id, id, id]);
    expect(await wallet(token)).toMatchObject({ availableMc: 10_000, heldMc: 0 });
    await conserved(accountId);
  });

  it('a capture that would overdraw its grant writes nothing: the hold, its pins, the grant and the ledger stay as they were', async () => {
    const { accountId, token } = await account([['10', null, 'pack']]);
    const id = await start(token, { modelId: 'flux-dev', prompt: 'a quay' }, 4_000);
    // the grant loses credits behind the hold's back (what a bug elsewhere would do): the capture must not take it below zero
    await s.database.db.update(grants).set({ remainingMc: 1_000 }).where(eq(grants.accountId, accountId));
    const [hold] = await s.database.db.select().from(holds).where(eq(holds.generationId, id));
    const entriesBefore = await s.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId));
    const settle = s.database.db.transaction((tx) => settleGeneration(tx, defaultCatalog, id, { usage: { delivered: 1 }, outputs: [], undelivered: 0 }, () => s.clock.now()));
    await expect(settle).rejects.toThrow(/must not be negative|would overdraw/);
    expect((await s.database.db.select().from(holds).where(eq(holds.id, hold!.id)))[0]).toMatchObject({ status: 'active', settledAtMs: null });
    expect(await s.database.db.select().from(holdPins).where(eq(holdPins.holdId, hold!.id))).toEqual([expect.objectContaining({ amountMc: 4_000 })]);
    expect((await s.database.db.select().from(grants).where(eq(grants.accountId, accountId))).map((g) => g.remainingMc)).toEqual([1_000]);
    expect(await s.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId))).toEqual(entriesBefore);
    await s.database.db.update(grants).set({ remainingMc: 10_000 }).where(eq(grants.accountId, accountId));
    expect(await finish(token, id)).toMatchObject({ status: 'succeeded', chargedMc: 4_000 });
    await conserved(accountId);
  });
});
