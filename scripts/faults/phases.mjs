// check:faults: the three experiments — runs under kill -9, concurrent spends on hot accounts, replays of the same keys.
import { callRetrying, APPROVED_MC, runRequest } from './http.mjs';
import { availableNow, inFlight, outcomes } from './db.mjs';
import { pool, sleep, until } from './util.mjs';

const KILL_RESTART_PAUSE_MAX_MS = 300;

function tally(counts, status) {
  counts[status] = (counts[status] ?? 0) + 1;
}

/** Sends one run with its key until it has an answer, retrying across crashes; 201 is accepted, anything else is counted by status. */
async function sendRun(server, account, key, request, stats, counts) {
  const r = await callRetrying(server, { method: 'POST', path: '/v1/generations', token: account.token, key, body: { request, approvedMc: APPROVED_MC } }, stats);
  tally(counts, r.status);
  if (r.status === 201 && r.replayed && r.attempts > 1) stats.replayedAfterCrash++;
  return r;
}

/** Kills the server at `points` (indices into the runs started so far), each after a random delay, and restarts it. */
function killer(server, rng, points, startedNow, latencyMs, isDone) {
  return (async () => {
    for (const p of points) {
      while (startedNow() < p && !isDone()) await sleep(5);
      if (isDone()) return;
      await sleep(rng.int(0, Math.max(1, latencyMs * 2)));
      await server.kill9();
      await sleep(rng.int(0, KILL_RESTART_PAUSE_MAX_MS));
      await server.start(latencyMs);
    }
  })();
}

/**
 * `runs` generation requests through the HTTP API with the server killed (SIGKILL) at `kills` random points, then once more while
 * runs are still in flight; after the last restart it waits up to `recoveryWaitMs` for nothing to be queued, running or stuck.
 */
export async function crashPhase({ server, db, rng, killRng, accounts, runs, kills, latencyMs, concurrency, recoveryWaitMs, holdGraceMs }) {
  const stats = { networkRetries: 0, busyRetries: 0, replayedAfterCrash: 0 };
  const counts = {};
  const points = Array.from({ length: kills }, () => killRng.int(0, runs - 1)).sort((a, b) => a - b);
  let started = 0;
  let done = false;
  const kill = killer(server, killRng, points, () => started, latencyMs, () => done);
  await pool(runs, concurrency, async (i) => {
    started++;
    await sendRun(server, accounts[i % accounts.length], `faults-crash-${i}`, runRequest(rng, i), stats, counts);
  });
  done = true;
  await kill;
  const before = await inFlight(db, Date.now(), holdGraceMs);
  if (before.queued + before.running > 0) {
    await server.kill9(); // one last crash with runs in flight, so recovery has work to do
    await server.start(latencyMs);
  }
  const t0 = Date.now();
  const after = await until(async () => {
    const s = await inFlight(db, Date.now(), holdGraceMs);
    return s.queued + s.running + s.stuckHolds === 0 ? s : null;
  }, recoveryWaitMs);
  const state = after ?? (await inFlight(db, Date.now(), holdGraceMs));
  const ended = await outcomes(db, accounts.map((a) => a.accountId));
  return { runs, counts, kills: server.kills, stats, ended, inFlightAtLastKill: before.queued + before.running, recovery: { ...state, waitedMs: Date.now() - t0, clean: !!after } };
}

/** Samples every hot account's available credits (one snapshot per query) until stopped: the lowest seen and how often any was below 0. */
function availabilitySampler(db, accountIds, everyMs) {
  const seen = { samples: 0, negativeSamples: 0, minAvailableMc: Number.POSITIVE_INFINITY };
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const snap = await availableNow(db, accountIds, Date.now());
      seen.samples++;
      const min = Math.min(...snap.map((s) => s.availableMc));
      seen.minAvailableMc = Math.min(seen.minAvailableMc, min);
      if (min < 0) seen.negativeSamples++;
      await sleep(everyMs);
    }
  })();
  return { seen, stop: async () => ((stop = true), await loop, seen) };
}

/**
 * `spends` concurrent run requests (at most `concurrency` in flight) on the hot accounts, which start small and get a small top-up
 * `topUps` times along the way, so the race at the edge of the balance happens again and again.
 */
export async function spendPhase({ server, db, rng, adminApi, hot, spends, concurrency, topUps, topUpCredits, sampleEveryMs, progress = () => {} }) {
  const stats = { networkRetries: 0, busyRetries: 0, replayedAfterCrash: 0 };
  const counts = {};
  const sampler = availabilitySampler(db, hot.map((a) => a.accountId), sampleEveryMs);
  const topUpEvery = Math.max(1, Math.floor(spends / (topUps + 1)));
  const reportEvery = Math.max(1, Math.ceil(spends / 10));
  const t0 = Date.now();
  await pool(spends, concurrency, async (i) => {
    if (i > 0 && i % reportEvery === 0) progress(`${i} spend attempts sent (${counts[201] ?? 0} accepted, lowest available ${sampler.seen.minAvailableMc} mc)`);
    if (i > 0 && i % topUpEvery === 0 && i / topUpEvery <= topUps) await Promise.all(hot.map((a) => adminApi.grant(a.accountId, topUpCredits)));
    await sendRun(server, rng.pick(hot), `faults-spend-${i}`, runRequest(rng, i, 'light'), stats, counts);
  });
  const seen = await sampler.stop();
  return { spends, counts, stats, seconds: Math.round((Date.now() - t0) / 1000), ...seen };
}

/** Sends in which each key's first few requests go out together (a race on the key) and the rest are scattered. */
function replayOrder(rng, keys, perKey, burst) {
  const units = [];
  for (let k = 0; k < keys; k++) {
    units.push(Array.from({ length: Math.min(burst, perKey) }, () => k));
    for (let j = burst; j < perKey; j++) units.push([k]);
  }
  for (let i = units.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [units[i], units[j]] = [units[j], units[i]];
  }
  return units.flat();
}

/** `replays` sends of `keys` distinct run requests, each key sent replays/keys times, with `kills` crashes in the middle. */
export async function replayPhase({ server, rng, killRng, accounts, replays, keys, concurrency, kills, latencyMs }) {
  const perKey = Math.max(1, Math.round(replays / keys));
  const bodies = Array.from({ length: keys }, (_, k) => ({ account: accounts[k % accounts.length], request: runRequest(rng, 100_000 + k, 'light') }));
  const order = replayOrder(rng, keys, perKey, 3);
  const ids = bodies.map(() => new Set());
  const stats = { networkRetries: 0, busyRetries: 0, replayedAfterCrash: 0 };
  const counts = {};
  const points = Array.from({ length: kills }, () => killRng.int(0, order.length - 1)).sort((a, b) => a - b);
  let started = 0;
  let done = false;
  const kill = killer(server, killRng, points, () => started, latencyMs, () => done);
  await pool(order.length, concurrency, async (i) => {
    started++;
    const k = order[i];
    const r = await sendRun(server, bodies[k].account, `faults-replay-${k}`, bodies[k].request, stats, counts);
    if (r.status === 201) ids[k].add(r.body.id);
  });
  done = true;
  await kill;
  return { sends: order.length, keys, perKey, counts, stats, keysWithTwoRuns: ids.filter((s) => s.size > 1).length, keysWithARun: ids.filter((s) => s.size > 0).length };
}
