// `npm run bench:server`: the built credits server under load on PostgreSQL and PGlite, each figure beside its reference in the same run.
/* global fetch, AbortSignal, AbortController, TextDecoder -- Node 20 globals */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createScratchDatabase } from './faults/db.mjs';
import { pgledgerSql, pgledgerTps } from './bench-pgledger.mjs';
import { freePort } from './faults/server.mjs';
import { pool, sleep } from './faults/util.mjs';

const root = path.resolve(import.meta.dirname, '..');
const ENTRY_DEFAULT = path.join(root, 'out/server/index.cjs');
const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    accounts: { type: 'string', default: '1000' },
    'database-url': { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    // a clone of https://github.com/pgr0ss/pgledger (a checkout or a bare repository): the reference for the holds load on PostgreSQL
    'pgledger-dir': { type: 'string', default: process.env.PGLEDGER_DIR },
    storage: { type: 'string', default: 'postgres,pglite' },
    loads: { type: 'string', default: 'holds,hot,provider,light,events,fleet' },
    // writes a V8 CPU profile of each server started into this folder (open it in Chrome's DevTools)
    'cpu-prof-dir': { type: 'string' },
    // the built server to run (a copy of out/server/index.cjs, say, while another build may replace it)
    entry: { type: 'string', default: ENTRY_DEFAULT },
  },
});
const ENTRY = path.resolve(flags.entry);
const LOADS = new Set(flags.loads.split(',').map((x) => x.trim()));
const SECONDS = Math.min(300, Math.max(1, Number(flags.seconds)));
const ACCOUNTS = Math.min(10_000, Math.max(10, Number(flags.accounts)));
const ADMIN_TOKEN = `bench-admin-${process.pid}-${Date.now()}`;
const REQUEST_TIMEOUT_MS = 30_000;
const ONE_CREDIT_AUDIO = { modelId: 'lucataco-ace-step', prompt: 'a short jingle' };
const REMOTE_TEXT = { modelId: 'deepseek-v3-0324', prompt: 'a haiku', maxOutputTokens: 50 };

if (!existsSync(ENTRY)) {
  console.error('build first: npm run build');
  process.exit(1);
}

// The holds load on PostgreSQL is measured beside pgledger's create_transfer under pgbench: find pgledger before any load runs.
const PGLEDGER_HOW = [
  'bench:server measures the holds load on PostgreSQL beside pgledger (https://github.com/pgr0ss/pgledger), run by pgbench; it needs a clone of it:',
  '  git clone https://github.com/pgr0ss/pgledger ~/pgledger',
  '  npm run bench:server -- --pgledger-dir ~/pgledger        (or set PGLEDGER_DIR=~/pgledger)',
  'psql and pgbench must be on the PATH. Without pgledger, leave that load out (--loads hot,provider,light,events) or run on PGlite only (--storage pglite).',
].join('\n');
const needsPgledger = LOADS.has('holds') && flags.storage.split(',').some((x) => x.trim() === 'postgres');
const PGLEDGER_FILES = needsPgledger && flags['pgledger-dir'] ? pgledgerSql(flags['pgledger-dir']) : null;
if (needsPgledger && !PGLEDGER_FILES) {
  console.error(flags['pgledger-dir'] ? `pgledger not found in ${flags['pgledger-dir']} (no pgledger.sql there, nor in its git HEAD).\n${PGLEDGER_HOW}` : `no pgledger given.\n${PGLEDGER_HOW}`);
  process.exit(2);
}

