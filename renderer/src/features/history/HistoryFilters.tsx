// The history filters: kinds, model, date range and prompt search, with CSV export of what they show.
import { useId, useMemo, useState, type RefObject } from 'react';
import { LEDGER_KINDS, type LedgerEntry } from '../../../../shared/api/index';
import type { HistoryFilter } from '../../../../shared/ipc/contract';
import { KIND_LABELS } from './ledger-labels';

interface Props {
  filter: HistoryFilter;
  setFilter: (update: (f: HistoryFilter) => HistoryFilter) => void;
  search: string;
  setSearch: (s: string) => void;
  models: { id: string; label: string }[];
  /** the search field, focused when the filter is cleared */
  searchRef?: RefObject<HTMLInputElement | null>;
}

const dateMs = (value: string, endOfDay: boolean) => (value ? Date.parse(`${value}T${endOfDay ? '23:59:59.999' : '00:00:00'}Z`) : undefined);
/** the date field's value for a bound of the filter (so that clearing the filter empties the field too) */
const dateValue = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString().slice(0, 10));

async function exportCsv(filter: HistoryFilter): Promise<string> {
  if (!window.credits) return 'Not connected to the app.';
  const r = await window.credits.exportHistoryCsv({ filter });
  if (!r.ok) return r.error.message;
  const url = URL.createObjectURL(new Blob([r.value.csv], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = r.value.fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return `Exported ${r.value.rows.toLocaleString('en-US')} entries.`;
}

export function HistoryFilters({ filter, setFilter, search, setSearch, models, searchRef }: Props) {
  const [exportMsg, setExportMsg] = useState<string | null>(null);
  const ids = { search: useId(), model: useId(), from: useId(), to: useId() };
  const kindsOn = useMemo(() => new Set(filter.kinds ?? []), [filter.kinds]);
  const toggleKind = (k: LedgerEntry['kind']) =>
    setFilter((f) => {
      const kinds = new Set(f.kinds ?? []);
      if (kinds.has(k)) kinds.delete(k);
      else kinds.add(k);
      return { ...f, kinds: kinds.size ? [...kinds] : undefined };
    });
  return (
    <form className="history-filters" role="search" aria-label="Filter history" onSubmit={(e) => e.preventDefault()}>
      <fieldset className="kinds">
        <legend>Kinds</legend>
        {LEDGER_KINDS.filter((k) => k !== 'adjustment').map((k) => (
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
        <input id={ids.from} type="date" value={dateValue(filter.fromMs)} onChange={(e) => setFilter((f) => ({ ...f, fromMs: dateMs(e.target.value, false) }))} />
      </div>
      <div className="field small">
        <label htmlFor={ids.to}>To</label>
        <input id={ids.to} type="date" value={dateValue(filter.toMs)} onChange={(e) => setFilter((f) => ({ ...f, toMs: dateMs(e.target.value, true) }))} />
      </div>
      <div className="field">
        <label htmlFor={ids.search}>Search prompts</label>
        <input id={ids.search} ref={searchRef} type="search" value={search} maxLength={200} onChange={(e) => setSearch(e.target.value)} />
      </div>
      <button type="button" onClick={() => void exportCsv(filter).then(setExportMsg)}>
        Export CSV
      </button>
      {exportMsg && <span role="status">{exportMsg}</span>}
    </form>
  );
}
