// `npm run check:faults`: crash, concurrency and replay faults against the built server on a scratch PostgreSQL database; one table of figures and goals.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { conservation, createScratchDatabase, delivery, inFlight, runsAndKeys } from './faults/db.mjs';
import { admin } from './faults/http.mjs';
import { crashPhase, replayPhase, spendPhase } from './faults/phases.mjs';
import { printReport } from './faults/report.mjs';
import { freePort, ServerProcess } from './faults/server.mjs';
import { seededRandom, sleep } from './faults/util.mjs';

const root = path.resolve(import.meta.dirname, '..');
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

const FLAGS = {
  runs: { default: 200, max: 100_000, help: 'generation requests under kill -9' },
  kills: { default: 20, max: 1_000, help: 'kill -9 points among those runs (one more follows while runs are in flight)' },
  'latency-ms': { default: 300, max: 60_000, help: "the local engine's latency during the crash runs, so runs are in flight when killed" },
  'crash-concurrency': { default: 16, max: 256, help: 'crash runs in flight at once' },
  spends: { default: 100_000, max: 10_000_000, help: 'concurrent spend attempts on the hot accounts' },
  'hot-accounts': { default: 10, max: 1_000, help: 'accounts the spends race on' },
  concurrency: { default: 64, max: 1_024, help: 'spend and replay requests in flight at once' },
  'top-ups': { default: 50, max: 10_000, help: 'small grants to every hot account during the spends' },
  replays: { default: 10_000, max: 10_000_000, help: 'replayed generation requests' },
  'replay-keys': { default: 1_000, max: 1_000_000, help: 'distinct idempotency keys among the replays' },
  'replay-kills': { default: 1, max: 100, help: 'kill -9 points among the replays' },
  'recovery-wait-ms': { default: 90_000, max: 3_600_000, help: 'longest wait after the last restart for runs to settle (run leases may take their expiry to recover)' },
  'hold-grace-ms': { default: 30_000, max: 3_600_000, help: "a hold counts as stuck this long past its deadline (the server's sweep runs every few seconds)" },
  seed: { default: 1, max: 2 ** 31, help: 'random seed for the requests and kill points' },
};

function parseFlags(argv) {
  const options = Object.fromEntries(Object.keys(FLAGS).map((k) => [k, { type: 'string' }]));
  const { values } = parseArgs({ args: argv, options: { ...options, 'database-url': { type: 'string' }, 'keep-db': { type: 'boolean' }, 'server-arg': { type: 'string', multiple: true }, help: { type: 'boolean' } }, strict: true });
  if (values.help) {
    console.log('npm run check:faults -- [flags]\n');
    for (const [k, f] of Object.entries(FLAGS)) console.log(`  --${k.padEnd(18)} ${f.help} (default ${f.default})`);
    console.log('  --database-url       PostgreSQL server to make the scratch database on (default DATABASE_URL, TEST_DATABASE_URL, or the local one)');
    console.log('  --server-arg ARG     an extra flag for the server, repeatable');
    console.log('  --keep-db            keep the scratch database afterwards');
    process.exit(0);
  }
  const out = {};
  for (const [k, f] of Object.entries(FLAGS)) {
    const v = values[k] === undefined ? f.default : Number(values[k]);
    if (!Number.isInteger(v) || v < 0 || v > f.max) throw new Error(`--${k} must be an integer 0-${f.max}`);
    out[k] = v;
  }
  out.databaseUrl = values['database-url'] ?? process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? DEFAULT_DATABASE_URL;
  out.keepDb = values['keep-db'] ?? false;
  out.serverArgs = values['server-arg'] ?? [];
  return out;
}

/** Accounts on a plan without daily run limits: the crash and replay accounts have plenty; the hot ones start small. */
async function setUp(adminApi) {
  const make = async (prefix, n, credits) => {
    const out = [];
    for (let i = 0; i < n; i++) {
      const a = await adminApi.account(`${prefix} ${i + 1}`, 'pro');
      await adminApi.grant(a.accountId, credits, i % 2 === 0 ? 'pack' : 'bonus');
      out.push(a);
    }
    return out;
  };
  return { crash: await make('Crash', 4, 1_000), replay: await make('Replay', 4, 2_000) };
}

/** Waits for the runner to finish what the spends and replays queued; gives up when nothing has finished for recovery-wait-ms. */
async function drain(db, flags) {
  const t0 = Date.now();
  let last = Number.POSITIVE_INFINITY;
  let progressAt = Date.now();
  for (;;) {
    const s = await inFlight(db, Date.now(), flags['hold-grace-ms']);
    const left = s.queued + s.running;
    if (left === 0) return { clean: true, waitedMs: Date.now() - t0 };
    if (left < last) [last, progressAt] = [left, Date.now()];
    if (Date.now() - progressAt > flags['recovery-wait-ms']) return { clean: false, waitedMs: Date.now() - t0 };
    await sleep(500);
  }
}

