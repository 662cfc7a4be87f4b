// Local history: the account's ledger, synced from the server by id and from the stream, kept in a validated file so it reads offline;
// rows (one per run, one per other entry), filters, search, CSV export (one line per entry) and the 30-day spend chart are computed
// here, so the renderer only ever holds one window of rows.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { entryText, ledgerEntrySchema, type LedgerEntry } from '../../shared/api/index';
import type { HistoryFilter, HistoryRow } from '../../shared/ipc/contract';
import { MS_PER_DAY, startOfUtcDay, utcDayKey } from '../../shared/rules/schedule';
import type { CreditsApiClient } from './api-client';
import { historyCsv } from './history-csv';
import { HistoryGrouping, matchesEntry, matchesGroup, prepareFilter, rowOf, type Group } from './history-rows';

export { csvField } from './history-csv';

export const MAX_HISTORY = 100_000;
export const SYNC_PAGE = 1_000;
export const MAX_QUERY_LIMIT = 500;
const SAVE_DEBOUNCE_MS = 500;

const fileSchema = z.object({ version: z.literal(1), serverIdentity: z.string(), accountId: z.string(), entries: z.array(ledgerEntrySchema) });


export class HistoryStore {
  private entries: LedgerEntry[] = [];
  private accountId: string | null = null;
  private saveTimer: NodeJS.Timeout | null = null;
  /** the rows, kept up to date as entries arrive; null: to be built from the entries when next asked */
  private grouping: HistoryGrouping | null = null;
  /** the last filter's rows, newest first, so that scrolling through them pages without filtering again */
  private lastQuery: { key: string; rows: Group[]; runs: number } | null = null;
  /** model or workflow id → label, for the filter; the sorted list is kept until a new one appears */
  private modelLabels = new Map<string, string>();
  private modelList: { id: string; label: string }[] | null = null;
  private syncing: Promise<void> | null = null;
  /** told of the entries each `add` took in (from the stream or a sync), oldest first */
  onAdded: ((entries: readonly LedgerEntry[]) => void) | null = null;

  constructor(
    private readonly file: string,
    private readonly serverIdentity: string,
  ) {
    this.load();
  }

  private load(): void {
    if (!existsSync(this.file)) return;
    try {
      const parsed = fileSchema.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
      if (parsed.success && parsed.data.serverIdentity === this.serverIdentity) {
        this.entries = parsed.data.entries.sort((a, b) => a.id - b.id);
        this.accountId = parsed.data.accountId;
        for (const e of this.entries) this.noteModel(e);
      }
    } catch {
      this.entries = []; // corrupt: rebuilt from the server on the next sync
    }
  }

  get size(): number {
    return this.entries.length;
  }

  get maxId(): number {
    return this.entries.length ? this.entries[this.entries.length - 1]!.id : 0;
  }

  all(): readonly LedgerEntry[] {
    return this.entries;
  }

  /** The history belongs to one account: another account's is dropped. */
  forAccount(accountId: string): void {
    if (this.accountId === accountId) return;
    this.accountId = accountId;
    this.entries = [];
    this.grouping = null;
    this.modelLabels.clear();
    this.modelList = null;
    this.changed();
  }

  /** Adds entries newer than what is held (the stream and the sync may both deliver one: each is kept once). */
  add(items: readonly LedgerEntry[]): number {
    const taken: LedgerEntry[] = [];
    for (const e of items) {
      if (e.id <= this.maxId) {
        if (this.entries.some((x) => x.id === e.id)) continue;
        this.entries.push(e);
        this.entries.sort((a, b) => a.id - b.id);
        this.grouping = null; // out of order: the rows are rebuilt when next asked
      } else {
        this.entries.push(e);
        this.grouping?.append(e);
      }
      this.noteModel(e);
      taken.push(e);
    }
    if (this.entries.length > MAX_HISTORY) this.grouping?.dropOldest(this.entries.splice(0, this.entries.length - MAX_HISTORY));
    if (taken.length) {
      this.changed();
      this.onAdded?.(taken);
    }
    return taken.length;
  }

  private noteModel(e: LedgerEntry): void {
    const { modelId: id, label } = entryText(e);
    if (!id || this.modelLabels.has(id)) return;
    this.modelLabels.set(id, label || id);
    this.modelList = null;
  }

  /** The rows, oldest first, built once from the entries and then kept up to date by `add`. */
  private groups(): readonly Group[] {
    if (!this.grouping) {
      this.grouping = new HistoryGrouping();
      this.grouping.rebuild(this.entries);
    }
    return this.grouping.all();
  }

