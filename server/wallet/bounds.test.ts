// Bounds on amounts, sums and counts, on PGlite and PostgreSQL: no sequence of accepted requests can break an account's wallet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultCatalog } from '../../shared/catalog/index';
import { catalogSchema } from '../../shared/catalog/schema';
import { walletSchema } from '../../shared/api/index';
import { MAX_LIVE_GRANTS } from '../../shared/rules/grants';
import { MAX_BALANCE_MC, MAX_GRANT_MC } from '../../shared/rules/money';
import { estimate, MAX_RUN_MC } from '../../shared/rules/pricing';
import { insertGrant } from './service';
import { DRIVERS, startServer, type TestServer } from '../../test/server/helpers';

const MINUTE = 60_000;

describe.each(DRIVERS)('bounds on %s', (driver) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(driver);
  });
  afterAll(async () => {
    await s.close();
  });

  const grant = (accountId: string, credits: string, kind = 'bonus') => s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits, kind });
  const walletOk = async (token: string) => {
    const r = await s.as(token, 'GET', '/v1/wallet');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const w = walletSchema.parse(r.body);
    expect(w.availableMc + w.heldMc).toBe(w.grants.reduce((t, g) => t + g.remainingMc, 0));
    return w;
  };

  it('the exact reproduction: two grants of 9,007,199,254,740 credits are refused at the edge, and the wallet still reads', async () => {
    const { accountId, token } = await s.newAccount('starter');
    for (let i = 0; i < 2; i++) {
      const r = await grant(accountId, '9007199254740');
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'amount_too_large', message: 'a grant may be at most 100,000,000 credits', details: { limitMc: MAX_GRANT_MC } });
    }
    expect((await walletOk(token)).availableMc).toBe(0);
  });

  it('takes a grant of exactly the largest size, and the account up to exactly the largest balance, and not a millicredit more', async () => {
    const { accountId, token } = await s.newAccount('starter');
    expect((await grant(accountId, '100000000.001')).body.error).toMatchObject({ code: 'amount_too_large', details: { limitMc: MAX_GRANT_MC } });
    expect((await grant(accountId, '99999999999999999999999999')).body.error.code).toBe('amount_too_large');
    for (let i = 0; i < MAX_BALANCE_MC / MAX_GRANT_MC; i++) expect((await grant(accountId, '100000000')).status).toBe(201);
    const over = await grant(accountId, '0.001');
    expect(over.status).toBe(400);
    expect(over.body.error).toMatchObject({ code: 'amount_too_large', message: 'an account may hold at most 1,000,000,000 credits', details: { limitMc: MAX_BALANCE_MC } });
    expect(await walletOk(token)).toMatchObject({ availableMc: MAX_BALANCE_MC, heldMc: 0 });
    // a run on the fullest wallet settles like any other
    const r = await s.as(token, 'POST', '/v1/generations', { request: { modelId: 'flux-dev', prompt: 'rich' }, approvedMc: 4_000 });
    expect(r.status).toBe(201);
    await s.credits.runner.idle();
    expect(await walletOk(token)).toMatchObject({ availableMc: MAX_BALANCE_MC - 4_000, heldMc: 0 });
  });

  it(`refuses a grant past ${MAX_LIVE_GRANTS} grants holding credits; spent grants do not count`, async () => {
    const { accountId, token } = await s.newAccount('starter');
    const nowMs = s.clock.now();
    await s.database.db.transaction(async (tx) => {
      for (let i = 0; i < MAX_LIVE_GRANTS - 1; i++) {
        await insertGrant(tx, { accountId, kind: 'bonus', amountMc: 1, effectiveAtMs: nowMs, expiresAtMs: null, paid: false, note: null, sourceRef: `many:${i}` }, nowMs);
      }
    });
    expect((await grant(accountId, '1')).status).toBe(201);
    const r = await grant(accountId, '1');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'too_many_grants', details: { limit: MAX_LIVE_GRANTS } });
    const w = await walletOk(token);
    expect(w.grants).toHaveLength(MAX_LIVE_GRANTS);
    // spending one grant's credit frees its place
    expect((await s.as(token, 'POST', '/v1/generations', { request: { modelId: 'lucataco-ace-step', prompt: 'one' }, approvedMc: 1_000 })).status).toBe(201);
    await s.credits.runner.idle();
    expect((await grant(accountId, '1')).status).toBe(201);
  }, 120_000);

  it('refuses approvals and prices past the largest run with a 400, never a 500', async () => {
    const { accountId, token } = await s.newAccount('max');
    await grant(accountId, '10');
    for (const approvedMc of [MAX_RUN_MC + 1, Number.MAX_SAFE_INTEGER]) {
      const r = await s.as(token, 'POST', '/v1/generations', { request: { modelId: 'flux-schnell' }, approvedMc });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'amount_too_large', message: 'an approval may be at most 1,000,000,000 credits' });
    }
    expect((await s.as(token, 'POST', '/v1/generations', { request: { modelId: 'flux-schnell' }, approvedMc: MAX_RUN_MC })).status).toBe(201);
  });

  it('a catalog price that multiplies past the largest run is refused with a 400', async () => {
    const raw = structuredClone(defaultCatalog);
    const model = raw.models.find((m) => m.id === 'flux-schnell')!;
    if (model.pricing.meter !== 'image') throw new Error('flux-schnell is priced per image');
    model.pricing.mcPerImage = Number.MAX_SAFE_INTEGER;
    model.pricing.maxCount = 1000;
    const pricey = await startServer(driver, { catalog: catalogSchema.parse(raw) });
    try {
      const { token } = await pricey.newAccount('max');
      for (const count of [1, 1000]) {
        const r = await pricey.as(token, 'POST', '/v1/generations', { request: { modelId: 'flux-schnell', count }, approvedMc: 1 });
        expect(r.status).toBe(400);
        expect(r.body.error).toMatchObject({ code: 'amount_too_large', message: expect.stringMatching(/a run may cost at most 1,000,000,000 credits/) });
      }
    } finally {
      await pricey.close();
    }
  });

  it('random sequences of accepted grants and spends never make a wallet read fail', async () => {
    const amount = fc.oneof(
      fc.integer({ min: 1, max: 100_000 }).map((mc) => (mc / 1000).toFixed(3)),
      fc.integer({ min: MAX_GRANT_MC - 1000, max: MAX_GRANT_MC + 1000 }).map((mc) => (mc / 1000).toFixed(3)),
      fc.integer({ min: 4_000_000_000_000, max: 9_007_199_254_740 }).map(String), // each fits a safe integer of mc; two do not
      fc.bigInt({ min: 1n, max: 10n ** 20n }).map(String),
    );
    const step = fc.oneof(
      fc.record({ op: fc.constant('grant' as const), credits: amount, kind: fc.constantFrom('bonus', 'pack', 'adjustment'), expiresInMin: fc.option(fc.integer({ min: 1, max: 30 }), { nil: null }) }),
      fc.record({ op: fc.constant('spend' as const), modelId: fc.constantFrom('flux-schnell', 'flux-dev', 'veo-3', 'lucataco-ace-step'), approveMore: fc.boolean() }),
      fc.record({ op: fc.constant('time' as const), minutes: fc.integer({ min: 1, max: 20 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        const { accountId, token } = await s.newAccount('max');
        for (const st of steps) {
          if (st.op === 'grant') {
            const body = { credits: st.credits, kind: st.kind, ...(st.expiresInMin === null ? {} : { expiresAtMs: s.clock.now() + st.expiresInMin * MINUTE }) };
            expect([201, 400]).toContain((await s.admin('POST', `/admin/accounts/${accountId}/grants`, body)).status);
          } else if (st.op === 'spend') {
            const request = st.modelId === 'veo-3' ? { modelId: st.modelId, seconds: 8 } : { modelId: st.modelId, prompt: 'x' };
            const est = estimate(request, defaultCatalog, 'max').maxMc;
            const r = await s.as(token, 'POST', '/v1/generations', { request, approvedMc: st.approveMore ? MAX_RUN_MC : est });
            expect([201, 402]).toContain(r.status);
          } else {
            s.clock.advance(st.minutes * MINUTE);
          }
          await walletOk(token);
        }
        await s.credits.runner.idle();
        expect((await walletOk(token)).heldMc).toBe(0);
      }),
      { numRuns: 12, seed: 9007 },
    );
  }, 120_000);
});
