// History: every ledger entry (grants, holds, charges, releases, refunds, expiries), filtered and searched in main, shown in a
// virtualized list so 100,000 entries scroll smoothly; one entry opens its details; CSV export and a 30-day spend chart.
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { LEDGER_KINDS, type LedgerEntry } from '../../../../shared/api/index';
import type { HistoryFilter } from '../../../../shared/ipc/contract';
import { formatCredits } from '../../lib/format';
import { useAppStore } from '../../stores/app-store';
import { SpendChart } from './SpendChart';

const ROW_HEIGHT_PX = 46;
const PAGE_SIZE = 200;
const SEARCH_DEBOUNCE_MS = 200;
const MAX_PAGES_KEPT = 50;

export const KIND_LABELS: Record<LedgerEntry['kind'], string> = {
  grant: 'Credits added',
  expiry: 'Expired',
  hold: 'Held for a run',
  capture: 'Charged',
  release: 'Returned',
  void: 'Refunded',
  refund: 'Refunded',
  purchase: 'Purchase',
  adjustment: 'Adjustment',
};

const text = (v: unknown) => (typeof v === 'string' ? v : '');
const num = (v: unknown) => (typeof v === 'number' ? v : null);

function describe(e: LedgerEntry): string {
  const d = e.details;
  if (e.kind === 'grant') return text(d.note) || `${text(d.grantKind) || 'credits'} grant`;
  if (e.kind === 'expiry') return `${text(d.grantKind) || 'credits'} expired unused`;
  return text(d.label) || text(d.modelId) || text(d.generationId) || '';
}

/** The change a row shows: owned credits for grants, charges and expiries; the held or returned amount otherwise. */
function amountText(e: LedgerEntry): string {
  const d = e.details;
  if (e.kind === 'hold') return `(${formatCredits(num(d.heldMc) ?? 0)} held)`;
  if (e.kind === 'release' || e.kind === 'void') return `(${formatCredits(num(d.releasedMc) ?? 0)} returned)`;
  return `${e.amountMc > 0 ? '+' : ''}${formatCredits(e.amountMc)}`;
}

