// A wallet you can trust offline, against a real server: history converges after a crash mid-sync, a dropped stream resumes with
// every entry seen once, corrupt or tampered caches and badly signed catalogs are refused, clocks, warnings, and CSV exactness.
import http from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Conf from 'conf';
import { sql } from 'drizzle-orm';
import { defaultCatalog } from '../../shared/catalog/index';
import { parseCredits } from '../../shared/rules/money';
import { LEDGER_KIND_LABELS } from '../../shared/api/labels';
import { countdown } from '../../renderer/src/lib/format';
import type { LedgerEntry } from '../../shared/api/index';
import { buildApp } from '../../server/app';
import { signCatalog, ephemeralCatalogKey } from '../../server/catalog/signing';
import { CreditsApiClient } from '../../main/core/api-client';
import { CatalogSignatureError, CatalogStore } from '../../main/core/catalog-store';
import { HistoryStore } from '../../main/core/history';
import { cacheSecret, MemoryStore, type KeyValueStore } from '../../main/core/stores';
import { WalletCache } from '../../main/core/wallet-cache';
import { WalletSync } from '../../main/core/wallet-sync';
import { WarningsCore } from '../../main/core/warnings';
import { startServer, type TestServer } from '../server/helpers';

const DAY = 86_400_000;
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'credits-trust-'));

async function server(): Promise<TestServer> {
  const s = await startServer('pglite');
  closers.push(() => s.close().catch(() => {}));
  return s;
}

function sync(s: TestServer, store: KeyValueStore = new MemoryStore(), now?: () => number): WalletSync {
  const w = new WalletSync({ serverIdentity: s.url, serverKind: 'remote', cache: new WalletCache(store), retryInitialMs: 50, retryMaxMs: 200, ...(now ? { now } : {}) });
  closers.push(() => w.stop());
  return w;
}

async function serverLedger(client: CreditsApiClient): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for (let after = 0; ; ) {
    const page = await client.ledger(after, 1000);
    out.push(...page.items);
    if (!page.hasMore) return out;
    after = page.items[page.items.length - 1]!.id;
  }
}

async function seed(s: TestServer, accountId: string, n: number): Promise<void> {
  await s.database.db.execute(
    sql.raw(`INSERT INTO ledger_entries (account_id, kind, amount_mc, ref, at_ms, details)
             SELECT '${accountId}', 'grant', g, 'seed-' || g, ${Date.now()} + g, jsonb_build_object('grantKind', 'bonus', 'note', 'seed ' || g) FROM generate_series(1, ${n}) AS g`),
  );
}

describe('history sync', () => {
  it('converges with nothing lost or repeated when the server dies mid-sync and comes back', async () => {
    const s = await server();
    const { accountId, token } = await s.newAccount();
    await seed(s, accountId, 3_500);
    const port = Number(new URL(s.url).port);
    const client = new CreditsApiClient(s.url, token);
    let pages = 0;
    const flaky = Object.create(client) as CreditsApiClient;
    flaky.ledger = async (after: number, limit: number) => {
      if (++pages === 2) await s.credits.app.close(); // the server goes away in the middle of the sync
      return client.ledger(after, limit);
    };
    const history = new HistoryStore(path.join(tmp(), 'history.json'), s.url);
    await expect(history.sync(flaky, accountId)).rejects.toThrow();
    const partial = history.size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(3_502);

    const again = buildApp({ database: s.database, catalog: defaultCatalog, clock: s.clock, adminToken: s.adminToken, outputsDir: s.outputsDir });
    await again.app.listen({ host: '127.0.0.1', port });
    closers.push(() => again.app.close());
    await history.sync(client, accountId);
    const truth = await serverLedger(client);
    expect(history.all().map((e) => e.id)).toEqual(truth.map((e) => e.id));
    expect(history.all()).toEqual(truth);
    // and the file on disk holds the same
    const reloaded = new HistoryStore((history as unknown as { file: string }).file, s.url);
    expect(reloaded.size).toBe(truth.length);
  });
});

describe('event stream', () => {
  it('a stream dropped in the middle of a burst of spends resumes with every entry seen once', async () => {
    const s = await server();
    const { accountId, token } = await s.newAccount('max');
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '500' });
    const client = new CreditsApiClient(s.url, token);
    const w = sync(s);
    w.lastLedgerId = (await serverLedger(client)).at(-1)!.id;
    const seen: number[] = [];
    w.on('ledger', (e: LedgerEntry) => seen.push(e.id));
    await w.useClient(client);
    const spend = (i: number) => s.as(token, 'POST', '/v1/generations', { request: { modelId: 'flux-schnell', prompt: `burst ${i}` }, approvedMc: 1_000 });
    for (let i = 0; i < 8; i++) await spend(i);
    await expect.poll(() => seen.length, { timeout: 5_000 }).toBeGreaterThan(3);
    s.credits.dropStreams(); // the network cuts the stream mid-burst
    for (let i = 8; i < 20; i++) await spend(i);
    s.credits.dropStreams();
    for (let i = 20; i < 25; i++) await spend(i);
    await s.credits.runner.idle();
    const truth = (await serverLedger(client)).filter((e) => e.id > Math.min(...seen) - 1);
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(truth.length);
    expect(new Set(seen).size).toBe(seen.length); // none twice
    expect(seen).toEqual(truth.map((e) => e.id)); // none missing, in order
    expect(truth.filter((e) => e.kind === 'capture')).toHaveLength(25);
  });
});

