// The credits server's Fastify app factory: routes for health, wallet, catalog, the wallet SSE stream, and admin.
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Catalog } from '../shared/catalog/schema';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  accountListSchema, clockBodySchema, createAccountBodySchema, createGenerationBodySchema, generationListQuerySchema, grantBodySchema,
  GENERATION_ID_PATTERN, IDEMPOTENCY_HEADER, ledgerQuerySchema, OUTPUT_NAME_PATTERN, setPlanBodySchema, type ErrorBody, type Generation, type Wallet,
} from '../shared/api/index';
import { expandRequest, type RunRequest } from '../shared/rules/pricing';
import { EngineError } from './engines/types';
import { EngineRouter, enginesConfigSchema } from './engines/router';
import { GenerationRunner, outputDirOf } from './runner';
import { acceptGeneration, getGeneration, listGenerations, voidGeneration } from './services/generations';
import type { StreamEvent } from './events';
import { accounts } from './db/schema';
import type { Database } from './db/open';
import type { Clock } from './clock';
import { TestClock } from './clock';
import { ApiError, notFound, parseInput } from './errors';
import { WalletEvents } from './events';
import { accountForToken, adminGrant, createAccount, issueToken, setPlan } from './services/accounts';
import { checkIdempotencyKey, idempotent, IDEMPOTENCY_KEY_PATTERN, storedAnswer } from './services/idempotency';
import { latestLedgerId, ledgerAfter, readWallet } from './services/wallet';
import { ephemeralCatalogKey, signCatalog, type CatalogKey } from './catalog-signing';
import { sha256, stableJson } from './services/util';

export const SERVER_VERSION = '0.1.0';
export const BODY_LIMIT_BYTES = 64 * 1024;
export const SSE_HEARTBEAT_MS = 15_000;
export const SSE_RETRY_MS = 2_000;
export const SSE_REPLAY_BATCH = 500;
/** at most this many batches are replayed to one reconnecting stream; a client further behind syncs its history by page */
export const SSE_MAX_REPLAY_BATCHES = 20;

export interface AppOptions {
  database: Database;
  catalog: Catalog;
  clock: Clock;
  adminToken: string;
  logger?: boolean;
  engines?: EngineRouter;
  /** where generation outputs are stored, one folder per account and generation */
  outputsDir: string;
  runnerConcurrency?: number;
  sweepIntervalMs?: number;
  /** signs the catalog; an ephemeral key when absent (tests) */
  catalogKey?: CatalogKey;
}

export interface CreditsApp {
  app: FastifyInstance;
  events: WalletEvents;
  runner: GenerationRunner;
  catalogKey: CatalogKey;
  /** cuts every open event stream without a goodbye, as a flaky network would (for tests of resumption) */
  dropStreams(): void;
  /** reads an account's wallet and publishes it to its streams if the read changed anything */
  wallet(accountId: string): Promise<Wallet>;
}

const accountParams = z.object({ id: z.string().min(1).max(80) });
const generationParams = z.object({ id: z.string().regex(GENERATION_ID_PATTERN, 'not a generation id') });
const outputParams = generationParams.extend({ name: z.string().regex(OUTPUT_NAME_PATTERN, 'not an output name') });

