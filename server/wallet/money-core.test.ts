// One money core: on random wallets with pinned holds, the server's available, held, grants and hold decisions equal what the client computes offline from the wallet it is sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { and, eq, sql } from 'drizzle-orm';
import { defaultCatalog } from '../../shared/catalog/index';
import { walletSchema, type Wallet } from '../../shared/api/index';
import { availableMc, checkHold, compareBurnOrder, heldMc, InsufficientCreditsError, isInForce, type Grant } from '../../shared/rules/grants';
import { estimate } from '../../shared/rules/pricing';
import { grants, holdPins, holds } from '../db/schema';
import { EngineRouter, enginesConfigSchema } from '../engines/router';
import { insertGrant } from './service';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';

const DAY = 86_400_000;
const MINUTE = 60_000;
const REQUEST = { modelId: 'flux-schnell', prompt: 'a lighthouse', count: 1 };

const grantArb = fc.record({
  kind: fc.constantFrom('bonus', 'pack', 'subscription', 'adjustment', 'trial' as const),
  amountCredits: fc.integer({ min: 1, max: 40 }),
  spentShare: fc.integer({ min: 0, max: 100 }),
  effectiveOffsetDays: fc.integer({ min: -30, max: 3 }),
  /** minutes, so that some grants expire while the sample's holds are still active (their deadline is 15 minutes) */
  expiryMinutes: fc.option(fc.oneof(fc.integer({ min: -5 * 1440, max: 60 * 1440 }), fc.integer({ min: 0, max: 14 })), { nil: null }),
  priority: fc.integer({ min: 0, max: 3 }),
  paid: fc.boolean(),
});

/** Client-side: may this hold be placed, by the wallet the client was sent? */
function clientAllows(w: Wallet, priceMc: number): boolean {
  try {
    checkHold(w.grants, priceMc, w.serverTimeMs);
    return true;
  } catch (e) {
    if (!(e instanceof InsufficientCreditsError)) throw e;
    return false;
  }
}

describe.each(DRIVERS)('server and client agree on the money (%s)', (driver) => {
  let s: TestServer;
  beforeAll(async () => {
    // runs never finish during the test, so their holds stay active
    s = await startServer(driver, { engines: new EngineRouter(enginesConfigSchema.parse({ local: { latencyMs: 60_000 } })) });
  });
  afterAll(async () => {
    await s.close();
  });

  /** The account's grants as the database has them, with pins summed independently of the server's own query. */
  async function rowsOf(accountId: string): Promise<Grant[]> {
    const pins = await s.database.db.select({ grantId: holdPins.grantId, mc: sql<string>`sum(${holdPins.amountMc})` }).from(holdPins).groupBy(holdPins.grantId);
    const pinned = new Map(pins.map((p) => [p.grantId, Number(p.mc)]));
    const rows = await s.database.db.select().from(grants).where(eq(grants.accountId, accountId));
    return rows.map((r) => ({ ...r, kind: r.kind as Grant['kind'], pinnedMc: pinned.get(r.id) ?? 0 }));
  }

  /** The wallet equals the database: available, held (= Σ active holds = Σ pins) and the grants it lists, in burn order. */
  async function matchesDatabase(accountId: string, w: Wallet) {
    const rows = await rowsOf(accountId);
    const active = await s.database.db.select().from(holds).where(and(eq(holds.accountId, accountId), eq(holds.status, 'active')));
    const t = w.serverTimeMs;
    expect(w.availableMc).toBe(availableMc(rows, t));
    expect(w.heldMc).toBe(active.reduce((x, h) => x + h.amountMc, 0));
    expect(w.heldMc).toBe(heldMc(rows));
    expect(w.grants.map((g) => g.id)).toEqual(rows.filter((g) => g.effectiveAtMs <= t && (isInForce(g, t) || g.pinnedMc > 0)).sort(compareBurnOrder).map((g) => g.id));
    expect(w.availableMc + w.heldMc).toBe(w.grants.reduce((x, g) => x + g.remainingMc, 0));
  }

  it('available, held, grants, pins and each hold decision, on random wallets, before and after grants expire under holds', async () => {
    const db = s.database.db;
    let sample = 0;
    let expiredUnderHold = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(grantArb, { maxLength: 6 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 14 }), async (specs, attempts, laterMinutes) => {
        const { accountId, token } = await s.newAccount('pro', `Sample ${++sample}`);
        const nowMs = s.clock.now();
        for (const [i, g] of specs.entries()) {
          const amountMc = g.amountCredits * 1000;
          const id = await insertGrant(db, {
            accountId, kind: g.kind, amountMc, effectiveAtMs: nowMs + g.effectiveOffsetDays * DAY, expiresAtMs: g.expiryMinutes === null ? null : nowMs + g.expiryMinutes * MINUTE + 1,
            paid: g.paid, note: null, sourceRef: `sample:${i}`, priority: g.priority,
          }, nowMs);
          await db.update(grants).set({ remainingMc: amountMc - Math.floor((amountMc * g.spentShare) / 100) }).where(eq(grants.id, id!));
        }
        const priceMc = estimate(REQUEST, defaultCatalog, 'pro').maxMc;
        const read = async () => walletSchema.parse((await s.as(token, 'GET', '/v1/wallet')).body);
        for (let a = 0; a < attempts; a++) {
          const w = await read();
          const allowed = clientAllows(w, priceMc);
          const r = await s.as(token, 'POST', '/v1/generations', { request: REQUEST, approvedMc: priceMc });
          expect(r.status, JSON.stringify(r.body)).toBe(allowed ? 201 : 402);
          if (!allowed) expect(r.body.error.details.availableMc).toBe(availableMc(w.grants, w.serverTimeMs));
        }
        const before = await read();
        await matchesDatabase(accountId, before);
        // Offline, the client projects the wallet it has to a later time; the server, materialising expiries under the same holds, agrees.
        s.clock.advance(laterMinutes * MINUTE);
        const after = await read();
        await matchesDatabase(accountId, after);
        expect(after.availableMc).toBe(availableMc(before.grants, after.serverTimeMs));
        expect(after.heldMc).toBe(before.heldMc);
        if (after.grants.some((g) => !isInForce(g, after.serverTimeMs))) expiredUnderHold++;
      }),
      { numRuns: 16, seed: 20261126 },
    );
    expect(expiredUnderHold, 'samples in which a grant expired under a hold').toBeGreaterThan(0);
  });
});
