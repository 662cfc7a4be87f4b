// History's rows against a real server: one row per run (settled, refunded, partial, in progress, charged from two grant kinds),
// one per entry of no run; filters and paging on rows; entries that join a grouped run later; incremental grouping equals a rebuild.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ledgerEntrySchema, type LedgerEntry } from '../../shared/api/index';
import type { HistoryFilter, HistoryRow, HistoryRunRow } from '../../shared/ipc/contract';
import { CreditsApiClient } from '../../main/core/api-client';
import { HistoryStore, MAX_HISTORY } from '../../main/core/history';
import { EngineRouter, enginesConfigSchema } from '../../server/engines/router';
import type { EngineJob, EngineResult } from '../../server/engines/types';
import { startServer, type TestServer } from '../server/helpers';

const MINUTE = 60_000;
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});
const store = (identity = 'test') => new HistoryStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'credits-rows-')), 'history.json'), identity);

/** The local engine, held at a gate until the test opens it, so that a run stays held. */
function gatedEngines(): { engines: EngineRouter; open(): void } {
  const engines = new EngineRouter(enginesConfigSchema.parse({}));
  const run = engines.local.run.bind(engines.local);
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  engines.local.run = async (job: EngineJob): Promise<EngineResult> => {
    await gate;
    return run(job);
  };
  return { engines, open: () => release() };
}

async function server(engines?: EngineRouter): Promise<TestServer> {
  const s = await startServer('pglite', engines ? { engines } : {});
  closers.push(() => s.close().catch(() => {}));
  return s;
}

/** A Starter account (no trial, no daily credits) with a bonus of 3 credits expiring in 10 minutes and a pack of 20. */
async function account(s: TestServer): Promise<{ accountId: string; token: string; client: CreditsApiClient }> {
  const { accountId, token } = await s.newAccount('starter');
  for (const [credits, kind, expiresAtMs] of [['3', 'bonus', s.clock.now() + 10 * MINUTE], ['20', 'pack', null]] as const) {
    const r = await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits, kind, expiresAtMs });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
  return { accountId, token, client: new CreditsApiClient(s.url, token) };
}

async function generate(s: TestServer, token: string, request: Record<string, unknown>, approvedMc: number): Promise<string> {
  const r = await s.as(token, 'POST', '/v1/generations', { request, approvedMc });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id as string;
}

const runs = (rows: HistoryRow[]) => rows.filter((r): r is HistoryRunRow => r.type === 'run');
const page = (h: HistoryStore, f: HistoryFilter = {}, offset = 0, limit = 500) => h.query(f, offset, limit);