  private changed(): void {
    this.lastQuery = null;
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.save();
    }, SAVE_DEBOUNCE_MS);
    this.saveTimer.unref?.();
  }

  /** Written atomically: a crash mid-write leaves the previous file. */
  save(): void {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
    }
    if (!this.accountId) return;
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, serverIdentity: this.serverIdentity, accountId: this.accountId, entries: this.entries }), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }

  /** Pulls every entry after the newest held, page by page; safe to call again after an interruption (it resumes by id). */
  sync(client: CreditsApiClient, accountId: string): Promise<void> {
    if (this.syncing) return this.syncing;
    this.forAccount(accountId);
    this.syncing = (async () => {
      try {
        for (let pages = 0; pages < MAX_HISTORY / SYNC_PAGE + 1; pages++) {
          const page = await client.ledger(this.maxId, SYNC_PAGE);
          this.add(page.items);
          if (!page.hasMore) break;
        }
      } finally {
        this.syncing = null;
        this.save();
      }
    })();
    return this.syncing;
  }

  /** Filtered rows, newest first, and how many of them are runs. The last result is kept so that scrolling pages through it. */
  private filtered(f: HistoryFilter): { rows: Group[]; runs: number } {
    const key = JSON.stringify(f);
    if (this.lastQuery?.key === key) return this.lastQuery;
    const p = prepareFilter(f);
    const all = this.groups();
    const rows: Group[] = [];
    let runs = 0;
    for (let i = all.length - 1; i >= 0; i--) {
      const g = all[i]!;
      if (!matchesGroup(g, p)) continue;
      rows.push(g);
      if (g.type === 'run') runs++;
    }
    this.lastQuery = { key, rows, runs };
    return this.lastQuery;
  }

  /** A page of rows: one per run (its entries by id), one per entry that belongs to no run; `total` counts rows. */
  query(f: HistoryFilter, offset: number, limit: number): { total: number; runs: number; items: HistoryRow[] } {
    const { rows, runs } = this.filtered(f);
    return { total: rows.length, runs, items: rows.slice(offset, offset + Math.min(limit, MAX_QUERY_LIMIT)).map(rowOf) };
  }

  /** Entries by id, in the order asked; ids no longer held (dropped past MAX_HISTORY, another account's) are left out. */
  entriesByIds(ids: readonly number[]): LedgerEntry[] {
    const out: LedgerEntry[] = [];
    for (const id of ids) {
      let lo = 0;
      let hi = this.entries.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const at = this.entries[mid]!.id;
        if (at === id) {
          out.push(this.entries[mid]!);
          break;
        }
        if (at < id) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    return out;
  }

  /** The models (and workflows) that appear in history, for the filter. */
  models(): { id: string; label: string }[] {
    this.modelList ??= [...this.modelLabels].map(([id, label]) => ({ id, label })).sort((a, b) => a.label.localeCompare(b.label));
    return this.modelList;
  }

  /** The entries the filters show, newest first: what the CSV export writes, one line each. */
  private filteredEntries(f: HistoryFilter): LedgerEntry[] {
    const p = prepareFilter(f);
    const out: LedgerEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0; i--) if (matchesEntry(this.entries[i]!, p)) out.push(this.entries[i]!);
    return out;
  }

  /** CSV of what the filters show, newest first, with a header; amounts in credits with up to 3 decimals (columns: history-csv.ts). */
  csv(f: HistoryFilter): string {
    return historyCsv(this.filteredEntries(f));
  }

  /** Credits spent per UTC day by model over the last `days` days (server time). */
  spendByDay(serverNowMs: number, days = 30): { day: string; byModel: Record<string, number>; totalMc: number }[] {
    const start = startOfUtcDay(serverNowMs) - (days - 1) * MS_PER_DAY;
    const out = Array.from({ length: days }, (_, i) => ({ day: utcDayKey(start + i * MS_PER_DAY), byModel: {} as Record<string, number>, totalMc: 0 }));
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.atMs < start) break;
      if (e.kind !== 'capture' || e.amountMc >= 0) continue;
      const slot = out[Math.floor((e.atMs - start) / MS_PER_DAY)];
      if (!slot) continue;
      const model = e.details.label || e.details.modelId || 'other';
      slot.byModel[model] = (slot.byModel[model] ?? 0) - e.amountMc;
      slot.totalMc -= e.amountMc;
    }
    return out;
  }
}