// ---- the server under test ----
async function startServer({ databaseUrl, dataDir, latencyMs = 0, engines }) {
  const port = await freePort();
  const profile = flags['cpu-prof-dir'] ? ['--cpu-prof', '--cpu-prof-dir', flags['cpu-prof-dir']] : [];
  const args = [...profile, ENTRY, '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--engine-latency-ms', String(latencyMs), '--log-level', 'warn'];
  if (databaseUrl) args.push('--database-url', databaseUrl);
  if (engines) {
    const file = path.join(dataDir, 'engines.json');
    writeFileSync(file, JSON.stringify(engines));
    args.push('--engines', file);
  }
  const child = spawn(process.execPath, args, { env: { ...process.env, CREDITS_ADMIN_TOKEN: ADMIN_TOKEN }, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/health`).then((r) => r.ok).catch(() => false);
    if (ok) break;
    await sleep(100);
  }
  return { url, stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM')))) };
}

let keyN = 0;
async function call(url, method, route, token, body) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method === 'POST') headers['idempotency-key'] = `bench-${process.pid}-${++keyN}`;
  try {
    const res = await fetch(`${url}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  } catch (e) {
    return { status: 0, body: { error: { code: e.cause?.code ?? e.name } } };
  }
}

async function makeAccounts(url, n, planId, credits) {
  const out = new Array(n);
  await pool(n, 16, async (i) => {
    const a = await call(url, 'POST', '/admin/accounts', ADMIN_TOKEN, { displayName: `bench ${i}`, planId });
    if (a.status !== 201) throw new Error(`account: ${a.status} ${JSON.stringify(a.body)}`);
    if (credits) {
      const g = await call(url, 'POST', `/admin/accounts/${a.body.accountId}/grants`, ADMIN_TOKEN, { credits: String(credits), kind: 'bonus' });
      if (g.status !== 201) throw new Error(`grant: ${g.status} ${JSON.stringify(g.body)}`);
    }
    out[i] = { id: a.body.accountId, token: a.body.token };
  });
  return out;
}

/** C clients send runs for SECONDS; then every accepted run is waited for. Holds/s and settled/s, refusals by code. */
async function load(url, accounts, clients, request, seconds = SECONDS, settleWaitMs = 120_000) {
  const accepted = [];
  const refused = {};
  const t0 = Date.now();
  const until = t0 + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < until) {
        const a = accounts[next++ % accounts.length];
        const r = await call(url, 'POST', '/v1/generations', a.token, { request, approvedMc: 100_000 });
        if (r.status === 201) accepted.push({ a, id: r.body.id });
        else {
          const code = `${r.status} ${r.body?.error?.code ?? ''}`;
          refused[code] = (refused[code] ?? 0) + 1;
          // the load stays saturating: it tries again 20 ms after a refusal, whatever Retry-After says
          if (r.status === 429 || r.status === 503 || r.status === 0) await sleep(20);
        }
      }
    }),
  );
  const sentS = (Date.now() - t0) / 1000;
  let lastFinishedMs = 0;
  let unsettled = 0;
  const statuses = {};
  const deadline = Date.now() + settleWaitMs;
  await pool(accepted.length, 16, async (i) => {
    const { a, id } = accepted[i];
    for (;;) {
      const g = await call(url, 'GET', `/v1/generations/${id}`, a.token);
      if (g.status === 200 && g.body.finishedAtMs) {
        statuses[g.body.status] = (statuses[g.body.status] ?? 0) + 1;
        lastFinishedMs = Math.max(lastFinishedMs, Date.now());
        return;
      }
      if (Date.now() > deadline) {
        unsettled++;
        return;
      }
      await sleep(200);
    }
  });
  const settleS = ((lastFinishedMs || Date.now()) - t0) / 1000;
  return { holdsPerS: accepted.length / sentS, settledPerS: (accepted.length - unsettled) / settleS, accepted: accepted.length, unsettled, refused, statuses };
}

