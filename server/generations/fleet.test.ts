// Three instances on one PostgreSQL share one run queue: a provider's concurrency and per-minute budget hold fleet-wide, the fair order and places are the fleet's, and a dead instance's waiting runs start elsewhere.
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { defaultCatalog } from '../../shared/catalog/index';
import { estimate } from '../../shared/rules/pricing';
import { buildApp, type CreditsApp } from '../app';
import { TestClock } from '../clock';
import { openDatabase, type Database } from '../db/open';
import { generations, ledgerEntries } from '../db/schema';
import { EngineRouter, enginesConfigSchema } from '../engines/router';
import type { EngineLimits } from '../engines/types';
import { pngImage } from '../engines/media';
import { ledgerTotals } from '../wallet/ledger';
import { freshDatabase, MIGRATIONS_DIR, PG_URL } from '../../test/server/helpers';
import { callAs, openEventStream } from '../../test/server/fleet-calls';

/** prompts with this marker are held by the provider until the test lets them go */
const HOLD = '[hold]';
const FINAL_MC = 7_000; // 19 tokens: one block of gpt-4o

/** A stand-in OpenAI-compatible provider that counts the requests it serves at once and notes when each arrived. */
function provider(): Promise<{ url: string; peak: number; now: number; arrivals: string[]; delayMs: number; letGo(): void; close(): Promise<void> }> {
  const held: (() => void)[] = [];
  const state = { url: '', peak: 0, now: 0, arrivals: [] as string[], delayMs: 0, letGo: () => held.splice(0).forEach((f) => f()), close: async () => {} };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}');
      const prompt: string = body.prompt ?? body.messages?.[0]?.content ?? '';
      state.arrivals.push(prompt);
      state.peak = Math.max(state.peak, ++state.now);
      let done = false;
      const answer = () => {
        if (done) return;
        done = true;
        state.now--;
        if (res.destroyed) return;
        const image = { data: Array.from({ length: body.n ?? 1 }, () => ({ b64_json: pngImage(8, 8, 1).toString('base64') })) };
        const text = { choices: [{ message: { content: 'ok' } }], usage: { prompt_tokens: 12, completion_tokens: 7 } };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.url === '/v1/images/generations' ? image : text));
      };
      res.on('close', answer); // the caller gave up (its instance stopped): no longer at the provider
      if (prompt.includes(HOLD)) held.push(answer);
      else setTimeout(answer, state.delayMs);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
      state.close = () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));
      resolve(state);
    }),
  );
}

/** One engines file for every instance; the test sets the provider's limits (a short per-minute window rather than a real minute). */
class TunableRouter extends EngineRouter {
  limits: EngineLimits = { concurrency: 4, perMinute: null, fleetWide: true };
  override limitsOf(engine: string): EngineLimits {
    return engine === 'openai' ? this.limits : super.limitsOf(engine);
  }
}

interface Instance {
  credits: CreditsApp;
  url: string;
  database: Database;
  killed: boolean;
}

