// One money core: on random wallets, the server's available, held, burn order and hold decisions equal what the client computes offline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eq } from 'drizzle-orm';
import { defaultCatalog } from '../../shared/catalog/index';
import { availableMc, checkHold, compareBurnOrder, InsufficientCreditsError, isInForce, type Grant } from '../../shared/rules/grants';
import { estimate } from '../../shared/rules/pricing';
import { grants, holds } from '../db/schema';
import { EngineRouter, enginesConfigSchema } from '../engines/router';
import { grantFromRow, insertGrant } from './service';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';

const DAY = 86_400_000;
const REQUEST = { modelId: 'flux-schnell', prompt: 'a lighthouse', count: 1 };

const grantArb = fc.record({
  kind: fc.constantFrom('bonus', 'pack', 'subscription', 'adjustment', 'trial' as const),
  amountCredits: fc.integer({ min: 1, max: 40 }),
  spentShare: fc.integer({ min: 0, max: 100 }),
  effectiveOffsetDays: fc.integer({ min: -30, max: 3 }),
  expiry: fc.option(fc.integer({ min: -5, max: 60 }), { nil: null }),
  priority: fc.integer({ min: 0, max: 3 }),
  paid: fc.boolean(),
});

describe.each(DRIVERS)('server and client agree on the money (%s)', (driver) => {
  let s: TestServer;
  beforeAll(async () => {
    // runs never finish during the test, so their holds stay active
    s = await startServer(driver, { engines: new EngineRouter(enginesConfigSchema.parse({ local: { latencyMs: 60_000 } })) });
  });
  afterAll(async () => {
    await s.close();
  });

  it('available, held, burn order and each hold decision, on random wallets', async () => {
    const db = s.database.db;
    let sample = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(grantArb, { maxLength: 6 }), fc.integer({ min: 0, max: 12 }), async (specs, attempts) => {
        const { accountId, token } = await s.newAccount('pro', `Sample ${++sample}`);
        const nowMs = s.clock.now();
        for (const [i, g] of specs.entries()) {
          const amountMc = g.amountCredits * 1000;
          const id = await insertGrant(db, {
            accountId, kind: g.kind, amountMc, effectiveAtMs: nowMs + g.effectiveOffsetDays * DAY, expiresAtMs: g.expiry === null ? null : nowMs + g.expiry * DAY + 1,
            paid: g.paid, note: null, sourceRef: `sample:${i}`, priority: g.priority,
          }, nowMs);
          await db.update(grants).set({ remainingMc: amountMc - Math.floor((amountMc * g.spentShare) / 100) }).where(eq(grants.id, id!));
        }
        const priceMc = estimate(REQUEST, defaultCatalog, 'pro').maxMc;
        for (let a = 0; a < attempts; a++) {
          const rows = (await db.select().from(grants).where(eq(grants.accountId, accountId))).map(grantFromRow) as Grant[];
          const held = (await db.select().from(holds).where(eq(holds.accountId, accountId))).filter((h) => h.status === 'active').map((h) => h.amountMc);
          const at = s.clock.now();
          let clientSays = true;
          try {
            checkHold(rows, held, priceMc, at);
          } catch (e) {
            if (!(e instanceof InsufficientCreditsError)) throw e;
            clientSays = false;
          }
          const r = await s.as(token, 'POST', '/v1/generations', { request: REQUEST, approvedMc: priceMc });
          expect(r.status, JSON.stringify(r.body)).toBe(clientSays ? 201 : 402);
          if (!clientSays) expect(r.body.error.details.availableMc).toBe(Math.max(0, availableMc(rows, held, at)));
        }
        const w = (await s.as(token, 'GET', '/v1/wallet')).body;
        const rows = (await db.select().from(grants).where(eq(grants.accountId, accountId))).map(grantFromRow) as Grant[];
        const held = (await db.select().from(holds).where(eq(holds.accountId, accountId))).filter((h) => h.status === 'active').map((h) => h.amountMc);
        expect(w.availableMc).toBe(availableMc(rows, held, w.serverTimeMs));
        expect(w.heldMc).toBe(held.reduce((x, y) => x + y, 0));
        expect(w.grants.map((g: Grant) => g.id)).toEqual(rows.filter((g) => isInForce(g, w.serverTimeMs)).sort(compareBurnOrder).map((g) => g.id));
      }),
      { numRuns: 12, seed: 20261126 },
    );
  });
});