// ---- a stand-in provider: an OpenAI-compatible endpoint answering after a fixed latency ----
function slowProvider(latencyMs) {
  // how many requests it answers at once, integrated over time: tells a server that keeps its slots full from one that does not
  const seen = { inFlight: 0, max: 0, requests: 0, busyMs: 0, sumMs: 0, lastMs: performance.now() };
  const tick = () => {
    const t = performance.now();
    seen.sumMs += seen.inFlight * (t - seen.lastMs);
    if (seen.inFlight > 0) seen.busyMs += t - seen.lastMs;
    seen.lastMs = t;
  };
  const server = http.createServer((req, res) => {
    tick();
    seen.inFlight++;
    seen.requests++;
    seen.max = Math.max(seen.max, seen.inFlight);
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        const body = JSON.stringify({ id: 'x', object: 'chat.completion', model: 'bench', choices: [{ index: 0, message: { role: 'assistant', content: 'quiet harbour' }, finish_reason: 'stop' }], usage: { prompt_tokens: 8, completion_tokens: 3, total_tokens: 11 } });
        tick();
        seen.inFlight--;
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      }, latencyMs),
    );
  });
  const stats = () => {
    tick();
    const out = { requests: seen.requests, max: seen.max, meanAtOnce: seen.busyMs > 0 ? seen.sumMs / seen.busyMs : 0 };
    Object.assign(seen, { max: 0, requests: 0, busyMs: 0, sumMs: 0 });
    return out;
  };
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}/v1`, stats, close: () => new Promise((r) => server.close(r)) })));
}

/** Spend → wallet event on a stream: ms from sending the run to the wallet event that shows its hold, p50 and p95. */
async function streamLatency(spendUrl, streamUrl, account, n = 100) {
  const ctrl = new AbortController();
  const res = await fetch(`${streamUrl}/v1/wallet/events`, { headers: { authorization: `Bearer ${account.token}`, accept: 'text/event-stream' }, signal: ctrl.signal });
  const reader = res.body.getReader();
  let buf = '';
  let waiting = null;
  void (async () => {
    const dec = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ done: true }));
      if (done) return;
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (frame.includes('event: wallet') && waiting) {
          const w = JSON.parse(frame.slice(frame.indexOf('data: ') + 6)).wallet;
          if (w.heldMc >= waiting.heldMc) waiting.resolve();
        }
      }
    }
  })();
  await sleep(300);
  const samples = [];
  for (let k = 0; k < n; k++) {
    const seen = new Promise((resolve) => (waiting = { heldMc: 1, resolve }));
    const t = performance.now();
    const r = await call(spendUrl, 'POST', '/v1/generations', account.token, { request: REMOTE_TEXT, approvedMc: 100_000 });
    if (r.status !== 201) continue;
    await Promise.race([seen, sleep(5_000)]);
    samples.push(performance.now() - t);
    waiting = null;
    await sleep(1_100); // the run (1 s at the provider) settles before the next, so each spend shows as a new hold
  }
  ctrl.abort();
  samples.sort((a, b) => a - b);
  const q = (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? NaN;
  return { p50: q(0.5), p95: q(0.95), n: samples.length };
}

const f = (n, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '–');
const rows = [];
const row = (storage, what, figure, reference, goal, met) => rows.push({ storage, what, figure, reference, goal, met: met === null ? '–' : met ? 'yes' : 'NO' });

async function benchStorage(storage) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `credits-bench-${storage}-`));
  const scratch = storage === 'postgres' ? await createScratchDatabase(flags['database-url']) : null;
  const provider = await slowProvider(1_000);
  const engines = { openai: { baseUrl: provider.url, apiKey: 'bench', maxConcurrent: 32, requestsPerMinute: null }, routes: { openai: [REMOTE_TEXT.modelId] } };
  const s = await startServer({ databaseUrl: scratch?.url, dataDir, engines });
  const second = storage === 'postgres' ? await startServer({ databaseUrl: scratch.url, dataDir: mkdtempSync(path.join(os.tmpdir(), 'credits-bench-b-')), engines }) : null;
  try {
    if (LOADS.has('holds')) await holdsLoad(storage, s);
    if (LOADS.has('hot')) await hotLoad(storage, s);
    if (LOADS.has('provider')) await providerLoad(storage, s, provider);
    if (LOADS.has('light')) await lightLoad(storage, s);
    if (LOADS.has('events')) await eventsLoad(storage, s, second);
  } finally {
    await s.stop();
    await second?.stop();
    await provider.close();
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function holdsLoad(storage, s) {
  console.error(`[${storage}] making ${ACCOUNTS} accounts…`);
  const many = await makeAccounts(s.url, ACCOUNTS, 'starter', 100);
  console.error(`[${storage}] ${ACCOUNTS} accounts, 32 clients, ${SECONDS} s…`);
  const a = await load(s.url, many, 32, ONE_CREDIT_AUDIO);
  const ref = storage === 'postgres' ? await pgledgerTps(flags['database-url'], PGLEDGER_FILES, 32, ACCOUNTS, SECONDS) : { note: 'pgledger needs PostgreSQL' };
  const refText = ref.tps ? `pgledger ${f(ref.tps)} transfers/s` : ref.note;
  row(storage, `holds/s, ${ACCOUNTS} accounts, 32 clients`, f(a.holdsPerS), refText, '≥ 1.0× pgledger', ref.tps ? a.holdsPerS >= ref.tps : null);
  row(storage, 'settled/s, same load', f(a.settledPerS), `refused: ${JSON.stringify(a.refused)}`, '', null);
}

async function hotLoad(storage, s) {
  console.error(`[${storage}] one hot account, 64 clients…`);
  const [hot] = await makeAccounts(s.url, 1, 'max', 1_000_000);
  const h = await load(s.url, [hot], 64, ONE_CREDIT_AUDIO);
  const w = (await call(s.url, 'GET', '/v1/wallet', hot.token)).body;
  row(storage, 'holds/s, 1 hot account (Max plan), 64 clients', f(h.holdsPerS), `available after: ${f(w.availableMc / 1000)} credits; refused: ${JSON.stringify(h.refused)}`, '≥ 1,000/s, 0 overdraft', h.holdsPerS >= 1000 && w.availableMc >= 0);
}

async function providerLoad(storage, s, provider) {
  console.error(`[${storage}] provider latency 1 s, 200 clients…`);
  const remoteAccounts = await makeAccounts(s.url, 200, 'starter', 100);
  provider.stats();
  const r = await load(s.url, remoteAccounts, 200, REMOTE_TEXT);
  const seen = provider.stats();
  const allowed = 32 / 1;
  const reference = `allowed ${allowed} at once ÷ 1 s = ${allowed}/s; unsettled ${r.unsettled}; the provider had ${f(seen.meanAtOnce, 1)} requests at once on average while busy (most ${seen.max})`;
  row(storage, 'settled/s, provider latency 1 s, 200 clients', f(r.settledPerS, 1), reference, '≥ 0.9 × allowed/latency, 0 unsettled', r.settledPerS >= 0.9 * allowed && r.unsettled === 0);
}

async function lightLoad(storage, s) {
  console.error(`[${storage}] heavy account flooding, 10 light accounts…`);
  const [heavy] = await makeAccounts(s.url, 1, 'max', 1_000_000);
  const lights = await makeAccounts(s.url, 10, 'starter', 100);
  const flood = load(s.url, [heavy], 64, REMOTE_TEXT, 5, 60_000);
  await sleep(1_000);
  const waits = await Promise.all(
    lights.map(async (l) => {
      const t = Date.now();
      const g = await call(s.url, 'POST', '/v1/generations', l.token, { request: REMOTE_TEXT, approvedMc: 100_000 });
      if (g.status !== 201) return { accepted: false, ms: Infinity, acceptMs: Infinity };
      const acceptMs = Date.now() - t;
      for (;;) {
        const x = await call(s.url, 'GET', `/v1/generations/${g.body.id}`, l.token);
        // the server's own start time: when the run left the queue, not when this poll saw it
        if (x.body?.startedAtMs) return { accepted: true, ms: x.body.startedAtMs - g.body.createdAtMs + acceptMs, acceptMs };
        if (Date.now() - t > 30_000) return { accepted: true, ms: Infinity, acceptMs };
        await sleep(25);
      }
    }),
  );
  await flood;
  const worst = Math.max(...waits.map((x) => x.ms));
  const worstAccept = Math.max(...waits.map((x) => x.acceptMs));
  row(storage, 'light requests while one account floods: worst wait to start', `${f(worst)} ms`, `${waits.filter((x) => x.accepted).length}/10 accepted, worst answer to the POST ${f(worstAccept)} ms`, 'all accepted, each started ≤ 1 s', waits.every((x) => x.accepted) && worst <= 1_000);
}

async function eventsLoad(storage, s, second) {
  console.error(`[${storage}] spend → balance event…`);
  const [watcher] = await makeAccounts(s.url, 1, 'starter', 1_000);
  const same = await streamLatency(s.url, s.url, watcher, 40);
  row(storage, 'spend → wallet event on a stream, same instance', `p50 ${f(same.p50)} ms, p95 ${f(same.p95)} ms`, `${same.n} spends`, 'p95 ≤ 100 ms', same.p95 <= 100);
  if (second) {
    const across = await streamLatency(s.url, second.url, watcher, 40);
    row(storage, 'spend → wallet event, across instances (LISTEN/NOTIFY)', `p50 ${f(across.p50)} ms, p95 ${f(across.p95)} ms`, `${across.n} spends`, 'p95 ≤ 100 ms', across.p95 <= 100);
  }
}

/** Three instances on one PostgreSQL, one provider with a limit of 8 at once and 1 s latency: the fleet keeps its slots full, never more. */
async function fleetLoad(storage) {
  const LIMIT = 8;
  const scratch = await createScratchDatabase(flags['database-url']);
  const databaseUrl = scratch.url;
  console.error(`[${storage}] three instances, one provider (${LIMIT} at once, 1 s), 12 accounts, 12 clients…`);
  const provider = await slowProvider(1_000);
  const engines = { openai: { baseUrl: provider.url, apiKey: 'bench', maxConcurrent: LIMIT, requestsPerMinute: null }, routes: { openai: [REMOTE_TEXT.modelId] } };
  const start = () => startServer({ databaseUrl, dataDir: mkdtempSync(path.join(os.tmpdir(), 'credits-bench-fleet-')), engines });
  // the first migrates the new database; the others find it migrated
  const first = await start();
  const fleet = [first, ...(await Promise.all([start(), start()]))];
  try {
    // 12 accounts of 16 runs in flight each keep the provider's 8 slots busy, and settle within half a minute of the load
    const accounts = await makeAccounts(fleet[0].url, 12, 'starter', 100);
    provider.stats();
    const parts = await Promise.all(fleet.map((inst, i) => load(inst.url, accounts.filter((_, k) => k % 3 === i), 4, REMOTE_TEXT)));
    const seen = provider.stats();
    const settled = parts.reduce((n, r) => n + r.accepted - r.unsettled, 0);
    // the parts start together: the fleet's settle time is the longest part's, from the start to its last settled run
    const settleS = Math.max(...parts.map((r) => (r.accepted - r.unsettled) / r.settledPerS));
    const unsettled = parts.reduce((n, r) => n + r.unsettled, 0);
    const statuses = {};
    for (const r of parts) for (const [k, n] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + n;
    console.error(`[${storage}] fleet: runs ${JSON.stringify(statuses)}, provider requests ${seen.requests}`);
    const perS = settled / settleS;
    const reference = `limit ${LIMIT} ÷ 1 s = ${LIMIT}/s; most at once at the provider ${seen.max} (limit ${LIMIT}), ${f(seen.meanAtOnce, 1)} on average while busy; unsettled ${unsettled}`;
    row(storage, 'fleet: 3 instances, settled/s, provider limit 8 at once, latency 1 s', f(perS, 1), reference, `≥ 0.9 × ${LIMIT}/s, most at once ≤ ${LIMIT}`, perS >= 0.9 * LIMIT && seen.max <= LIMIT && unsettled === 0);
  } finally {
    await Promise.all(fleet.map((inst) => inst.stop()));
    await provider.close();
    await scratch.drop();
  }
}

const t0 = Date.now();
for (const storage of flags.storage.split(',')) await benchStorage(storage.trim());
// a database of its own: instances on one database share its queue, the other loads' servers included
if (LOADS.has('fleet') && flags.storage.split(',').some((x) => x.trim() === 'postgres')) await fleetLoad('postgres');
console.log(`\nbench:server — ${SECONDS} s per load, ${os.availableParallelism()} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, ${((Date.now() - t0) / 1000).toFixed(0)} s in all\n`);
const cols = ['storage', 'what', 'figure', 'reference', 'goal', 'met'];
const width = Object.fromEntries(cols.map((c) => [c, Math.max(c.length, ...rows.map((r) => String(r[c]).length))]));
console.log(cols.map((c) => c.padEnd(width[c])).join(' | '));
console.log(cols.map((c) => '-'.repeat(width[c])).join('-|-'));
for (const r of rows) console.log(cols.map((c) => String(r[c]).padEnd(width[c])).join(' | '));
