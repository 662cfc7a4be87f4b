// check:faults: the scratch PostgreSQL database, and the invariants read straight from its tables (ledger, grants, holds, generations).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const num = (v) => Number(v ?? 0);

function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A new, empty database on the server of `adminUrl`; `drop()` removes it (closing any connection left). */
export async function createScratchDatabase(adminUrl) {
  const name = `credits_faults_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** What is still in flight: holds past their deadline plus grace, runs queued or running, active holds. */
export async function inFlight(db, nowMs, graceMs) {
  const { rows: [h] } = await db.query(
    `SELECT count(*) FILTER (WHERE deadline_ms + $2 < $1) AS stuck, count(*) AS active FROM holds WHERE status = 'active'`,
    [nowMs, graceMs],
  );
  const { rows: [g] } = await db.query(`SELECT count(*) FILTER (WHERE status = 'queued') AS queued, count(*) FILTER (WHERE status = 'running') AS running FROM generations`);
  return { stuckHolds: num(h.stuck), activeHolds: num(h.active), queued: num(g.queued), running: num(g.running) };
}

/**
 * Credits conservation per account, from the ledger and the grants table: granted − captured − expired = remaining. Also that
 * the ledger's grants match the grants table, and that no account captured more than it was granted.
 */
export async function conservation(db) {
  const { rows } = await db.query(`
    WITH l AS (
      SELECT account_id,
        coalesce(sum(amount_mc) FILTER (WHERE kind = 'grant'), 0) AS granted,
        coalesce(-sum(amount_mc) FILTER (WHERE kind = 'capture'), 0) AS captured,
        coalesce(-sum(amount_mc) FILTER (WHERE kind = 'expiry'), 0) AS expired,
        coalesce(sum(amount_mc) FILTER (WHERE kind NOT IN ('grant', 'capture', 'expiry')), 0) AS other
      FROM ledger_entries GROUP BY account_id),
    g AS (SELECT account_id, sum(amount_mc) AS amount, sum(remaining_mc) AS remaining, min(remaining_mc) AS min_remaining FROM grants GROUP BY account_id)
    SELECT coalesce(l.account_id, g.account_id) AS account_id, l.granted, l.captured, l.expired, l.other, g.amount, g.remaining, g.min_remaining
    FROM l FULL JOIN g ON g.account_id = l.account_id`);
  const out = { accounts: rows.length, grantedMc: 0, capturedMc: 0, expiredMc: 0, remainingMc: 0, accountsOff: 0, diffMc: 0, ledgerVsGrantsOff: 0, capturedBeyondGrants: 0, negativeGrants: 0, otherMovementsMc: 0 };
  for (const r of rows) {
    const granted = num(r.granted);
    const captured = num(r.captured);
    const expired = num(r.expired);
    const remaining = num(r.remaining);
    out.grantedMc += granted;
    out.capturedMc += captured;
    out.expiredMc += expired;
    out.remainingMc += remaining;
    out.otherMovementsMc += Math.abs(num(r.other));
    const diff = granted - captured - expired - remaining;
    if (diff !== 0) out.accountsOff++;
    out.diffMc += Math.abs(diff);
    if (granted !== num(r.amount)) out.ledgerVsGrantsOff++;
    if (captured > granted) out.capturedBeyondGrants++;
    if (r.min_remaining !== null && num(r.min_remaining) < 0) out.negativeGrants++;
  }
  return out;
}

/** Runs that were charged: how many, how many with no outputs recorded or a missing output file, and captures per run above one. */
export async function delivery(db, outputsDir) {
  const { rows } = await db.query(`SELECT id, account_id, outputs, charged_mc FROM generations WHERE charged_mc > 0`);
  let noOutputs = 0;
  let missingFiles = 0;
  for (const r of rows) {
    const outputs = Array.isArray(r.outputs) ? r.outputs : [];
    if (outputs.length === 0) noOutputs++;
    else if (outputs.some((o) => !existsSync(path.join(outputsDir, r.account_id, r.id, o.name)))) missingFiles++;
  }
  const { rows: [c] } = await db.query(`SELECT count(*) AS runs FROM (SELECT ref FROM ledger_entries WHERE kind = 'capture' GROUP BY ref HAVING count(*) > 1) t`);
  const { rows: [m] } = await db.query(
    `SELECT count(*) AS n FROM generations g WHERE g.charged_mc IS DISTINCT FROM (SELECT coalesce(-sum(amount_mc), 0) FROM ledger_entries l WHERE l.kind = 'capture' AND l.ref = g.id) AND g.charged_mc IS NOT NULL AND g.charged_mc > 0`,
  );
  return { charged: rows.length, noOutputs, missingFiles, capturedTwice: num(c.runs), chargeVsLedgerOff: num(m.n) };
}

/** Each listed account's available credits in one snapshot: in-force remaining less active holds. */
export async function availableNow(db, accountIds, nowMs) {
  const { rows } = await db.query(
    `SELECT a.id,
       coalesce((SELECT sum(remaining_mc) FROM grants g WHERE g.account_id = a.id AND g.effective_at_ms <= $2 AND (g.expires_at_ms IS NULL OR g.expires_at_ms > $2)), 0)
       - coalesce((SELECT sum(amount_mc) FROM holds h WHERE h.account_id = a.id AND h.status = 'active'), 0) AS available
     FROM accounts a WHERE a.id = ANY($1)`,
    [accountIds, nowMs],
  );
  return rows.map((r) => ({ accountId: r.id, availableMc: num(r.available) }));
}

/** Runs per account and the keys that created them, for the replay check. */
export async function runsAndKeys(db, accountIds) {
  const { rows: [g] } = await db.query(`SELECT count(*) AS n FROM generations WHERE account_id = ANY($1)`, [accountIds]);
  const scopes = accountIds.map((id) => `gen:${id}`);
  const { rows: [k] } = await db.query(`SELECT count(*) AS n FROM idempotency_keys WHERE scope = ANY($1)`, [scopes]);
  const { rows: [h] } = await db.query(`SELECT count(*) AS n FROM (SELECT ref FROM ledger_entries WHERE kind = 'hold' AND account_id = ANY($1) GROUP BY ref HAVING count(*) > 1) t`, [accountIds]);
  return { runs: num(g.n), keys: num(k.n), heldTwice: num(h.n) };
}

/** How the listed accounts' runs ended: count by status, and how many were refunded because a crash interrupted them. */
export async function outcomes(db, accountIds) {
  const { rows } = await db.query(`SELECT status, count(*) AS n, count(*) FILTER (WHERE error_code = 'interrupted') AS interrupted FROM generations WHERE account_id = ANY($1) GROUP BY status ORDER BY status`, [accountIds]);
  return { byStatus: Object.fromEntries(rows.map((r) => [r.status, num(r.n)])), interrupted: rows.reduce((s, r) => s + num(r.interrupted), 0) };
}
