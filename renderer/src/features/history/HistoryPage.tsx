// History: one row per run (its cost, funding and outputs, expanding to its ledger entries) and one per other entry (grants,
// purchases, expiries...), filtered and searched in main, shown in a virtualized list of rows of changing height so that 100,000
// entries scroll smoothly; an entry opens its details; CSV export (one line per entry) and a 30-day spend chart.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { LedgerEntry } from '../../../../shared/api/index';
import type { HistoryRow } from '../../../../shared/ipc/contract';
import { EntryDetails } from './EntryDetails';
import { HistoryFilters } from './HistoryFilters';
import { EntryRow, RunRow } from './HistoryRows';
import { SpendChart } from './SpendChart';
import { useHistoryPages } from './use-history-pages';

/** a collapsed row's height (CSS gives every collapsed row this height; an expanded one is measured) */
const ROW_HEIGHT_PX = 56;

const rowKey = (r: HistoryRow | undefined, i: number): string | number => (r ? (r.type === 'run' ? `run:${r.runId}` : `entry:${r.entry.id}`) : i);

const COUNT = new Intl.NumberFormat('en-US');
const counted = (n: number, one: string, many: string) => `${COUNT.format(n)} ${n === 1 ? one : many}`;

/** "48,000 runs and 4,000 other entries", "1 run", "3 entries"; none: whether the filter is why */
function countText(total: number | null, runs: number, filtered: boolean): string {
  if (total === null) return 'Loading history…';
  if (total === 0) return filtered ? 'No entries match the filter' : 'No entries yet';
  const others = total - runs;
  if (runs && others) return `${counted(runs, 'run', 'runs')} and ${counted(others, 'other entry', 'other entries')}`;
  return runs ? counted(runs, 'run', 'runs') : counted(others, 'entry', 'entries');
}

export function HistoryPage() {
  const { filter, setFilter, search, setSearch, total, runs, models, answer, rowAt, ensureRows } = useHistoryPages();
  const [selected, setSelected] = useState<LedgerEntry | null>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const parentRef = useRef<HTMLDivElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const filtered = search.trim() !== '' || !!filter.kinds?.length || !!filter.modelId || filter.fromMs !== undefined || filter.toMs !== undefined;
  /** the empty state's way out: every filter off, and the focus (its button goes away) to the search field */
  const clearFilter = () => {
    setSearch('');
    setFilter(() => ({}));
    searchRef.current?.focus();
  };
  // Rows are keyed by what they are, so that an open run keeps its measured height when rows above it come or go. The key
  // function changes (and the list places all 50,000 rows again) once per answer, not once per page loaded while scrolling.
  const rowAtNow = useRef(rowAt);
  rowAtNow.current = rowAt;
  const getItemKey = useCallback((i: number) => rowKey(rowAtNow.current(i), i), [answer]);
  const virtualizer = useVirtualizer({ count: total ?? 0, getScrollElement: () => parentRef.current, estimateSize: () => ROW_HEIGHT_PX, getItemKey, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => ensureRows(first, last), [first, last, ensureRows]);
  const toggle = (runId: string) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(runId)) next.delete(runId);
      else next.add(runId);
      return next;
    });

  return (
    <main className="page history" aria-labelledby="history-heading">
      <h1 id="history-heading">History</h1>
      <SpendChart ready={total !== null} />
      <HistoryFilters filter={filter} setFilter={setFilter} search={search} setSearch={setSearch} models={models} searchRef={searchRef} />
      <p className="muted" aria-live="polite" data-testid="history-count">
        {countText(total, runs, filtered)}
      </p>
      <div className="history-body">
        {total === 0 ? (
          <div className="history-empty" data-testid="history-empty">
            {filtered ? (
              <>
                <p>Nothing matches the filter{search.trim() ? ` “${search.trim()}”` : ''}.</p>
                <button type="button" onClick={clearFilter}>
                  Clear the filter
                </button>
              </>
            ) : (
              <p>No history yet: runs, grants and purchases show here as they happen.</p>
            )}
          </div>
        ) : (
          <div ref={parentRef} className="history-scroll" role="list" aria-label="History entries" tabIndex={0}>
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {items.map((v) => {
                const r = rowAt(v.index);
                return (
                  <div key={v.key} ref={virtualizer.measureElement} data-index={v.index} role="listitem" className="history-row" style={{ transform: `translateY(${v.start}px)` }}>
                    {!r && <span className="row-loading">…</span>}
                    {r?.type === 'entry' && <EntryRow entry={r.entry} selected={selected?.id === r.entry.id} onSelect={() => setSelected(r.entry)} />}
                    {r?.type === 'run' && <RunRow row={r} expanded={expanded.has(r.runId)} onToggle={() => toggle(r.runId)} selectedId={selected?.id ?? null} onSelectEntry={setSelected} />}
                  </div>
                );
              })}
            </div>
          </div>
        )}
        {selected && <EntryDetails entry={selected} onClose={() => setSelected(null)} />}
      </div>
    </main>
  );
}