describe.skipIf(!PG_URL)('one run queue for three instances on one PostgreSQL (skipped without TEST_DATABASE_URL)', () => {
  let shared: { database: Database; drop: () => Promise<void> };
  let p: Awaited<ReturnType<typeof provider>>;
  let engines: TunableRouter;
  let fleet: Instance[] = [];
  const adminToken = `admin-${randomBytes(8).toString('hex')}`;
  const clock = new TestClock(Date.parse('2026-11-22T12:00:00Z'));

  async function startInstance(name: string): Promise<Instance> {
    const database = await openDatabase({ databaseUrl: shared.database.connectionString!, migrationsDir: MIGRATIONS_DIR, maxConnections: 6 });
    const credits = buildApp({
      database, catalog: defaultCatalog, clock, adminToken, engines, outputsDir: mkdtempSync(path.join(os.tmpdir(), `credits-fleet-${name}-`)),
      leaseMs: 1_000, heartbeatIntervalMs: 200, sweepIntervalMs: 200,
    });
    return { credits, url: await credits.app.listen({ host: '127.0.0.1', port: 0 }), database, killed: false };
  }

  const call = (inst: Instance, token: string, method: string, route: string, body?: unknown) => callAs(inst.url, token, method, route, body);

  async function newAccount(planId: string): Promise<{ accountId: string; token: string }> {
    const r = await call(fleet[0]!, adminToken, 'POST', '/admin/accounts', { displayName: 'Ada', planId });
    expect(r.status).toBe(201);
    expect((await call(fleet[0]!, adminToken, 'POST', `/admin/accounts/${r.body.accountId}/grants`, { credits: '500' })).status).toBe(201);
    return r.body;
  }

  /** Sends a run to the provider (text, or an image for plans without text models); its id. */
  async function send(inst: Instance, token: string, planId: string, prompt: string, modelId = 'gpt-4o'): Promise<string> {
    const request = modelId === 'gpt-4o' ? { modelId, prompt, maxOutputTokens: 100 } : { modelId, prompt };
    const r = await call(inst, token, 'POST', '/v1/generations', { request, approvedMc: estimate(request, defaultCatalog, planId).maxMc });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  }

  /** The generation events an account's stream on an instance delivers, kept as they arrive. */
  /** The generations an account's stream on an instance delivers, as they arrive. */
  async function generationEvents(inst: Instance, token: string): Promise<{ generations(): any[]; close(): void }> {
    const stream = await openEventStream(inst.url, token);
    return { generations: () => stream.seen.filter((e) => e.event === 'generation').map((e) => e.data.generation), close: stream.close };
  }

  const rowsOf = (ids: string[]) => shared.database.db.select().from(generations).where(inArray(generations.id, ids));
  const settled = async (ids: string[]) => (await rowsOf(ids)).filter((g) => g.status === 'succeeded').length;

  /** Conservation: every credit granted is still there, was captured, or expired; and nothing is held. */
  async function expectConserved(accountId: string, capturedMc: number): Promise<void> {
    const t = await ledgerTotals(shared.database.db, accountId);
    const captured = (await shared.database.db.select().from(ledgerEntries).where(and(eq(ledgerEntries.accountId, accountId), eq(ledgerEntries.kind, 'capture')))).reduce((sum, e) => sum - e.amountMc, 0);
    expect(captured).toBe(capturedMc);
    expect(t.granted).toBe(t.remaining + captured + t.expired);
  }

  beforeAll(async () => {
    shared = await freshDatabase('postgres', 2);
    p = await provider();
    engines = new TunableRouter(enginesConfigSchema.parse({ openai: { baseUrl: p.url, apiKey: 'sk-test', timeoutMs: 30_000 }, routes: { openai: ['gpt-4o', 'flux-schnell'] } }));
    fleet = await Promise.all(['a', 'b', 'c'].map(startInstance));
  });

  afterAll(async () => {
    p?.letGo();
    for (const inst of fleet) {
      if (inst.killed) continue;
      await inst.credits.app.close();
      await inst.database.close();
    }
    await p?.close();
    await shared?.drop();
  });

  it('36 runs sent 12 to each instance: the provider never serves more than its maxConcurrent at once, and all settle', { timeout: 60_000 }, async () => {
    engines.limits = { concurrency: 4, perMinute: null, fleetWide: true };
    p.delayMs = 1_000;
    p.peak = 0;
    const accounts = await Promise.all(Array.from({ length: 12 }, () => newAccount('pro')));
    const ids = (await Promise.all(accounts.flatMap((a, i) => [0, 1, 2].map((k) => send(fleet[(i + k) % 3]!, a.token, 'pro', `run ${i}.${k}`))))).flat();
    expect(ids).toHaveLength(36);
    await expect.poll(() => settled(ids), { timeout: 40_000, interval: 200 }).toBe(36);
    expect(p.peak).toBe(4);
    for (const a of accounts) await expectConserved(a.accountId, 3 * FINAL_MC);
  });

  it('a per-minute budget holds across the fleet: never more starts in any window than the budget', { timeout: 60_000 }, async () => {
    engines.limits = { concurrency: 10, perMinute: 3, fleetWide: true, windowMs: 1_500 };
    p.delayMs = 20;
    const accounts = await Promise.all([0, 1, 2].map(() => newAccount('pro')));
    const ids = await Promise.all(accounts.flatMap((a, i) => fleet.map((inst, k) => send(inst, a.token, 'pro', `budget ${i}.${k}`))));
    await expect.poll(() => settled(ids), { timeout: 30_000, interval: 200 }).toBe(9);
    const starts = (await rowsOf(ids)).map((g) => g.engineClaimedAtMs!).sort((x, y) => x - y);
    for (const t of starts) expect(starts.filter((u) => u > t - 1_500 && u <= t).length).toBeLessThanOrEqual(3);
    expect(starts[8]! - starts[0]!).toBeGreaterThanOrEqual(2 * 1_500);
  });

  it('the fleet is one fair queue: a Max run waiting on one instance starts before a Free run waiting on another, and places are the fleet\'s', { timeout: 30_000 }, async () => {
    engines.limits = { concurrency: 1, perMinute: null, fleetWide: true };
    p.delayMs = 0;
    const [A, B, C] = fleet as [Instance, Instance, Instance];
    const blocker = await newAccount('pro');
    const free = await newAccount('free');
    const max = await newAccount('max');
    const seen = p.arrivals.length;
    await send(A, blocker.token, 'pro', `${HOLD} the one slot`);
    await expect.poll(() => p.arrivals.length).toBe(seen + 1);
    const freeId = await send(B, free.token, 'free', 'free run', 'flux-schnell');
    const onA = await generationEvents(A, free.token);
    expect((await call(A, free.token, 'GET', `/v1/generations/${freeId}`)).body.queue.ahead).toBe(0);
    const maxId = await send(C, max.token, 'max', 'max run', 'flux-schnell');
    // each instance answers with the fleet's order, whichever it is asked through
    expect((await call(A, free.token, 'GET', `/v1/generations/${freeId}`)).body.queue.ahead).toBe(1);
    expect((await call(B, max.token, 'GET', `/v1/generations/${maxId}`)).body.queue.ahead).toBe(0);
    // and the free run's owner, streaming on A (neither accepted run came through A), is told its new place
    await expect.poll(() => onA.generations().find((g) => g.id === freeId && g.queue?.ahead === 1), { timeout: 5_000 }).toBeTruthy();
    onA.close();
    p.letGo();
    await expect.poll(() => settled([freeId, maxId]), { timeout: 10_000 }).toBe(2);
    expect(p.arrivals.slice(seen)).toEqual([`${HOLD} the one slot`, 'max run', 'free run']);
  });

  it('an instance killed with the slot and runs waiting: after its lease, the others start the waiting runs and refund its run', { timeout: 30_000 }, async () => {
    engines.limits = { concurrency: 1, perMinute: null, fleetWide: true };
    const { accountId, token } = await newAccount('pro');
    const seen = p.arrivals.length;
    const doomed = await send(fleet[0]!, token, 'pro', `${HOLD} running when its instance dies`);
    await expect.poll(() => p.arrivals.length).toBe(seen + 1);
    const [row] = await rowsOf([doomed]);
    const X = fleet.find((i) => i.credits.instanceId === row!.ownerId)!;
    const waiting = [await send(X, token, 'pro', 'waiting 1'), await send(X, token, 'pro', 'waiting 2')];
    expect((await rowsOf(waiting)).map((g) => g.status)).toEqual(['queued', 'queued']);
    // X dies: its database connections first (nothing it does reaches the database any more), then the rest of it
    X.killed = true;
    await X.database.close();
    await X.credits.app.close();
    await expect.poll(() => settled(waiting), { timeout: 8_000, interval: 100 }).toBe(2);
    await expect.poll(async () => (await rowsOf([doomed]))[0]!.status, { timeout: 8_000 }).toBe('failed');
    await expectConserved(accountId, 2 * FINAL_MC);
  });
});
