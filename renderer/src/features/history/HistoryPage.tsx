// History: every ledger entry (grants, holds, charges, releases, refunds, expiries), filtered and searched in main, shown in a
// virtualized list so 100,000 entries scroll smoothly; one entry opens its details; CSV export and a 30-day spend chart.
import { useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { LedgerEntry } from '../../../../shared/api/index';
import { EntryDetails } from './EntryDetails';
import { HistoryFilters } from './HistoryFilters';
import { amountText, describe, KIND_LABELS } from './ledger-labels';
import { SpendChart } from './SpendChart';
import { useHistoryPages } from './use-history-pages';

const ROW_HEIGHT_PX = 46;

function Row({ entry, selected, onSelect }: { entry: LedgerEntry; selected: boolean; onSelect: () => void }) {
  return (
    <button type="button" className={`row-button${selected ? ' selected' : ''}`} onClick={onSelect}>
      {/* named by what it shows (an aria-label that differs from the visible text confuses voice control) */}
      <time className="row-time" dateTime={new Date(entry.atMs).toISOString()} title={new Date(entry.atMs).toLocaleString()}>
        {new Date(entry.atMs).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })}
      </time>
      <span className={`row-kind k-${entry.kind}`}>{KIND_LABELS[entry.kind]}</span>
      <span className="row-desc">{describe(entry)}</span>
      <span className={`row-amount${entry.amountMc > 0 ? ' plus' : entry.amountMc < 0 ? ' minus' : ''}`}>{amountText(entry)}</span>
    </button>
  );
}

export function HistoryPage() {
  const { filter, setFilter, search, setSearch, total, models, rowAt, ensureRows } = useHistoryPages();
  const [selected, setSelected] = useState<LedgerEntry | null>(null);
  const parentRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: total ?? 0, getScrollElement: () => parentRef.current, estimateSize: () => ROW_HEIGHT_PX, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => ensureRows(first, last), [first, last, ensureRows]);

  return (
    <main className="page history" aria-labelledby="history-heading">
      <h1 id="history-heading">History</h1>
      <SpendChart />
      <HistoryFilters filter={filter} setFilter={setFilter} search={search} setSearch={setSearch} models={models} />
      <p className="muted" aria-live="polite" data-testid="history-count">
        {total === null ? 'Loading history…' : `${total.toLocaleString('en-US')} ${total === 1 ? 'entry' : 'entries'}`}
      </p>
      <div className="history-body">
        <div ref={parentRef} className="history-scroll" role="list" aria-label="History entries" tabIndex={0}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((v) => {
              const e = rowAt(v.index);
              return (
                <div key={v.key} role="listitem" className="history-row" style={{ transform: `translateY(${v.start}px)`, height: ROW_HEIGHT_PX }}>
                  {e ? <Row entry={e} selected={selected?.id === e.id} onSelect={() => setSelected(e)} /> : <span className="row-loading">…</span>}
                </div>
              );
            })}
          </div>
        </div>
        {selected && <EntryDetails entry={selected} onClose={() => setSelected(null)} />}
      </div>
    </main>
  );
}
