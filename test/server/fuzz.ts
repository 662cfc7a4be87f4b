// The HTTP fuzzer: sets up two accounts on a real server, sends seeded random requests in parallel, and checks every answer (no 5xx, the one error shape, nothing of B's seen or changed).
import http from 'node:http';
import net from 'node:net';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { errorBodySchema } from '../../shared/api/index';
import { EngineRouter, enginesConfigSchema } from '../../server/engines/router';
import { fuzzRequestArb, type FuzzIds, type FuzzRequest } from './fuzz-requests';
import { idemKey, rowsOf, type TestServer } from './helpers';

export const REQUEST_TIMEOUT_MS = 15_000;
const MAX_BODY_BYTES = 1024 * 1024;

export interface Answer {
  status: number;
  contentType: string;
  body: string;
  /** a transport failure instead of an answer (the server closed the connection on a request it refused to read) */
  transportError?: string;
}

export interface Violation {
  rule: '5xx' | 'shape' | 'leak' | 'cross-account' | 'timeout' | 'b-changed';
  request: string;
  answer: string;
}

export interface FuzzReport {
  requests: number;
  byStatus: Record<string, number>;
  /** answers by route and status, to see what the run reached */
  byRoute: Record<string, Record<string, number>>;
  /** summed answer times by route, in ms (under concurrency: a rough share of where the time goes) */
  msByRoute: Record<string, number>;
  fiveXx: number;
  shapeViolations: number;
  transportErrors: number;
  byTransportError: Record<string, number>;
  /** the slowest answers, in ms, with their requests */
  slowest: { ms: number; request: string }[];
  violations: Violation[];
  seconds: number;
  /** CPU time of this process (client and server both run in it): the measure that does not depend on how busy the machine is */
  cpuSeconds: number;
}

/** Share of the fuzzer's accepted runs that the local engine fails at once (the refund path) rather than renders (the settle path). */
export const FUZZ_RUN_FAILURE_RATE = 0.9;

/**
 * The local engine, seeded: the setup's runs succeed; during the fuzz most runs fail at once, so that the run measures the
 * HTTP layer rather than image and video rendering, while both the settle and the refund paths still happen.
 */
export function fuzzEngines(): { engines: EngineRouter; startFuzzing(): void } {
  let fuzzing = false;
  let state = 42;
  const seeded = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const engines = new EngineRouter(enginesConfigSchema.parse({}), { failureRate: FUZZ_RUN_FAILURE_RATE, random: () => (fuzzing ? seeded() : 1) });
  return { engines, startFuzzing: () => (fuzzing = true) };
}

/** B's rows in every table, and its output files: what must be the same after the run as before it. */
export async function snapshotOf(s: TestServer, accountId: string): Promise<string> {
  const db = s.database.db;
  const parts: string[] = [];
  for (const table of ['accounts', 'grants', 'ledger_entries', 'generations', 'holds', 'api_tokens', 'trainings', 'training_allowance_entries']) {
    const column = table === 'accounts' ? 'id' : 'account_id';
    const rows = await rowsOf<{ row: string }>(db, sql`select t::text as row from ${sql.identifier(table)} t where ${sql.identifier(column)} = ${accountId} order by 1`);
    parts.push(`${table}: ${rows.map((r) => r.row).join('\n')}`);
  }
  const keys = await rowsOf<{ row: string }>(db, sql`select t::text as row from idempotency_keys t where scope like ${`%:${accountId}`} order by 1`);
  parts.push(`keys: ${keys.map((r) => r.row).join('\n')}`);
  const dir = path.join(s.outputsDir, accountId);
  const files = (() => {
    try {
      return readdirSync(dir, { recursive: true }).map(String).sort();
    } catch {
      return [];
    }
  })();
  parts.push(`files: ${files.join(',')}`);
  return parts.join('\n');
}