describe('the cache survives anything', () => {
  it('discards a wallet cache file that was edited or corrupted, and rebuilds it from the server', async () => {
    const s = await server();
    const { token } = await s.newAccount();
    const dir = tmp();
    const secret = cacheSecret(dir);
    const open = () => new Conf<Record<string, unknown>>({ cwd: dir, configName: 'wallet-cache', projectName: 'credits-test', clearInvalidConfig: true }) as unknown as KeyValueStore;
    const w = new WalletSync({ serverIdentity: s.url, serverKind: 'remote', cache: new WalletCache(open(), secret) });
    closers.push(() => w.stop());
    await w.useClient(new CreditsApiClient(s.url, token));
    w.stop();
    const file = path.join(dir, 'wallet-cache.json');
    expect(new WalletCache(open(), secret).load()?.wallet.availableMc).toBe(60_000);

    // tampered: someone gives themselves credits in the file
    const original = readFileSync(file, 'utf8');
    const edited = original.replace(/"availableMc":\s*60000/, '"availableMc": 999999000');
    expect(edited).not.toBe(original);
    writeFileSync(file, edited);
    expect(new WalletCache(open(), secret).load()).toBeNull();
    // corrupt: half a file
    writeFileSync(file, '{"walletCache": {"version": 1, "wal');
    expect(new WalletCache(open(), secret).load()).toBeNull();
    // another install's key cannot vouch for this cache either
    const w2 = new WalletSync({ serverIdentity: s.url, serverKind: 'remote', cache: new WalletCache(open(), secret) });
    closers.push(() => w2.stop());
    expect(w2.view.wallet).toBeNull(); // never a wrong balance shown as current
    await w2.useClient(new CreditsApiClient(s.url, token));
    expect(new WalletCache(open(), secret).load()?.wallet.availableMc).toBe(60_000); // rebuilt
    expect(new WalletCache(open(), Buffer.alloc(32, 7)).load()).toBeNull();
  });

  it('refuses a catalog with a bad signature, keeps the verified one, and takes a good one again', async () => {
    const s = await server();
    const { token } = await s.newAccount();
    const store = new MemoryStore();
    const catalog = new CatalogStore(store, s.url);
    catalog.pin(s.credits.catalogKey.publicKey);
    const good = new CreditsApiClient(s.url, token);
    expect(await catalog.sync(good, Date.now())).toBe(true);

    const forged = structuredClone(defaultCatalog);
    forged.models.find((m) => m.id === 'flux-schnell')!.name = 'Forged';
    const evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', etag: '"x"' });
      res.end(JSON.stringify({ version: 'x', issuedAtMs: 0, catalog: forged, signature: signCatalog(ephemeralCatalogKey(), forged), keyId: 'k' }));
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => evil.close(() => r())));
    const evilClient = new CreditsApiClient(`http://127.0.0.1:${(evil.address() as { port: number }).port}`, token);
    await expect(catalog.sync(evilClient, Date.now())).rejects.toBeInstanceOf(CatalogSignatureError);
    expect(catalog.get()!.models.find((m) => m.id === 'flux-schnell')!.name).toBe('FLUX.1 Schnell');

    // a cached catalog edited on disk does not verify and is dropped on load
    const cached = store.get('catalogCache') as { doc: typeof defaultCatalog };
    cached.doc.models[0]!.name = 'Edited';
    store.set('catalogCache', cached);
    const reopened = new CatalogStore(store, s.url);
    expect(reopened.get()).toBeNull();
    expect(await reopened.sync(good, Date.now())).toBe(true); // rebuilt from the server
    expect(reopened.get()!.models[0]!.name).not.toBe('Edited');
  });
});

describe('clock', () => {
  it('with the local clock a day off, countdowns in server time are still right', async () => {
    const s = await server();
    const { token } = await s.newAccount();
    const wrongNow = () => Date.now() - DAY; // this machine thinks it is yesterday
    const w = sync(s, new MemoryStore(), wrongNow);
    const v = await w.useClient(new CreditsApiClient(s.url, token, wrongNow));
    const serverNow = wrongNow() + v.clockOffsetMs;
    expect(Math.abs(serverNow - s.clock.now())).toBeLessThan(1_000);
    expect(countdown(v.wallet!.nextDailyResetMs, serverNow)).toBe(countdown(v.wallet!.nextDailyResetMs, s.clock.now()));
    expect(countdown(v.wallet!.nextDailyResetMs, serverNow)).toMatch(/^(12 h 00|11 h 5\d) min$/); // the test server's clock: just after 12:00 UTC
  });
});