describe('history rows from a real server', () => {
  it('one row per run with its cost, funding, outputs and entries; one row per entry of no run; CSV still one line per entry', async () => {
    const s = await server();
    const { accountId, token, client } = await account(s);
    const twoKinds = await generate(s, token, { modelId: 'flux-dev', prompt: 'a harbor at dawn' }, 4_000);
    await s.credits.runner.idle();
    const failed = await generate(s, token, { modelId: 'flux-schnell', prompt: 'this one will [fail]' }, 1_000);
    await s.credits.runner.idle();
    const partial = await generate(s, token, { modelId: 'flux-dev', count: 2, prompt: 'two boats [partial]' }, 8_000);
    await s.credits.runner.idle();
    const h = store(s.url);
    await h.sync(client, accountId);

    const all = page(h);
    expect(all.total).toBe(5); // three runs and two grants
    expect(all.runs).toBe(3);
    expect(all.items.map((r) => (r.type === 'run' ? r.runId : r.entry.kind))).toEqual([partial, failed, twoKinds, 'grant', 'grant']);
    const [p, f, t] = runs(all.items);

    // settled, its hold pinned the bonus and the pack; charged from both kinds, in burn order
    expect(t).toMatchObject({ status: 'settled', label: 'FLUX.1 Dev', modelId: 'flux-dev', prompt: 'a harbor at dawn', chargedMc: 4_000, heldMc: 4_000, returnedMc: 0, outputCount: 1, commercialUse: true });
    expect(t!.funding).toEqual([{ kind: 'bonus', amountMc: 3_000, paid: false }, { kind: 'pack', amountMc: 1_000, paid: true }]);
    expect(t!.heldFrom).toEqual([{ kind: 'bonus', amountMc: 3_000, paid: false }, { kind: 'pack', amountMc: 1_000, paid: false }]);
    expect(h.entriesByIds(t!.entryIds).map((e) => e.kind)).toEqual(['hold', 'capture']);
    expect(t!.atMs).toBe(h.entriesByIds(t!.entryIds)[0]!.atMs); // the time of its first entry

    // refunded: nothing charged, the hold returned, the reason kept
    expect(f).toMatchObject({ status: 'refunded', chargedMc: 0, heldMc: 1_000, returnedMc: 1_000, reason: 'engine_failed', funding: [], commercialUse: null });
    expect(h.entriesByIds(f!.entryIds).map((e) => e.kind)).toEqual(['hold', 'void']);

    // partial: charged for the one image delivered, the rest released
    expect(p).toMatchObject({ status: 'partial', chargedMc: 4_000, heldMc: 8_000, returnedMc: 4_000, outputCount: 1, usage: { delivered: 1 } });
    expect(p!.funding).toEqual([{ kind: 'pack', amountMc: 4_000, paid: true }]);
    expect(h.entriesByIds(p!.entryIds).map((e) => e.kind)).toEqual(['hold', 'capture', 'release']);

    // every entry is in exactly one row, and the CSV still has one line per entry
    const ids = all.items.flatMap((r) => (r.type === 'run' ? r.entryIds : [r.entry.id])).sort((a, b) => a - b);
    expect(ids).toEqual(h.all().map((e) => e.id));
    expect(h.csv({}).trimEnd().split('\r\n')).toHaveLength(h.size + 1);
  });

  it('a run in progress shows what it holds, and becomes settled in the same row when its charge arrives later', async () => {
    const gate = gatedEngines();
    const s = await server(gate.engines);
    const { accountId, token, client } = await account(s);
    const id = await generate(s, token, { modelId: 'flux-dev', prompt: 'a slow lighthouse' }, 4_000);
    const h = store(s.url);
    await h.sync(client, accountId);
    const before = page(h);
    expect(before.items[0]).toMatchObject({ type: 'run', runId: id, status: 'held', heldMc: 4_000, chargedMc: 0, heldFrom: [{ kind: 'bonus', amountMc: 3_000 }, { kind: 'pack', amountMc: 1_000 }] });
    expect(before.items[0]!.type === 'run' && before.items[0]!.entryIds).toHaveLength(1);
    const grouping = (h as unknown as { grouping: unknown }).grouping;

    gate.open();
    await s.credits.runner.idle();
    await h.sync(client, accountId); // the capture arrives after the run was grouped
    const after = page(h);
    expect(after.total).toBe(before.total);
    expect(after.items[0]).toMatchObject({ type: 'run', runId: id, status: 'settled', chargedMc: 4_000, funding: [{ kind: 'bonus' }, { kind: 'pack' }] });
    expect(after.items[0]!.type === 'run' && after.items[0]!.entryIds).toHaveLength(2);
    // the late entry joined the grouped run: the rows were not built again
    expect((h as unknown as { grouping: unknown }).grouping).toBe(grouping);
  });
});

// ---- made-up ledgers: the shapes the server writes, in numbers a test can choose ----

const T0 = Date.parse('2026-11-01T00:00:00Z');
function ledger() {
  let id = 0;
  const at = () => T0 + id * MINUTE;
  const run = (gen: string, kind: LedgerEntry['kind'], amountMc: number, more: Record<string, unknown> = {}): LedgerEntry => {
    id++;
    return ledgerEntrySchema.parse({ id, kind, amountMc, atMs: at(), grantId: null, ref: gen, details: { generationId: gen, label: `Model ${gen}`, modelId: `m-${gen.slice(-1)}`, prompt: `prompt of ${gen}`, ...more } });
  };
  const other = (kind: LedgerEntry['kind'], amountMc: number, details: Record<string, unknown> = {}): LedgerEntry => {
    id++;
    return ledgerEntrySchema.parse({ id, kind, amountMc, atMs: at(), grantId: `g${id}`, ref: `r${id}`, details });
  };
  return { run, other };
}