async function runGeneration(s: TestServer, token: string, prompt: string): Promise<{ id: string; key: string; outputs: string[] }> {
  const key = idemKey();
  const r = await fetch(`${s.url}/v1/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ request: { modelId: 'flux-schnell', prompt }, approvedMc: 1_000_000 }),
  });
  const g = (await r.json()) as { id: string };
  if (r.status !== 201) throw new Error(`fuzz setup: generation refused: ${JSON.stringify(g)}`);
  await s.credits.runner.idle();
  const done = await s.as(token, 'GET', `/v1/generations/${g.id}`);
  return { id: g.id, key, outputs: (done.body.outputs as { name: string }[]).map((o) => o.name) };
}

/** A training run to its end (the fuzz server trains fast). */
async function runTraining(s: TestServer, token: string, name: string): Promise<string> {
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(name)]).toString('base64');
  const r = await s.as(token, 'POST', '/v1/trainings', { name, images: [{ dataBase64: png }] });
  if (r.status !== 201) throw new Error(`fuzz setup: training refused: ${JSON.stringify(r.body)}`);
  await s.credits.trainer.idle();
  return (r.body as { id: string }).id;
}

/** Two accounts: A, whose tokens the fuzzer uses, and B, whose ids and secrets it knows but must never get anything out of. */
export async function setUpWorld(s: TestServer): Promise<{ ids: FuzzIds; markers: string[] }> {
  const a = await s.newAccount('starter', 'Fuzzer A');
  await s.admin('POST', `/admin/accounts/${a.accountId}/grants`, { credits: '20', kind: 'bonus' });
  const bCreated = await s.admin('POST', '/admin/accounts', { id: 'fuzz-b-victim', displayName: 'Victim B secret name', planId: 'pro' });
  const b = bCreated.body as { accountId: string; tokenId: string; token: string };
  await s.admin('POST', `/admin/accounts/${b.accountId}/grants`, { credits: '100', kind: 'pack', paid: true, note: 'B secret grant note' });
  const bSpare = (await s.admin('POST', `/admin/accounts/${b.accountId}/tokens`, { label: 'B secret label' })).body as { tokenId: string };
  const aSpare = (await s.admin('POST', `/admin/accounts/${a.accountId}/tokens`, { label: 'A spare' })).body as { tokenId: string; token: string };
  const bPrompt = `B secret prompt ${Math.random().toString(36).slice(2)}`;
  const bGen = await runGeneration(s, b.token, bPrompt);
  const aGen = await runGeneration(s, a.token, 'A prompt');
  const bTrn = await runTraining(s, b.token, 'B secret model name');
  const bWallet = (await s.admin('GET', `/admin/accounts/${b.accountId}/wallet`)).body as { grants: { id: string }[] };
  const aPurchase = (await s.as(a.token, 'POST', '/v1/purchases', { packId: 'pack-200', country: 'US' })).body as { id: string };
  const bPurchase = (await s.as(b.token, 'POST', '/v1/purchases', { packId: 'pack-1100', country: 'DE' })).body as { id: string };
  const ids: FuzzIds = {
    adminToken: s.adminToken,
    a: { accountId: a.accountId, token: a.token, tokenId: a.tokenId, spareToken: aSpare.token, spareTokenId: aSpare.tokenId, genIds: [aGen.id], keys: [aGen.key], outputNames: aGen.outputs, purchaseIds: [aPurchase.id], trnIds: [] },
    b: { accountId: b.accountId, token: b.token, tokenIds: [b.tokenId, bSpare.tokenId], genIds: [bGen.id], keys: [bGen.key], outputNames: bGen.outputs, purchaseIds: [bPurchase.id], trnIds: [bTrn] },
  };
  // B's idempotency key is not among them: keys are per account, and A may use the same string for its own run
  const markers = [b.accountId, b.token, b.tokenId, bSpare.tokenId, bGen.id, bPrompt, 'Victim B secret name', 'B secret grant note', 'B secret label', bPurchase.id, bTrn, 'B secret model name', ...bWallet.grants.map((g) => g.id)];
  return { ids, markers };
}

/** The same request as raw bytes, for what Node's HTTP client refuses to write (a space or control byte in the path or a header). */
function asRawBytes(r: Extract<FuzzRequest, { kind: 'http' }>): Buffer {
  const body = r.body ?? Buffer.alloc(0);
  const headers = Object.entries(r.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const head = `${r.method} ${r.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}Content-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

function sendHttp(url: URL, agent: http.Agent, r: Extract<FuzzRequest, { kind: 'http' }>): Promise<Answer> {
  try {
    return sendHttpChecked(url, agent, r);
  } catch {
    return sendRaw(url, asRawBytes(r));
  }
}

function sendHttpChecked(url: URL, agent: http.Agent, r: Extract<FuzzRequest, { kind: 'http' }>): Promise<Answer> {
  // http.request throws at once for what it will not write; that throw must reach sendHttp, not a promise
  // a body is always framed by its length: Node sends a GET's body unframed, which the server would read as the next request
  const headers = r.body === null ? r.headers : { ...r.headers, 'content-length': String(r.body.length) };
  const req = http.request({ host: url.hostname, port: url.port, method: r.method, path: r.path, headers, agent, timeout: REQUEST_TIMEOUT_MS });
  return new Promise((resolve) => {
    req.on('response', (res) => {
      const contentType = String(res.headers['content-type'] ?? '');
      // an open event stream answers and then never ends: its first bytes are enough
      if (contentType.startsWith('text/event-stream')) {
        res.once('data', () => req.destroy());
        res.once('close', () => resolve({ status: res.statusCode ?? 0, contentType, body: '' }));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY_BYTES) chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => resolve({ status: res.statusCode ?? 0, contentType, body: Buffer.concat(chunks).toString('utf8'), transportError: e.message }));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ status: 0, contentType: '', body: '', transportError: 'timeout' });
    });
    req.on('error', (e) => resolve({ status: 0, contentType: '', body: '', transportError: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end(r.body ?? undefined);
  });
}

/** Raw bytes on a fresh socket; the answer is read up to its Content-Length, or to the socket's end. */
function sendRaw(url: URL, bytes: Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let buf = Buffer.alloc(0);
    const finish = (transportError?: string) => {
      socket.destroy();
      const text = buf.toString('latin1');
      const head = text.split('\r\n\r\n')[0] ?? '';
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const contentType = /\r\ncontent-type: *([^\r\n]*)/i.exec(head)?.[1] ?? '';
      const body = buf.subarray(head.length + 4).toString('utf8');
      resolve({ status, contentType, body, ...(status === 0 ? { transportError: transportError ?? 'no answer' } : {}) });
    };
    const timer = setTimeout(() => finish('timeout'), REQUEST_TIMEOUT_MS);
    socket.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const text = buf.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1];
      if (end >= 0 && length !== undefined && buf.length >= end + 4 + Number(length)) {
        clearTimeout(timer);
        finish();
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      finish((e as NodeJS.ErrnoException).code ?? e.message);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      finish();
    });
    socket.write(bytes);
  });
}

