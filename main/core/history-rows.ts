// History's rows: the ledger grouped into one row per run (its hold, charge, release or refund, and the expiries it caused) and
// one row per entry that belongs to no run; kept up to date entry by entry, so 100,000 entries are not regrouped on every change.
import { entryText, isRunEntry, type FundingLine, type LedgerEntry, type PinLine, type RunEntry } from '../../shared/api/index';
import type { FundingByKind, HistoryFilter, HistoryRow, HistoryRunRow } from '../../shared/ipc/contract';
import { RUN_ROW_MAX_ENTRIES } from '../../shared/ipc/contract';
import type { GrantKind } from '../../shared/rules/grants';
import { cutText } from '../../shared/rules/text';

/** The run an entry belongs to: the generation id its details carry (holds, captures, releases and voids also carry it as ref). */
export function runIdOf(e: LedgerEntry): string | null {
  if (!isRunEntry(e)) return null;
  const id = e.details.generationId;
  if (id) return id;
  return e.kind !== 'expiry' && e.ref ? e.ref : null;
}

export interface RunGroup {
  type: 'run';
  runId: string;
  /** oldest first */
  entries: RunEntry[];
  /** the row as answered, computed when first asked and dropped when an entry joins */
  row: HistoryRunRow | null;
}
export interface EntryGroup {
  type: 'entry';
  entry: LedgerEntry;
}
export type Group = RunGroup | EntryGroup;

/** Adds to `into` the credits per grant kind of a capture's funding lines or a hold's pins, keeping the first-seen order. */
function addByKind(into: Map<GrantKind, FundingByKind>, lines: readonly (FundingLine | PinLine)[] | undefined): void {
  for (const l of lines ?? []) {
    if (l.amountMc <= 0) continue;
    const had = into.get(l.kind);
    into.set(l.kind, { kind: l.kind, amountMc: (had?.amountMc ?? 0) + l.amountMc, paid: (had?.paid ?? false) || ('paid' in l && l.paid) });
  }
}

interface Tally {
  held: boolean;
  captured: boolean;
  released: boolean;
  voided: boolean;
  undelivered: number;
}

/** What one entry adds to its run's row. */
function tallyEntry(row: HistoryRunRow, t: Tally, e: RunEntry, funding: Map<GrantKind, FundingByKind>, heldFrom: Map<GrantKind, FundingByKind>): void {
  if (e.kind === 'expiry') {
    row.expiredMc += Math.max(0, -e.amountMc);
    return;
  }
  const d = e.details;
  row.label ||= cutText(d.label ?? '');
  row.modelId ??= d.modelId?.slice(0, 80) || null;
  row.prompt ||= cutText(d.prompt ?? '');
  if (e.kind === 'hold') {
    row.estimateMaxMc ??= e.details.estimateMaxMc ?? null;
    t.held = true;
    row.heldMc = e.details.heldMc ?? row.heldMc;
    addByKind(heldFrom, e.details.pins);
  } else if (e.kind === 'capture') {
    const c = e.details;
    row.estimateMaxMc ??= c.estimateMaxMc ?? null;
    t.captured = true;
    row.chargedMc += Math.max(0, -e.amountMc);
    row.heldMc ||= c.heldMc ?? 0;
    addByKind(funding, c.funding);
    if (c.usage) row.usage = c.usage;
    row.outputCount = c.outputCount ?? c.usage?.delivered ?? null;
    if (c.commercialUse !== undefined) row.commercialUse = c.commercialUse;
    t.undelivered += c.undelivered ?? 0;
  } else if (e.kind === 'release') {
    t.released = true;
    row.returnedMc += e.details.releasedMc ?? 0;
  } else {
    t.voided = true;
    row.returnedMc += e.details.releasedMc ?? 0;
    row.reason = e.details.reason?.slice(0, 80) || null;
    row.heldMc ||= e.details.releasedMc ?? 0;
  }
}

/** A run's row from its entries. */
export function runRow(g: RunGroup): HistoryRunRow {
  const row: HistoryRunRow = {
    type: 'run', runId: g.runId.slice(0, 80), label: '', modelId: null, prompt: '', status: 'held', atMs: g.entries[0]!.atMs, chargedMc: 0, heldMc: 0, returnedMc: 0,
    expiredMc: 0, estimateMaxMc: null, funding: [], heldFrom: [], commercialUse: null, usage: null, outputCount: null, reason: null,
    entryIds: g.entries.slice(0, RUN_ROW_MAX_ENTRIES).map((e) => e.id),
  };
  const t: Tally = { held: false, captured: false, released: false, voided: false, undelivered: 0 };
  const funding = new Map<GrantKind, FundingByKind>();
  const heldFrom = new Map<GrantKind, FundingByKind>();
  for (const e of g.entries) tallyEntry(row, t, e, funding, heldFrom);
  // only a hold and nothing after it is a run in progress (a run whose hold was dropped past MAX_HISTORY has ended)
  row.status = t.voided ? 'refunded' : t.captured || t.released ? (t.undelivered > 0 ? 'partial' : 'settled') : t.held ? 'held' : 'settled';
  if (row.status === 'refunded') row.chargedMc = 0;
  row.funding = [...funding.values()];
  row.heldFrom = [...heldFrom.values()];
  row.label ||= row.modelId ?? 'Run';
  return row;
}

