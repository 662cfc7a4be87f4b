// check:faults: the one table — each figure beside its goal, PASS/FAIL where there is a goal — and whether every goal was met.
import { fmt } from './util.mjs';

const statusText = (counts) =>
  Object.entries(counts)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([s, n]) => `${s}: ${fmt(n)}`)
    .join(', ') || 'none';

function crashRows({ crash, final }) {
  const c = final.conservation;
  const d = final.delivery;
  const r = crash.recovery;
  return [
    ['crash runs sent (answers by status)', `${fmt(crash.runs)} (${statusText(crash.counts)})`, null],
    ['kill -9 of the server', `${fmt(crash.kills)} (runs in flight at the last: ${fmt(crash.inFlightAtLastKill)})`, null],
    ['sends retried after a crash / answered as replays', `${fmt(crash.stats.networkRetries)} / ${fmt(crash.stats.replayedAfterCrash)}`, null],
    ['how the crash runs ended', `${Object.entries(crash.ended.byStatus).map(([k, n]) => `${k} ${fmt(n)}`).join(', ')}; refunded as interrupted by a crash: ${fmt(crash.ended.interrupted)}`, null],
    ['recovery after the last restart', `${r.clean ? 'clean' : 'NOT clean'} after ${fmt(Math.round(r.waitedMs / 1000))} s`, null],
    ['stuck: holds active past deadline + grace', fmt(final.inFlight.stuckHolds), '0', final.inFlight.stuckHolds === 0],
    ['stuck: runs queued or running after recovery', `${fmt(r.queued + r.running)} (at the end: ${fmt(final.inFlight.queued + final.inFlight.running)})`, '0', r.queued + r.running === 0 && final.inFlight.queued + final.inFlight.running === 0],
    [
      'credits conservation: granted − captured − expired − remaining',
      `${fmt(c.diffMc)} mc off in ${fmt(c.accountsOff)} of ${fmt(c.accounts)} accounts (${fmt(c.grantedMc)} − ${fmt(c.capturedMc)} − ${fmt(c.expiredMc)} = ${fmt(c.remainingMc)} mc)`,
      'exact (0)',
      c.diffMc === 0 && c.accountsOff === 0,
    ],
    ['ledger grants ≠ grants table / other money movements', `${fmt(c.ledgerVsGrantsOff)} accounts / ${fmt(c.otherMovementsMc)} mc`, '0 / 0', c.ledgerVsGrantsOff === 0 && c.otherMovementsMc === 0],
    ['runs charged but not delivered (no outputs / a file missing)', `${fmt(d.noOutputs + d.missingFiles)} of ${fmt(d.charged)} charged (${fmt(d.noOutputs)} / ${fmt(d.missingFiles)})`, '0', d.noOutputs + d.missingFiles === 0],
    ["runs whose charge ≠ their ledger capture", fmt(d.chargeVsLedgerOff), '0', d.chargeVsLedgerOff === 0],
  ];
}

function spendRows({ spend, final }) {
  if (!spend) return [['spend attempts', 'skipped (--spends 0)', null]];
  const c = final.conservation;
  return [
    ['spend attempts on hot accounts (answers by status)', `${fmt(spend.spends)} in ${fmt(spend.seconds)} s (${statusText(spend.counts)})`, null],
    ['overdraft: lowest available seen (snapshots)', `${fmt(spend.minAvailableMc)} mc (${fmt(spend.samples)} snapshots)`, '≥ 0', spend.minAvailableMc >= 0],
    ['overdraft: snapshots with an account below 0', fmt(spend.negativeSamples), '0', spend.negativeSamples === 0],
    ['accounts that captured beyond their grants / grants below 0', `${fmt(c.capturedBeyondGrants)} / ${fmt(c.negativeGrants)}`, '0 / 0', c.capturedBeyondGrants === 0 && c.negativeGrants === 0],
  ];
}

function replayRows({ replay, final }) {
  if (!replay) return [['replays', 'skipped (--replays 0)', null]];
  const db = final.replayDb;
  const extraRuns = Math.max(0, db.runs - db.keys);
  const double = replay.keysWithTwoRuns + extraRuns + db.heldTwice + final.delivery.capturedTwice;
  return [
    ['replays sent (answers by status)', `${fmt(replay.sends)} of ${fmt(replay.keys)} keys, ${fmt(replay.perKey)} each, ${fmt(replay.stats.networkRetries)} retried after a crash (${statusText(replay.counts)})`, null],
    ['runs for the replayed keys', `${fmt(db.runs)} runs for ${fmt(db.keys)} stored keys (${fmt(replay.keysWithARun)} keys answered 201)`, null],
    [
      'double charges (keys with 2 runs + runs without a key + runs held or captured twice)',
      `${fmt(double)} (${fmt(replay.keysWithTwoRuns)} + ${fmt(extraRuns)} + ${fmt(db.heldTwice)} + ${fmt(final.delivery.capturedTwice)})`,
      '0',
      double === 0,
    ],
  ];
}

/** Prints the table; true when every goal was met. */
export function printReport({ flags, result, database, seconds, server }) {
  const rows = [...crashRows(result), ...spendRows(result), ...replayRows(result)];
  const width = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length)), 9];
  const line = (a, b, c, d) => `${a.padEnd(width[0])}  ${b.padEnd(width[1])}  ${c.padEnd(width[2])}  ${d}`;
  console.log(`\ncheck:faults — PostgreSQL scratch database ${database}, server restarted ${server.starts - 1} times, seed ${flags.seed}, ${seconds} s`);
  console.log(line('figure', 'value', 'goal', ''));
  console.log('─'.repeat(width[0] + width[1] + width[2] + 12));
  let ok = true;
  for (const [figure, value, goal, pass] of rows) {
    if (pass === false) ok = false;
    console.log(line(figure, value, goal ?? '', pass === undefined || pass === null ? '' : pass ? 'PASS' : 'FAIL'));
  }
  if (!result.final.drained.clean) console.log(`\nnote: runs were still queued or running when the final figures were read (no progress for ${flags['recovery-wait-ms']} ms)`);
  console.log(ok ? '\nevery goal met' : '\nSOME GOALS MISSED');
  return ok;
}