const describeRequest = (r: FuzzRequest): string =>
  r.kind === 'raw' ? `raw ${JSON.stringify(r.bytes.toString('latin1').slice(0, 300))}` : `${r.actor} ${r.method} ${JSON.stringify(r.path.slice(0, 300))} ${JSON.stringify(r.headers).slice(0, 400)} body=${JSON.stringify(r.body?.toString('latin1').slice(0, 300) ?? null)}`;

/** The rules every answer keeps. */
export function check(r: FuzzRequest, a: Answer, markers: string[]): Violation[] {
  const out: Violation[] = [];
  const add = (rule: Violation['rule']) => out.push({ rule, request: describeRequest(r), answer: `${a.status} ${a.contentType} ${a.body.slice(0, 400)}${a.transportError ? ` (${a.transportError})` : ''}` });
  if (a.transportError === 'timeout') add('timeout');
  if (a.status >= 500) add('5xx');
  if (a.status >= 400) {
    let ok = /^application\/json/.test(a.contentType);
    try {
      ok = ok && errorBodySchema.safeParse(JSON.parse(a.body)).success;
    } catch {
      ok = false;
    }
    if (!ok) add('shape');
  }
  if (r.actor !== 'admin') {
    const sent = r.kind === 'raw' ? r.bytes.toString('latin1') : `${decodeURIComponentLoose(r.path)} ${r.path} ${JSON.stringify(r.headers)} ${r.body?.toString('utf8') ?? ''}`;
    if (markers.some((m) => a.body.includes(m) && !sent.includes(m))) add('leak');
    // an answer of success to a request that names one of B's things in its path is a read or a write across accounts
    const named = r.kind === 'http' ? `${r.path} ${decodeURIComponentLoose(r.path)}` : '';
    if (a.status >= 200 && a.status < 300 && markers.some((m) => named.includes(m))) add('cross-account');
  }
  return out;
}

