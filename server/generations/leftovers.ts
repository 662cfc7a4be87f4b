// Crash leftovers: at start, output folders of runs that never finished (failed, expired, canceled, or with no run at all) are removed, and the run's ledger entry says so.
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { GENERATION_ID_PATTERN, type LedgerDetailsInput } from '../../shared/api/index';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import { generations, ledgerEntries } from '../db/schema';
import { outputDirOf } from './runner';

/** Folders looked at in one start: a bound on the work, not on correctness (the rest wait for the next start). */
export const LEFTOVER_SCAN_MAX = 10_000;
/** How long to wait for the runner to settle runs that were running when the server stopped (it refunds them as interrupted). */
export const RECOVERY_WAIT_MS = 30_000;
const RECOVERY_POLL_MS = 250;
const LOOKUP_BATCH = 500;
/** Runs whose outputs are never coming: their folders hold only a crashed run's partial files. */
const UNFINISHED = ['failed', 'expired', 'canceled'];
export const OUTPUTS_REMOVED_NOTE = 'the partial outputs of this run were removed when the server restarted';

export interface LeftoverOptions {
  db: Db;
  outputsDir: string;
  clock: Clock;
  waitMs?: number;
  /** stops the wait for running runs (the server is closing) */
  signal?: AbortSignal;
  log?: (msg: string) => void;
}

export interface LeftoverReport {
  /** folders removed: `${accountId}/${generationId}`, with why */
  removed: { folder: string; reason: 'no_run' | 'failed' | 'expired' | 'canceled' }[];
  /** folders of runs still running after the wait (another server may be running them): left alone */
  stillRunning: string[];
}

type Folder = { accountId: string; generationId: string };
type Row = { id: string; accountId: string; status: string };

async function dirsIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  // symbolic links and files are not the runner's: left alone
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

/** Generation folders under the outputs folder, at most LEFTOVER_SCAN_MAX; names that are not generation ids are not ours. */
async function generationFolders(outputsDir: string): Promise<Folder[]> {
  const out: Folder[] = [];
  for (const accountId of await dirsIn(outputsDir)) {
    for (const generationId of await dirsIn(path.join(outputsDir, accountId))) {
      if (!GENERATION_ID_PATTERN.test(generationId)) continue;
      out.push({ accountId, generationId });
      if (out.length >= LEFTOVER_SCAN_MAX) return out;
    }
  }
  return out;
}

async function rowsOf(db: Db, ids: string[]): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  for (let i = 0; i < ids.length; i += LOOKUP_BATCH) {
    const batch = await db.select({ id: generations.id, accountId: generations.accountId, status: generations.status }).from(generations).where(inArray(generations.id, ids.slice(i, i + LOOKUP_BATCH)));
    for (const r of batch) rows.set(r.id, r);
  }
  return rows;
}

/** Notes on the run's refund (its latest void entry) that its partial outputs were removed. */
async function noteInLedger(db: Db, row: Row, nowMs: number): Promise<void> {
  const [entry] = await db
    .select({ id: ledgerEntries.id })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.accountId, row.accountId), eq(ledgerEntries.ref, row.id), eq(ledgerEntries.kind, 'void')))
    .orderBy(desc(ledgerEntries.id))
    .limit(1);
  if (!entry) return;
  const added: Pick<LedgerDetailsInput<'void'>, 'outputsRemovedAtMs' | 'outputsNote'> = { outputsRemovedAtMs: nowMs, outputsNote: OUTPUTS_REMOVED_NOTE };
  const note = JSON.stringify(added);
  await db.update(ledgerEntries).set({ details: sql`${ledgerEntries.details} || ${note}::jsonb` }).where(eq(ledgerEntries.id, entry.id));
}

async function removeFolder(opts: LeftoverOptions, f: Folder): Promise<void> {
  await rm(outputDirOf(opts.outputsDir, f.accountId, f.generationId), { recursive: true, force: true });
  // the account's folder goes too once it is empty; rmdir refuses a folder that is not
  await rmdir(path.join(opts.outputsDir, f.accountId)).catch(() => undefined);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** Waits (bounded) for the runs that were running when the server stopped to be settled by the runner's recovery. */
async function waitForRecovery(opts: LeftoverOptions, running: Folder[]): Promise<Map<string, Row>> {
  const deadline = Date.now() + (opts.waitMs ?? RECOVERY_WAIT_MS);
  let rows = await rowsOf(opts.db, running.map((f) => f.generationId));
  while (!opts.signal?.aborted && Date.now() < deadline && [...rows.values()].some((r) => r.status === 'running')) {
    await sleep(RECOVERY_POLL_MS, opts.signal);
    if (!opts.signal?.aborted) rows = await rowsOf(opts.db, running.map((f) => f.generationId));
  }
  return rows;
}

/**
 * Removes the output folders a crash left behind: those of runs that failed, expired or were canceled (their partial files are
 * never served), and those with no run at all. Runs still running are waited for, then left alone if they still are.
 */
export async function removeLeftovers(opts: LeftoverOptions): Promise<LeftoverReport> {
  const report: LeftoverReport = { removed: [], stillRunning: [] };
  const folders = await generationFolders(opts.outputsDir);
  if (folders.length === 0) return report;
  const rows = await rowsOf(opts.db, folders.map((f) => f.generationId));
  const running = folders.filter((f) => rows.get(f.generationId)?.status === 'running' && rows.get(f.generationId)?.accountId === f.accountId);
  const settle = async (f: Folder, row: Row | undefined) => {
    if (opts.signal?.aborted) return;
    // a folder under another account than its run's is not that run's folder: the runner never made it
    const owned = row !== undefined && row.accountId === f.accountId;
    if (owned && !UNFINISHED.includes(row.status)) return;
    // a run that failed while this waited has had its folder removed by the runner already
    if (!(await stat(outputDirOf(opts.outputsDir, f.accountId, f.generationId)).catch(() => null))) return;
    await removeFolder(opts, f);
    report.removed.push({ folder: `${f.accountId}/${f.generationId}`, reason: owned ? (row.status as 'failed') : 'no_run' });
    if (owned) await noteInLedger(opts.db, row, opts.clock.now());
  };
  for (const f of folders) if (!running.includes(f)) await settle(f, rows.get(f.generationId));
  if (running.length > 0) {
    const after = await waitForRecovery(opts, running);
    for (const f of running) {
      if (after.get(f.generationId)?.status === 'running') report.stillRunning.push(`${f.accountId}/${f.generationId}`);
      else await settle(f, after.get(f.generationId));
    }
  }
  if (report.removed.length > 0) opts.log?.(`removed ${report.removed.length} output folders of runs that never finished: ${report.removed.map((r) => `${r.folder} (${r.reason})`).slice(0, 20).join(', ')}`);
  return report;
}