describe('history rows from made-up ledgers', () => {
  it('entries of no run stay one row each; filters match a run by any of its entries; paging and totals count rows', () => {
    const { run, other } = ledger();
    const h = store();
    h.add([
      other('grant', 10_000, { grantKind: 'daily', note: 'daily credits' }), // 1
      run('gen_a', 'hold', 0, { heldMc: 2_000 }), // 2
      other('purchase', 200_000, { label: '200 credits for $1.99' }), // 3
      run('gen_a', 'capture', -2_000, { heldMc: 2_000, funding: [{ grantId: 'g1', kind: 'daily', amountMc: 2_000, paid: false }] }), // 4
      run('gen_b', 'hold', 0, { heldMc: 1_000 }), // 5
      run('gen_b', 'void', 0, { releasedMc: 1_000, reason: 'canceled' }), // 6
      other('expiry', -5_000, { grantKind: 'daily' }), // 7: an expiry of no run
      other('refund', -100_000, { note: 'refund of a purchase' }), // 8
      other('adjustment', 1_000, { note: 'support correction' }), // 9
    ]);
    const all = page(h);
    expect(all.items.map((r) => (r.type === 'run' ? r.runId : r.entry.id))).toEqual([9, 8, 7, 'gen_b', 3, 'gen_a', 1]);
    expect([all.total, all.runs]).toEqual([7, 2]);
    const ids = (f: HistoryFilter) => page(h, f).items.map((r) => (r.type === 'run' ? r.runId : r.entry.id));
    expect(ids({ kinds: ['capture'] })).toEqual(['gen_a']);
    expect(ids({ kinds: ['hold'] })).toEqual(['gen_b', 'gen_a']);
    expect(ids({ kinds: ['void', 'grant'] })).toEqual(['gen_b', 1]);
    expect(ids({ modelId: 'm-b' })).toEqual(['gen_b']);
    expect(ids({ search: 'PROMPT OF GEN_A' })).toEqual(['gen_a']);
    expect(ids({ search: 'gen_b' })).toEqual(['gen_b']); // by its run id
    expect(ids({ search: 'refund of' })).toEqual([8]);
    // a run matches a time range when one of its entries falls in it: gen_a was held before it, charged within it
    expect(ids({ fromMs: T0 + 4 * MINUTE, toMs: T0 + 5 * MINUTE })).toEqual(['gen_b', 'gen_a']);
    expect(ids({ kinds: ['hold'], fromMs: T0 + 3 * MINUTE })).toEqual(['gen_b']); // held within the range: only gen_b
    const second = page(h, {}, 2, 3);
    expect(second.items.map((r) => (r.type === 'run' ? r.runId : r.entry.id))).toEqual([7, 'gen_b', 3]);
    expect(second.total).toBe(7);
    // the CSV keeps one line per entry that matches, as before
    expect(h.csv({ kinds: ['hold'] }).trimEnd().split('\r\n')).toHaveLength(3);
  });

  it('an entry that arrives out of order joins its run; one that arrives in order joins the grouped run in place', () => {
    const { run, other } = ledger();
    const entries = [run('gen_x', 'hold', 0, { heldMc: 3_000 }), run('gen_x', 'capture', -3_000, { heldMc: 3_000 }), other('grant', 5_000), run('gen_x', 'expiry', -1_000)];
    const h = store();
    h.add([entries[0]!, entries[2]!]);
    expect(page(h).items.map((r) => r.type)).toEqual(['entry', 'run']);
    h.add([entries[1]!]); // older than the newest held: the rows are rebuilt
    h.add([entries[3]!]); // the expiry the run caused, by stream
    const rows = page(h).items;
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ type: 'run', runId: 'gen_x', status: 'settled', chargedMc: 3_000, expiredMc: 1_000, entryIds: [1, 2, 4] });
    // a run whose hold and charge were dropped (past MAX_HISTORY) and only its expiry is left has ended: it is not in progress
    h.add([run('gen_y', 'expiry', -500, { grantKind: 'pack' })]);
    expect(page(h).items[0]).toMatchObject({ type: 'run', runId: 'gen_y', status: 'settled', chargedMc: 0, expiredMc: 500 });
  });

  it('grouping entry by entry, with queries between, gives the same rows as grouping all at once, also past MAX_HISTORY', () => {
    const { run, other } = ledger();
    const all: LedgerEntry[] = [];
    // runs interleaved three at a time, a grant every 7th entry, some refunded, some still held at the end
    for (let i = 0; all.length < MAX_HISTORY + 2_500; i++) {
      const a = `gen_${i}`;
      const b = `gen_${i}b`;
      all.push(run(a, 'hold', 0, { heldMc: 2_000 }), run(b, 'hold', 0, { heldMc: 1_000 }));
      if (i % 7 === 0) all.push(other('grant', 5_000, { grantKind: 'bonus' }));
      all.push(run(a, 'capture', -1_500, { heldMc: 2_000 }), run(a, 'release', 0, { releasedMc: 500 }));
      if (i % 3 !== 0) all.push(run(b, i % 2 ? 'void' : 'capture', i % 2 ? 0 : -1_000, { releasedMc: 1_000 }));
    }
    // end the ledger so that the last trim cuts a run apart: it drops the run's hold and keeps its charge, which comes after
    // another run's hold (a rebuild places that run by its charge, after the other run)
    const cut = all.findIndex((e, i) => i > 2_000 && e.kind === 'hold' && all[i - 1]!.kind === 'hold');
    all.splice(cut + MAX_HISTORY);
    const stepwise = store();
    for (let at = 0; at < all.length; at += 7_919) {
      stepwise.add(all.slice(at, at + 7_919));
      page(stepwise, {}, 0, 50); // groups, so the next add has rows to keep up to date
    }
    const once = store();
    once.add(all.slice(-MAX_HISTORY));
    expect(stepwise.size).toBe(MAX_HISTORY);
    const a = page(stepwise, {}, 0, 500);
    const b = page(once, {}, 0, 500);
    expect([a.total, a.runs]).toEqual([b.total, b.runs]);
    expect(a.items).toEqual(b.items);
    // the oldest rows, where the trim cut runs apart
    const lastA = page(stepwise, {}, a.total - 500, 500);
    const lastB = page(once, {}, b.total - 500, 500);
    expect(lastA.items).toEqual(lastB.items);
  });
});