export function HistoryPage() {
  const historyVersion = useAppStore((s) => s.historyVersion);
  const [filter, setFilter] = useState<HistoryFilter>({});
  const [search, setSearch] = useState('');
  const [total, setTotal] = useState<number | null>(null);
  const [models, setModels] = useState<{ id: string; label: string }[]>([]);
  const [pages, setPages] = useState<Map<number, LedgerEntry[]>>(new Map());
  const [selected, setSelected] = useState<LedgerEntry | null>(null);
  const [exportMsg, setExportMsg] = useState<string | null>(null);
  const loading = useRef(new Set<number>());
  const generation = useRef(0);
  const parentRef = useRef<HTMLDivElement>(null);
  const ids = { search: useId(), model: useId(), from: useId(), to: useId() };

  useEffect(() => {
    const t = setTimeout(() => setFilter((f) => ({ ...f, search: search.trim() || undefined })), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [search]);

  const loadPage = useCallback(
    (page: number, gen: number) => {
      if (loading.current.has(page) || !window.credits) return;
      loading.current.add(page);
      void window.credits.queryHistory({ filter, offset: page * PAGE_SIZE, limit: PAGE_SIZE }).then((r) => {
        loading.current.delete(page);
        if (!r.ok || gen !== generation.current) return;
        setTotal(r.value.total);
        setModels(r.value.models);
        setPages((prev) => {
          const next = new Map(prev);
          next.set(page, r.value.items);
          while (next.size > MAX_PAGES_KEPT) next.delete(next.keys().next().value!);
          return next;
        });
      });
    },
    [filter],
  );

  // A new filter, or new entries from main: start over from the top.
  useEffect(() => {
    const gen = ++generation.current;
    loading.current.clear();
    setPages(new Map());
    loadPage(0, gen);
  }, [filter, historyVersion, loadPage]);

  const virtualizer = useVirtualizer({ count: total ?? 0, getScrollElement: () => parentRef.current, estimateSize: () => ROW_HEIGHT_PX, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    for (let p = Math.floor(first / PAGE_SIZE); p <= Math.floor(last / PAGE_SIZE); p++) if (!pages.has(p)) loadPage(p, generation.current);
  }, [first, last, pages, loadPage]);

  const toggleKind = (k: LedgerEntry['kind']) =>
    setFilter((f) => {
      const kinds = new Set(f.kinds ?? []);
      if (kinds.has(k)) kinds.delete(k);
      else kinds.add(k);
      return { ...f, kinds: kinds.size ? [...kinds] : undefined };
    });

  const dateMs = (value: string, endOfDay: boolean) => (value ? Date.parse(`${value}T${endOfDay ? '23:59:59.999' : '00:00:00'}Z`) : undefined);

  async function exportCsv() {
    if (!window.credits) return;
    const r = await window.credits.exportHistoryCsv({ filter });
    if (!r.ok) return setExportMsg(r.error.message);
    const url = URL.createObjectURL(new Blob([r.value.csv], { type: 'text/csv;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = r.value.fileName;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setExportMsg(`Exported ${r.value.rows.toLocaleString('en-US')} entries.`);
  }

  const rowAt = (i: number) => pages.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE];
  const kindsOn = useMemo(() => new Set(filter.kinds ?? []), [filter.kinds]);

  return (
    <main className="page history" aria-labelledby="history-heading">
      <h1 id="history-heading">History</h1>
      <SpendChart />
      <form className="history-filters" role="search" aria-label="Filter history" onSubmit={(e) => e.preventDefault()}>
        <fieldset className="kinds">
          <legend>Kinds</legend>
          {LEDGER_KINDS.filter((k) => k !== 'refund' && k !== 'purchase' && k !== 'adjustment').map((k) => (
            <label key={k} className="chip">
              <input type="checkbox" checked={kindsOn.has(k)} onChange={() => toggleKind(k)} /> {KIND_LABELS[k]}
            </label>
          ))}
        </fieldset>
        <div className="field small">
          <label htmlFor={ids.model}>Model</label>
          <select id={ids.model} value={filter.modelId ?? ''} onChange={(e) => setFilter((f) => ({ ...f, modelId: e.target.value || undefined }))}>
            <option value="">All models</option>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field small">
          <label htmlFor={ids.from}>From</label>
          <input id={ids.from} type="date" onChange={(e) => setFilter((f) => ({ ...f, fromMs: dateMs(e.target.value, false) }))} />
        </div>
        <div className="field small">
          <label htmlFor={ids.to}>To</label>
          <input id={ids.to} type="date" onChange={(e) => setFilter((f) => ({ ...f, toMs: dateMs(e.target.value, true) }))} />
        </div>
        <div className="field">
          <label htmlFor={ids.search}>Search prompts</label>
          <input id={ids.search} type="search" value={search} maxLength={200} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <button type="button" onClick={() => void exportCsv()}>
          Export CSV
        </button>
        {exportMsg && <span role="status">{exportMsg}</span>}
      </form>
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
                  {e ? (
                    <button type="button" className={`row-button${selected?.id === e.id ? ' selected' : ''}`} onClick={() => setSelected(e)} aria-label={`${KIND_LABELS[e.kind]} ${describe(e)} ${amountText(e)} on ${new Date(e.atMs).toLocaleString()}`}>
                      <span className="row-time">{new Date(e.atMs).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })}</span>
                      <span className={`row-kind k-${e.kind}`}>{KIND_LABELS[e.kind]}</span>
                      <span className="row-desc">{describe(e)}</span>
                      <span className={`row-amount${e.amountMc > 0 ? ' plus' : e.amountMc < 0 ? ' minus' : ''}`}>{amountText(e)}</span>
                    </button>
                  ) : (
                    <span className="row-loading">…</span>
                  )}
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

function EntryDetails({ entry, onClose }: { entry: LedgerEntry; onClose: () => void }) {
  const d = entry.details;
  const funding = Array.isArray(d.funding) ? (d.funding as { grantId: string; kind: string; amountMc: number; paid: boolean }[]) : [];
  const rows: [string, string][] = [
    ['When', new Date(entry.atMs).toLocaleString()],
    ['Kind', KIND_LABELS[entry.kind]],
  ];
  if (text(d.label)) rows.push(['Run', text(d.label)]);
  if (text(d.prompt)) rows.push(['Prompt', text(d.prompt)]);
  if (num(d.estimateMaxMc) !== null) rows.push(['Estimate (most)', `${formatCredits(num(d.estimateMaxMc)!)} credits`]);
  if (num(d.heldMc) !== null) rows.push(['Held', `${formatCredits(num(d.heldMc)!)} credits`]);
  if (num(d.finalMc) !== null) rows.push(['Final cost', `${formatCredits(num(d.finalMc)!)} credits`]);
  if (entry.kind === 'capture') rows.push(['Charged', `${formatCredits(-entry.amountMc)} credits`]);
  if (num(d.releasedMc) !== null) rows.push([entry.kind === 'void' ? 'Refunded' : 'Returned', `${formatCredits(num(d.releasedMc)!)} credits`]);
  if (text(d.reason)) rows.push(['Reason', text(d.reason)]);
  if (typeof d.commercialUse === 'boolean') rows.push(['Commercial use', d.commercialUse ? 'Yes (paid credits funded it)' : 'No']);
  if (entry.kind === 'grant' || entry.kind === 'expiry') rows.push(['Amount', `${formatCredits(entry.amountMc)} credits`]);
  return (
    <aside className="entry-details" aria-labelledby="entry-details-heading">
      <div className="details-head">
        <h2 id="entry-details-heading">Entry {entry.id}</h2>
        <button type="button" onClick={onClose} aria-label="Close details">
          ×
        </button>
      </div>
      <dl>
        {rows.map(([k, v]) => (
          <div key={k} className="dl-row">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {funding.length > 0 && (
        <>
          <h3>Funded by</h3>
          <ul className="funding">
            {funding.map((f) => (
              <li key={f.grantId}>
                {f.kind} grant: {formatCredits(f.amountMc)} credits{f.paid ? ' (paid)' : ''}
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}