describe('low-balance warning', () => {
  it('notifies once per crossing, and again only after the balance rose above the level', async () => {
    const s = await server();
    const { accountId, token } = await s.newAccount('max');
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '60' });
    const store = new MemoryStore();
    store.set('settings', { lowBalanceThresholdMc: 30_000 });
    const warnings = new WarningsCore(store);
    const notes: string[] = [];
    warnings.on('notify', (n: { body: string }) => notes.push(n.body));
    const w = sync(s);
    w.on('view', (v) => v.wallet && warnings.evaluate(v.wallet, v.source === 'live', defaultCatalog, Date.now() + v.clockOffsetMs));
    await w.useClient(new CreditsApiClient(s.url, token));
    const spend = async () => {
      await s.as(token, 'POST', '/v1/generations', { request: { modelId: 'flux-dev', count: 4, prompt: 'p' }, approvedMc: 16_000 });
      await s.credits.runner.idle();
      await w.refresh();
    };
    await spend(); // 44
    await spend(); // 28: below 30, fires
    await spend(); // 12: still below, silent
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/28 credits left, below your 30 credit warning level/);
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '30' }); // 42: above, re-armed
    await w.refresh();
    await spend(); // 26: fires again
    expect(notes).toHaveLength(2);
    expect(warnings.current.lowBalance).toMatchObject({ availableMc: 26_000, thresholdMc: 30_000 });
  });

  it('lists credits expiring within 3 days, not daily credits', async () => {
    const s = await server();
    const { accountId, token } = await s.newAccount();
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '12', kind: 'pack', expiresAtMs: s.clock.now() + 2 * DAY });
    const warnings = new WarningsCore(new MemoryStore());
    const v = await sync(s).useClient(new CreditsApiClient(s.url, token));
    warnings.evaluate(v.wallet!, true, defaultCatalog, s.clock.now());
    expect(warnings.current.expiring).toMatchObject({ totalMc: 12_000, items: [{ kind: 'pack', remainingMc: 12_000 }] });
  });
});

describe('CSV export', () => {
  it('matches the server ledger exactly, with awkward prompts quoted and formulas defused', async () => {
    const s = await server();
    const { accountId, token } = await s.newAccount('max');
    await s.admin('POST', `/admin/accounts/${accountId}/grants`, { credits: '40.125', note: 'a "quoted", note' });
    for (const prompt of ['plain', 'with, comma', 'line\nbreak', '=HYPERLINK("x")', 'fail me [fail]']) {
      await s.as(token, 'POST', '/v1/generations', { request: { modelId: 'flux-schnell', prompt }, approvedMc: 1_000 });
    }
    await s.credits.runner.idle();
    const client = new CreditsApiClient(s.url, token);
    const history = new HistoryStore(path.join(tmp(), 'h.json'), s.url);
    await history.sync(client, accountId);
    const rows = parseCsv(history.csv({}));
    const [header, ...data] = rows;
    // a stable machine column (kind, grant_kind) beside each human label (kind_label, grant_kind_label)
    expect(header).toEqual(['id', 'time_utc', 'kind', 'kind_label', 'amount_credits', 'held_or_released_credits', 'model', 'label', 'prompt', 'generation', 'grant', 'grant_kind', 'grant_kind_label', 'note', 'amount_minor', 'currency']);
    const truth = (await serverLedger(client)).reverse(); // the export is newest first
    expect(data).toHaveLength(truth.length);
    data.forEach((r, i) => {
      const e = truth[i]!;
      expect(Number(r[0])).toBe(e.id);
      expect(Date.parse(r[1]!)).toBe(e.atMs);
      expect(r[2]).toBe(e.kind);
      expect(r[3]).toBe(LEDGER_KIND_LABELS[e.kind]);
      expect(parseCredits(r[4]!, { allowNegative: true })).toBe(e.amountMc);
    });
    const prompts = data.map((r) => r[8]);
    expect(prompts).toContain('with, comma');
    expect(prompts).toContain('line\nbreak');
    expect(prompts).toContain(`'=HYPERLINK("x")`);
    expect(data.map((r) => r[13])).toContain('a "quoted", note');
    const grantRow = data.find((r) => r[13] === 'a "quoted", note')!;
    expect([grantRow[2], grantRow[3], grantRow[11], grantRow[12]]).toEqual(['grant', 'Credits added', 'bonus', 'Bonus']);
    // filtered export holds only what the filter shows
    const charges = parseCsv(history.csv({ kinds: ['capture'] })).slice(1);
    expect(charges).toHaveLength(4);
  });
});

/** RFC 4180 parser for the test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}