export function buildApp(opts: AppOptions): CreditsApp {
  const { database, catalog, clock } = opts;
  const db = database.db;
  const events = new WalletEvents();
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: BODY_LIMIT_BYTES, connectionTimeout: 30_000, requestTimeout: 30_000 });
  const adminHash = Buffer.from(sha256(opts.adminToken), 'hex');
  const openStreams = new Set<() => void>();
  const catalogKey = opts.catalogKey ?? ephemeralCatalogKey();
  const catalogBody = JSON.stringify({ version: catalog.version, issuedAtMs: 0, catalog, signature: signCatalog(catalogKey, catalog), keyId: catalogKey.keyId });
  const catalogEtag = `"${catalog.version}-${sha256(stableJson(catalog)).slice(0, 16)}-${catalogKey.keyId}"`;
  const dropHandlers = new Set<() => void>();

  const publishWallet = (accountId: string, w: Wallet) => events.publish(accountId, { type: 'wallet', wallet: w });
  const publishGeneration = (accountId: string, g: Generation) => events.publish(accountId, { type: 'generation', generation: g });

  async function wallet(accountId: string): Promise<Wallet> {
    const { wallet: w, changed } = await readWallet(db, accountId, catalog, clock.now());
    if (changed) publishWallet(accountId, w);
    return w;
  }

  const engines = opts.engines ?? new EngineRouter(enginesConfigSchema.parse({}));
  const runner = new GenerationRunner({
    db,
    catalog,
    clock,
    engines,
    outputsDir: opts.outputsDir,
    ...(opts.runnerConcurrency ? { concurrency: opts.runnerConcurrency } : {}),
    ...(opts.sweepIntervalMs ? { sweepIntervalMs: opts.sweepIntervalMs } : {}),
    onGeneration: publishGeneration,
    onWalletChanged: (accountId) => {
      if (events.listenerCount(accountId) > 0) void readWallet(db, accountId, catalog, clock.now()).then((r) => publishWallet(accountId, r.wallet));
    },
    log: (m) => app.log.error(m),
  });

  function bearer(req: FastifyRequest): string {
    const h = req.headers.authorization;
    if (typeof h !== 'string' || !h.startsWith('Bearer ')) throw new ApiError(401, 'unauthorized', 'missing bearer token');
    return h.slice('Bearer '.length).trim();
  }

  async function authAccount(req: FastifyRequest): Promise<string> {
    const accountId = await accountForToken(db, bearer(req));
    if (!accountId) throw new ApiError(401, 'unauthorized', 'unknown or revoked token');
    return accountId;
  }

  function authAdmin(req: FastifyRequest): void {
    const given = Buffer.from(sha256(bearer(req)), 'hex');
    if (!timingSafeEqual(given, adminHash)) throw new ApiError(403, 'forbidden', 'admin token required');
  }

  app.setErrorHandler((err: unknown, _req, reply) => {
    if (err instanceof ApiError) {
      const body: ErrorBody = { error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) } };
      return reply.status(err.status).send(body);
    }
    const e = err as { statusCode?: number; code?: string; message?: string };
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      const code = e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'body_too_large' : e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : 'invalid_request';
      return reply.status(e.statusCode).send({ error: { code, message: e.message ?? 'bad request' } });
    }
    app.log.error(err);
    return reply.status(500).send({ error: { code: 'internal', message: 'the credits server failed; nothing was changed' } });
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } }));

  app.addHook('preClose', async () => {
    for (const end of openStreams) end();
  });
  app.addHook('onClose', async () => {
    await runner.close();
  });
  app.addHook('onReady', async () => {
    runner.start();
  });

  app.get('/health', async () => ({ ok: true as const, serverTimeMs: clock.now(), version: SERVER_VERSION, storage: database.kind }));

  app.get('/v1/wallet', async (req) => wallet(await authAccount(req)));

  app.get('/v1/catalog', async (req, reply) => {
    reply.header('etag', catalogEtag).header('cache-control', 'no-cache');
    if (req.headers['if-none-match'] === catalogEtag) return reply.status(304).send();
    return reply.type('application/json').send(catalogBody);
  });

  app.get('/v1/catalog/key', async () => ({ publicKey: catalogKey.publicKey, keyId: catalogKey.keyId }));

  /**
   * The account's event stream. Ledger entries carry their id as the SSE id: a client that reconnects with Last-Event-ID
   * gets exactly the entries after it, in order, each once. Wallet and generation events carry no id.
   */
  app.get('/v1/wallet/events', async (req, reply) => {
    const accountId = await authAccount(req);
    const first = await wallet(accountId);
    const res = reply.raw;
    let closed = false;
    const resumeHeader = req.headers['last-event-id'];
    const resumeFrom = typeof resumeHeader === 'string' && /^\d{1,16}$/.test(resumeHeader) ? Number(resumeHeader) : null;
    // A fresh stream starts after the newest entry; a resumed one after the one the client saw last.
    let lastSent = resumeFrom ?? (await latestLedgerId(db, accountId));
    const write = (text: string) => {
      if (!closed) res.write(text);
    };
    let flushing = Promise.resolve();
    const flushLedger = () =>
      (flushing = flushing.then(async () => {
        for (let batch = 0; batch < SSE_MAX_REPLAY_BATCHES && !closed; batch++) {
          const page = await ledgerAfter(db, accountId, lastSent, SSE_REPLAY_BATCH);
          for (const entry of page.items) {
            write(`id: ${entry.id}\nevent: ledger\ndata: ${JSON.stringify({ type: 'ledger', entry })}\n\n`);
            lastSent = entry.id;
          }
          if (!page.hasMore) break;
        }
      }).catch((e: unknown) => app.log.error(e)));
    const send = (e: StreamEvent) => {
      if (e.type === 'wallet') {
        // ledger entries first, so a client never sees a balance without the entries that explain it
        void flushLedger().then(() => write(`event: wallet\ndata: ${JSON.stringify(e)}\n\n`));
      } else {
        write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
      }
    };
    const unsubscribe = events.subscribe(accountId, send);
    if (!unsubscribe) throw new ApiError(429, 'too_many_streams', 'too many open event streams for this account');
    reply.hijack();
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(`retry: ${SSE_RETRY_MS}\n\n`);
    send({ type: 'wallet', wallet: first });
    const heartbeat = setInterval(() => res.write(': ping\n\n'), SSE_HEARTBEAT_MS);
    const end = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      openStreams.delete(end);
      res.end();
    };
    openStreams.add(end);
    const drop = () => {
      closed = true;
      res.destroy();
    };
    dropHandlers.add(drop);
    req.raw.on('close', () => {
      dropHandlers.delete(drop);
      end();
    });
    res.on('error', end);
  });

  app.get('/v1/ledger', async (req) => {
    const accountId = await authAccount(req);
    const q = parseInput(ledgerQuerySchema, req.query, 'query');
    await wallet(accountId); // materialise due expiries so they are in the ledger
    return ledgerAfter(db, accountId, q.after, q.limit);
  });

  // ---- generations ----
  const engineNameOrRefuse = (r: RunRequest): string => {
    try {
      return engines.engineNameFor(expandRequest(r, catalog));
    } catch (e) {
      if (e instanceof EngineError) throw new ApiError(400, e.code, e.message);
      throw e;
    }
  };
  app.post('/v1/generations', async (req, reply) => {
    const accountId = await authAccount(req);
    const key = checkIdempotencyKey(req.headers[IDEMPOTENCY_HEADER]);
    const body = parseInput(createGenerationBodySchema, req.body, 'generation');
    if (runner.queueFull()) throw new ApiError(503, 'busy', 'too many runs are waiting; try again in a minute');
    const answer = await idempotent(db, `gen:${accountId}`, key, body, clock.now(), async (tx) => ({
      status: 201,
      body: await acceptGeneration(tx, { catalog, nowMs: clock.now(), engineFor: (r) => engineNameOrRefuse(r) }, accountId, body),
    }));
    if (answer.replayed) reply.header('idempotent-replayed', 'true');
    else {
      const g = answer.body as Generation;
      publishGeneration(accountId, g);
      publishWallet(accountId, await wallet(accountId));
      runner.enqueue(g.id);
    }
    return reply.status(answer.status).send(answer.body);
  });

  app.get('/v1/generations', async (req) => {
    const accountId = await authAccount(req);
    const q = parseInput(generationListQuerySchema, req.query, 'query');
    return listGenerations(db, accountId, q.limit, q.cursor);
  });

  /** The run created with an idempotency key, so a client that crashed mid-request can look it up instead of resending. */
  app.get('/v1/generations/by-key/:key', async (req) => {
    const accountId = await authAccount(req);
    const { key } = parseInput(z.object({ key: z.string().regex(IDEMPOTENCY_KEY_PATTERN) }), req.params, 'idempotency key');
    const answer = await storedAnswer(db, `gen:${accountId}`, key);
    if (!answer) throw notFound('a run with that key');
    return getGeneration(db, accountId, (answer.body as Generation).id);
  });

  app.get('/v1/generations/:id', async (req) => {
    const accountId = await authAccount(req);
    const { id } = parseInput(generationParams, req.params, 'generation id');
    return getGeneration(db, accountId, id);
  });

  app.post('/v1/generations/:id/cancel', async (req) => {
    const accountId = await authAccount(req);
    checkIdempotencyKey(req.headers[IDEMPOTENCY_HEADER]);
    const { id } = parseInput(generationParams, req.params, 'generation id');
    await getGeneration(db, accountId, id); // 404 unless it is the caller's
    const r = await db.transaction((tx) => voidGeneration(tx, id, 'canceled', { code: 'canceled', message: 'you canceled this run; refunded in full' }, clock.now()));
    runner.cancel(id); // after the void, so the run's failure path finds nothing left to refund
    if (r.changed) {
      publishGeneration(accountId, r.generation);
      publishWallet(accountId, await wallet(accountId));
    }
    return r.generation;
  });

  /** Outputs are served only to their owner; the name is checked against the generation's own list, never used as a path as given. */
  app.get('/v1/generations/:id/outputs/:name', async (req, reply) => {
    const accountId = await authAccount(req);
    const { id, name } = parseInput(outputParams, req.params, 'output');
    const g = await getGeneration(db, accountId, id);
    const out = g.outputs.find((o) => o.name === name);
    if (!out) throw notFound(`output ${name}`);
    const file = path.join(outputDirOf(opts.outputsDir, accountId, id), out.name);
    const st = await stat(file).catch(() => null);
    if (!st) throw new ApiError(410, 'output_gone', 'this output is no longer stored');
    return reply.type(out.mime).header('content-length', st.size).header('cache-control', 'private, max-age=31536000, immutable').header('x-content-type-options', 'nosniff').send(createReadStream(file));
  });

  // ---- admin ----
  const adminPost = async (req: FastifyRequest, reply: FastifyReply, scope: string, fn: Parameters<typeof idempotent>[5]) => {
    authAdmin(req);
    const key = checkIdempotencyKey(req.headers[IDEMPOTENCY_HEADER]);
    const answer = await idempotent(db, `admin:${scope}`, key, { url: req.url, body: req.body ?? null }, clock.now(), fn);
    if (answer.replayed) reply.header('idempotent-replayed', 'true');
    return reply.status(answer.status).send(answer.body);
  };

  app.get('/admin/accounts', async (req) => {
    authAdmin(req);
    const rows = await db.select().from(accounts).orderBy(accounts.createdAtMs).limit(1000);
    return accountListSchema.parse({ accounts: rows.map((r) => ({ id: r.id, displayName: r.displayName, planId: r.planId, createdAtMs: r.createdAtMs })) });
  });

  app.post('/admin/accounts', async (req, reply) => {
    authAdmin(req);
    const body = parseInput(createAccountBodySchema, req.body, 'account');
    return adminPost(req, reply, 'accounts', async (tx) => ({ status: 201, body: await createAccount(tx, catalog, body, clock.now()) }));
  });

  app.get('/admin/accounts/:id/wallet', async (req) => {
    authAdmin(req);
    const { id } = parseInput(accountParams, req.params, 'account id');
    return wallet(id);
  });

  app.post('/admin/accounts/:id/grants', async (req, reply) => {
    authAdmin(req);
    const { id } = parseInput(accountParams, req.params, 'account id');
    const body = parseInput(grantBodySchema, req.body, 'grant');
    const key = checkIdempotencyKey(req.headers[IDEMPOTENCY_HEADER]);
    const res = await adminPost(req, reply, `grants:${id}`, async (tx) => ({
      status: 201,
      body: { grantId: await adminGrant(tx, catalog, id, body, `admin:${key}`, clock.now()) },
    }));
    publishWallet(id, await wallet(id));
    return res;
  });

  app.put('/admin/accounts/:id/plan', async (req) => {
    authAdmin(req);
    const { id } = parseInput(accountParams, req.params, 'account id');
    const body = parseInput(setPlanBodySchema, req.body, 'plan');
    await db.transaction((tx) => setPlan(tx, catalog, id, body.planId));
    const w = await wallet(id);
    publishWallet(id, w);
    return w;
  });

  app.post('/admin/accounts/:id/tokens', async (req, reply) => {
    authAdmin(req);
    const { id } = parseInput(accountParams, req.params, 'account id');
    return adminPost(req, reply, `tokens:${id}`, async (tx) => {
      const rows = await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, id));
      if (rows.length === 0) throw notFound(`account ${id}`);
      return { status: 201, body: { accountId: id, token: await issueToken(tx, id, clock.now()) } };
    });
  });

  app.post('/admin/clock', async (req) => {
    authAdmin(req);
    if (!(clock instanceof TestClock)) throw new ApiError(409, 'test_clock_disabled', 'the server was not started with a test clock');
    const body = parseInput(clockBodySchema, req.body, 'clock change');
    try {
      if (body.advanceMs !== undefined) clock.advance(body.advanceMs);
      else clock.set(body.setMs!);
    } catch (e) {
      throw new ApiError(400, 'invalid_request', (e as Error).message);
    }
    // Resets, expiries and hold deadlines may have passed: apply them and bring every streamed account up to date now.
    await runner.sweep();
    for (const accountId of events.accountsWithStreams()) {
      publishWallet(accountId, await wallet(accountId));
    }
    return { nowMs: clock.now() };
  });

  return { app, events, runner, wallet, catalogKey, dropStreams: () => dropHandlers.forEach((d) => d()) };
}