/** The row a group answers as. */
export function rowOf(g: Group): HistoryRow {
  if (g.type === 'entry') return { type: 'entry', entry: g.entry };
  g.row ??= runRow(g);
  return g.row;
}

/** A filter made ready to test many rows: lower-cased search, kinds as a set. */
export interface PreparedFilter {
  kinds: ReadonlySet<string> | null;
  modelId: string | null;
  fromMs: number | null;
  toMs: number | null;
  search: string | null;
}

export function prepareFilter(f: HistoryFilter): PreparedFilter {
  return {
    kinds: f.kinds && f.kinds.length ? new Set(f.kinds) : null,
    modelId: f.modelId || null,
    fromMs: f.fromMs ?? null,
    toMs: f.toMs ?? null,
    search: f.search?.trim().toLowerCase() || null,
  };
}

/** Kind, model and time: what one entry is tested on. */
function entryMatches(e: LedgerEntry, f: PreparedFilter): boolean {
  if (f.kinds && !f.kinds.has(e.kind)) return false;
  if (f.modelId && entryText(e).modelId !== f.modelId) return false;
  if (f.fromMs !== null && e.atMs < f.fromMs) return false;
  if (f.toMs !== null && e.atMs > f.toMs) return false;
  return true;
}

function textMatches(e: LedgerEntry, search: string): boolean {
  const t = entryText(e);
  return t.prompt.toLowerCase().includes(search) || t.label.toLowerCase().includes(search) || t.note.toLowerCase().includes(search);
}

/** An entry matches when it passes every test; the CSV export, one line per entry, filters with this. */
export function matchesEntry(e: LedgerEntry, f: PreparedFilter): boolean {
  return entryMatches(e, f) && (!f.search || textMatches(e, f.search));
}

/**
 * A run matches when one of its entries passes the kind, model and time tests (a run charged today matches "Charged" and
 * "today"), and its id or one of its entries' prompt, label or note holds the search.
 */
export function matchesGroup(g: Group, f: PreparedFilter): boolean {
  if (g.type === 'entry') return matchesEntry(g.entry, f);
  if ((f.kinds || f.modelId || f.fromMs !== null || f.toMs !== null) && !g.entries.some((e) => entryMatches(e, f))) return false;
  return !f.search || g.runId.toLowerCase().includes(f.search) || g.entries.some((e) => textMatches(e, f.search!));
}

/**
 * The rows, oldest first, each placed by its first entry. Entries join in id order (the sync and the stream deliver them so);
 * anything else (an entry older than the newest, the history of another account) calls for `rebuild`.
 */
export class HistoryGrouping {
  private groups: Group[] = [];
  private runs = new Map<string, RunGroup>();

  get length(): number {
    return this.groups.length;
  }

  /** oldest first */
  all(): readonly Group[] {
    return this.groups;
  }

  rebuild(entries: readonly LedgerEntry[]): void {
    this.groups = [];
    this.runs.clear();
    for (const e of entries) this.append(e);
  }

  /** An entry newer than every entry held: a new row, or one more entry of its run's row (whose answer is then recomputed). */
  append(e: LedgerEntry): void {
    const runId = runIdOf(e);
    if (runId === null || !isRunEntry(e)) {
      this.groups.push({ type: 'entry', entry: e });
      return;
    }
    const run = this.runs.get(runId);
    if (run) {
      run.entries.push(e);
      run.row = null;
      return;
    }
    const fresh: RunGroup = { type: 'run', runId, entries: [e], row: null };
    this.runs.set(runId, fresh);
    this.groups.push(fresh);
  }

  /** Drops the oldest entries (the history keeps at most so many): their rows, or their place in their run's row. */
  dropOldest(dropped: readonly LedgerEntry[]): void {
    if (dropped.length === 0) return;
    const ids = new Set(dropped.map((e) => e.id));
    const lastId = dropped.reduce((m, e) => Math.max(m, e.id), 0);
    // the rows they touch are at the front: rows are in the order of their first entries, and the dropped entries are the oldest
    let touched = 0;
    while (touched < this.groups.length && firstIdOf(this.groups[touched]!) <= lastId) touched++;
    const kept: Group[] = [];
    for (const g of this.groups.slice(0, touched)) {
      if (g.type === 'entry') {
        if (!ids.has(g.entry.id)) kept.push(g);
        continue;
      }
      g.entries = g.entries.filter((x) => !ids.has(x.id));
      g.row = null;
      if (g.entries.length > 0) kept.push(g);
      else this.runs.delete(g.runId);
    }
    // a run that lost its first entries is placed by its first entry left, as a rebuild would place it: merged by first id
    kept.sort((a, b) => firstIdOf(a) - firstIdOf(b));
    const rest = this.groups.slice(touched);
    const merged: Group[] = [];
    let k = 0;
    for (const g of rest) {
      while (k < kept.length && firstIdOf(kept[k]!) < firstIdOf(g)) merged.push(kept[k++]!);
      merged.push(g);
    }
    this.groups = merged.concat(kept.slice(k));
  }
}

const firstIdOf = (g: Group): number => (g.type === 'entry' ? g.entry.id : g.entries[0]!.id);