async function experiment(server, db, flags, adminToken, dataDir) {
  const t0 = Date.now();
  const say = (text) => console.log(`[${String(Math.round((Date.now() - t0) / 1000)).padStart(4)} s] ${text}`);
  const rng = seededRandom(flags.seed);
  const killRng = seededRandom(flags.seed ^ 0x5eed);
  const adminApi = admin(server, adminToken);
  say(`starting the server (${server.url}, engine latency ${flags['latency-ms']} ms) and making accounts…`);
  await server.start(flags['latency-ms']);
  const accounts = await setUp(adminApi);
  const hot = [];
  for (let i = 0; i < flags['hot-accounts']; i++) {
    const a = await adminApi.account(`Hot ${i + 1}`, 'pro');
    await adminApi.grant(a.accountId, 5);
    hot.push(a);
  }
  say(`crash runs: ${flags.runs} with ${flags.kills} kills…`);
  const crash = await crashPhase({ server, db, rng, killRng, accounts: accounts.crash, runs: flags.runs, kills: flags.kills, latencyMs: flags['latency-ms'], concurrency: flags['crash-concurrency'], recoveryWaitMs: flags['recovery-wait-ms'], holdGraceMs: flags['hold-grace-ms'] });
  say(`crash runs done; recovery ${crash.recovery.clean ? 'clean' : 'NOT clean'} after ${Math.round(crash.recovery.waitedMs / 1000)} s; restarting without engine latency`);
  await server.stop();
  await server.start(0);
  say(`spends: ${flags.spends} on ${hot.length} hot accounts, ${flags.concurrency} in flight…`);
  const spend = flags.spends > 0 && hot.length > 0 ? await spendPhase({ server, db, rng, adminApi, hot, spends: flags.spends, concurrency: flags.concurrency, topUps: flags['top-ups'], topUpCredits: 1, sampleEveryMs: 50, progress: say }) : null;
  say(`replays: ${flags.replays} of ${flags['replay-keys']} keys with ${flags['replay-kills']} kills…`);
  const replay = flags.replays > 0 ? await replayPhase({ server, rng, killRng, accounts: accounts.replay, replays: flags.replays, keys: Math.max(1, Math.min(flags['replay-keys'], flags.replays)), concurrency: flags.concurrency, kills: flags['replay-kills'], latencyMs: 0 }) : null;
  say('waiting for the runs still queued to finish…');
  const drained = await drain(db, flags);
  say('reading the final figures…');
  const final = {
    inFlight: await inFlight(db, Date.now(), flags['hold-grace-ms']),
    conservation: await conservation(db),
    delivery: await delivery(db, path.join(dataDir, 'outputs')),
    replayDb: await runsAndKeys(db, accounts.replay.map((a) => a.accountId)),
    drained,
  };
  return { crash, spend, replay, final };
}

async function main() {
  const flags = parseFlags(process.argv.slice(2));
  const entry = path.join(root, 'out/server/index.cjs');
  if (!existsSync(entry)) throw new Error('out/server/index.cjs is not built: run npm run build first');
  const scratch = await createScratchDatabase(flags.databaseUrl);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'credits-faults-'));
  const adminToken = `faults-admin-${randomBytes(12).toString('hex')}`;
  const server = new ServerProcess({ entry, dataDir, databaseUrl: scratch.url, port: await freePort(), adminToken, logFile: path.join(dataDir, 'server.log'), extraArgs: flags.serverArgs });
  const db = new pg.Pool({ connectionString: scratch.url, max: 2 });
  process.once('SIGINT', () => {
    console.log('\ninterrupted: stopping the server and dropping the scratch database');
    server.child?.kill('SIGKILL');
    void scratch.drop().finally(() => process.exit(130));
  });
  const started = Date.now();
  let ok = false;
  try {
    const result = await experiment(server, db, flags, adminToken, dataDir);
    ok = printReport({ flags, result, database: scratch.name, seconds: Math.round((Date.now() - started) / 1000), server });
  } catch (e) {
    console.error(`check:faults failed to run: ${e.stack ?? e.message}\nlast server output:\n${server.logTail()}`);
  } finally {
    await server.stop().catch(() => {});
    await db.end().catch(() => {});
    if (flags.keepDb) console.log(`kept the database ${scratch.name}`);
    else await scratch.drop();
    if (ok && !flags.keepDb) rmSync(dataDir, { recursive: true, force: true });
    else console.log(`kept ${dataDir} (the server's log and outputs)`);
  }
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(2);
});