function decodeURIComponentLoose(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export interface RunOptions {
  requests: number;
  seed: number;
  concurrency?: number;
  onProgress?: (done: number) => void;
}

/** Sends `requests` seeded random requests, `concurrency` at a time, and checks each answer. */
export async function runFuzz(s: TestServer, ids: FuzzIds, markers: string[], opts: RunOptions): Promise<FuzzReport> {
  const started = Date.now();
  const cpuBefore = process.cpuUsage();
  const url = new URL(s.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency ?? 16 });
  const report: FuzzReport = { requests: 0, byStatus: {}, byRoute: {}, msByRoute: {}, fiveXx: 0, shapeViolations: 0, transportErrors: 0, byTransportError: {}, slowest: [], violations: [], seconds: 0, cpuSeconds: 0 };
  const CHUNK = 1_000;
  try {
    for (let from = 0; from < opts.requests; from += CHUNK) {
      const batch = fc.sample(fuzzRequestArb(ids), { numRuns: Math.min(CHUNK, opts.requests - from), seed: opts.seed + from });
      let next = 0;
      const worker = async () => {
        while (next < batch.length) {
          const r = batch[next++]!;
          const t0 = Date.now();
          const a = r.kind === 'raw' ? await sendRaw(url, r.bytes) : await sendHttp(url, agent, r);
          const ms = Date.now() - t0;
          if (report.slowest.length < 5 || ms > report.slowest[report.slowest.length - 1]!.ms) {
            report.slowest = [...report.slowest, { ms, request: describeRequest(r).slice(0, 200) }].sort((x, y) => y.ms - x.ms).slice(0, 5);
          }
          report.requests++;
          report.byStatus[a.status] = (report.byStatus[a.status] ?? 0) + 1;
          report.msByRoute[r.route] = (report.msByRoute[r.route] ?? 0) + ms;
          const perRoute = (report.byRoute[r.route] ??= {});
          const code = a.status >= 400 ? (/"code":"([a-z_]+)"/.exec(a.body)?.[1] ?? '?') : '';
          perRoute[`${a.status}${code ? ` ${code}` : ''}`] = (perRoute[`${a.status}${code ? ` ${code}` : ''}`] ?? 0) + 1;
          if (a.transportError) {
            report.transportErrors++;
            report.byTransportError[a.transportError] = (report.byTransportError[a.transportError] ?? 0) + 1;
          }
          for (const v of check(r, a, markers)) {
            if (v.rule === '5xx') report.fiveXx++;
            if (v.rule === 'shape') report.shapeViolations++;
            if (report.violations.length < 200) report.violations.push(v);
          }
        }
      };
      await Promise.all(Array.from({ length: opts.concurrency ?? 16 }, worker));
      opts.onProgress?.(report.requests);
    }
  } finally {
    agent.destroy();
  }
  report.seconds = Math.round((Date.now() - started) / 100) / 10;
  const cpu = process.cpuUsage(cpuBefore);
  report.cpuSeconds = Math.round((cpu.user + cpu.system) / 100_000) / 10;
  return report;
}
