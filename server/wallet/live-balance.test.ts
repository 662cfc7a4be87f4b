// Live balances under load on PostgreSQL: 32 clients spend on one account while the test clock crosses midnight and a bonus's expiry.
import { describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { defaultCatalog } from '../../shared/catalog/index';
import { catalogSchema } from '../../shared/catalog/schema';
import { walletSchema, type Wallet } from '../../shared/api/index';
import { isInForce } from '../../shared/rules/grants';
import { ledgerEntries } from '../db/schema';
import { EngineRouter, enginesConfigSchema } from '../engines/router';
import { ledgerTotals } from './ledger';
import { PG_URL, startServer } from '../../test/server/helpers';

const CLIENTS = 32;
/** reads wanted on each side of each moment before the clock moves on: the test waits for them, however slow the machine */
const READS_PER_PHASE = 16;
/** how close to a moment the clock jumps, so that the moment passes while requests are in flight */
const LEAD_MS = 400;
const GIVE_UP_AFTER_MS = 90_000;
const START_MS = Date.parse('2026-11-22T23:59:00Z');
const MIDNIGHT_MS = Date.parse('2026-11-23T00:00:00Z');
const BONUS_EXPIRES_MS = Date.parse('2026-11-23T00:00:20Z');

/**
 * The default catalog with a Free plan that has daily credits but no signup credits, no run limit and every model: the test
 * measures balances, not entitlements, and most of the account's credits are in grants that expire under its holds.
 */
function loadCatalog() {
  const raw = structuredClone(defaultCatalog);
  const free = raw.plans.find((p) => p.id === 'free')!;
  free.trialMc = 0;
  free.dailyRunLimit = null;
  free.access.tiers.ga = { kind: 'full' };
  return catalogSchema.parse(raw);
}

/** What a wallet read must show, whatever else is going on: never negative, and available + held = the credits it lists at its own time. */
function checkRead(w: Wallet): string | null {
  if (w.availableMc < 0 || w.heldMc < 0) return `negative: available ${w.availableMc}, held ${w.heldMc}`;
  const listed = w.grants.reduce((s, g) => s + g.remainingMc, 0);
  if (w.availableMc + w.heldMc !== listed) return `available ${w.availableMc} + held ${w.heldMc} ≠ ${listed} listed`;
  const unpinnedInForce = w.grants.filter((g) => isInForce(g, w.serverTimeMs)).reduce((s, g) => s + g.remainingMc - g.pinnedMc, 0);
  if (w.availableMc !== unpinnedInForce) return `available ${w.availableMc} ≠ ${unpinnedInForce} unpinned in force at ${w.serverTimeMs}`;
  for (const g of w.grants) {
    if (!isInForce(g, w.serverTimeMs) && g.remainingMc !== g.pinnedMc) return `grant ${g.kind} listed out of force with ${g.remainingMc - g.pinnedMc} unpinned`;
  }
  return null;
}

describe.skipIf(!PG_URL)('live balances under load on PostgreSQL', () => {
  it('every read while the clock crosses midnight and an expiry is ≥ 0, adds up at its own time, and is no older than the ledger it reflects', async () => {
    const engines = new EngineRouter(enginesConfigSchema.parse({ local: { latencyMs: 300 } }));
    const s = await startServer('postgres', { catalog: loadCatalog(), clockMs: START_MS, maxConnections: 24, runnerConcurrency: 4, engines });
    try {
      const { accountId, token } = await s.newAccount('free');
      expect((await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '200', kind: 'bonus', expiresAtMs: BONUS_EXPIRES_MS })).status).toBe(201);
      expect((await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '20', kind: 'pack' })).status).toBe(201);
      const reads: Wallet[] = [];
      let done = false;
      const client = async (n: number) => {
        for (let i = 0; !done; i++) {
          const r = await s.as(token, 'POST', '/v1/generations', { request: { modelId: 'lucataco-ace-step', prompt: `client ${n} run ${i}` }, approvedMc: 1_000 });
          expect([201, 402, 429, 503]).toContain(r.status); // 429: the account is at its plan's limit of runs in flight
          const w = await s.as(token, 'GET', '/v1/wallet');
          expect(w.status).toBe(200);
          reads.push(walletSchema.parse(w.body));
        }
      };
      const readsFrom = (fromMs: number) => reads.filter((w) => w.serverTimeMs >= fromMs).length;
      const until = async (enough: () => boolean) => {
        const giveUp = Date.now() + GIVE_UP_AFTER_MS;
        while (!enough()) {
          if (Date.now() > giveUp) throw new Error(`too few reads in ${GIVE_UP_AFTER_MS} ms`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      /** Runs the clock through midnight and the bonus's expiry (POST /admin/clock), each just ahead of requests in flight. */
      const clock = async () => {
        try {
          await until(() => reads.length >= READS_PER_PHASE);
          for (const moment of [MIDNIGHT_MS, BONUS_EXPIRES_MS]) {
            const jump = moment - LEAD_MS - s.clock.now();
            if (jump > 0) expect((await s.admin('POST', '/admin/clock', { advanceMs: jump })).status).toBe(200);
            await until(() => readsFrom(moment) >= READS_PER_PHASE);
          }
        } finally {
          done = true;
        }
      };
      await Promise.all([clock(), ...Array.from({ length: CLIENTS }, (_, n) => client(n))]);
      expect(s.clock.now()).toBeGreaterThan(BONUS_EXPIRES_MS);

      const bad = reads.map(checkRead).filter((x) => x !== null);
      expect(bad.slice(0, 5), `${bad.length} of ${reads.length} reads were wrong`).toEqual([]);
      // A read is as of its own time: nothing in the ledger it reflects (the entries up to its revision) happened after it.
      const entries = await s.database.db.select({ id: ledgerEntries.id, atMs: ledgerEntries.atMs }).from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId)).orderBy(ledgerEntries.id);
      const latestUpTo = (revision: number) => Math.max(0, ...entries.filter((e) => e.id <= revision).map((e) => e.atMs));
      const early = reads.filter((w) => latestUpTo(w.revision) > w.serverTimeMs);
      expect(early.length, `${early.length} reads are dated before entries they reflect`).toBe(0);
      // the reads straddle both moments, and runs held credits of the grants that expired
      expect(reads.filter((w) => w.serverTimeMs < MIDNIGHT_MS).length).toBeGreaterThan(0);
      expect(reads.filter((w) => w.serverTimeMs >= MIDNIGHT_MS && w.serverTimeMs < BONUS_EXPIRES_MS).length).toBeGreaterThan(0);
      expect(reads.filter((w) => w.serverTimeMs >= BONUS_EXPIRES_MS).length).toBeGreaterThan(0);
      expect(reads.some((w) => w.grants.some((g) => g.pinnedMc > 0 && !isInForce(g, w.serverTimeMs)))).toBe(true);

      await s.credits.runner.idle();
      const last = walletSchema.parse((await s.as(token, 'GET', '/v1/wallet')).body);
      expect(last.heldMc).toBe(0);
      const t = await ledgerTotals(s.database.db, accountId);
      const captured = (await s.database.db.select().from(ledgerEntries).where(and(eq(ledgerEntries.accountId, accountId), eq(ledgerEntries.kind, 'capture')))).reduce((sum, e) => sum - e.amountMc, 0);
      expect(t.granted).toBe(t.remaining + captured + t.expired);
    } finally {
      await s.close();
    }
  }, 120_000);
});
