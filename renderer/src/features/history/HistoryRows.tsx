// History's rows: a run (a disclosure button with its cost, funding and outputs, expanding to its ledger entries) or an entry that
// belongs to no run (a button that opens its details).
import { useEffect, useId, useState } from 'react';
import type { LedgerEntry } from '../../../../shared/api/index';
import type { HistoryRunRow } from '../../../../shared/ipc/contract';
import { LEDGER_TEXT_MAX_CHARS } from '../../../../shared/rules/text';
import { amountText, describe, KIND_LABELS } from './ledger-labels';
import { runAmountText, runSummaryText, RUN_STATUS_LABELS } from './run-labels';

// built once: a formatter per call (what toLocaleString does) is most of a row's rendering time
const SHORT_TIME = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const FULL_TIME = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit' });

function RowTime({ atMs }: { atMs: number }) {
  const at = new Date(atMs);
  return (
    <time className="row-time" dateTime={at.toISOString()} title={FULL_TIME.format(at)}>
      {SHORT_TIME.format(at)}
    </time>
  );
}

const amountClass = (mc: number) => `row-amount${mc > 0 ? ' plus' : mc < 0 ? ' minus' : ''}`;

export function EntryRow({ entry, selected, onSelect }: { entry: LedgerEntry; selected: boolean; onSelect: () => void }) {
  return (
    <button type="button" className={`row-button${selected ? ' selected' : ''}`} onClick={onSelect}>
      {/* named by what it shows (an aria-label that differs from the visible text confuses voice control) */}
      <RowTime atMs={entry.atMs} />
      <span className={`row-kind k-${entry.kind}`}>{KIND_LABELS[entry.kind]}</span>
      <span className="row-desc">{describe(entry)}</span>
      <span className={amountClass(entry.amountMc)}>{amountText(entry)}</span>
    </button>
  );
}

type EntriesState = { key: string; entries: LedgerEntry[] | null; error: string | null };

/** The run's ledger entries, asked of main by id when the row opens, and again when an entry joins the run (the ones shown stay until then). */
function useRunEntries(ids: readonly number[]): EntriesState {
  const key = ids.join(',');
  const [state, setState] = useState<EntriesState>({ key, entries: null, error: null });
  useEffect(() => {
    let live = true;
    if (!window.credits) return;
    void window.credits.historyEntries({ ids: [...ids] }).then((r) => {
      if (!live) return;
      setState(r.ok ? { key, entries: r.value, error: null } : { key, entries: null, error: r.error.message });
    });
    return () => {
      live = false;
    };
    // the ids are the key's: asked again only when they change
  }, [key]);
  return state;
}

/** The run's prompt in full, as far as the ledger keeps it: the row shows one line of it. */
function RunPromptFull({ prompt }: { prompt: string }) {
  // a prompt cut by the ledger is 200 characters long (199 where the 200th would split a character)
  const cut = prompt.length >= LEDGER_TEXT_MAX_CHARS - 1;
  return (
    <div role="group" aria-label="About this run" className="run-about">
      <dl>
        <div className="dl-row">
          <dt>Prompt</dt>
          <dd>{prompt}</dd>
        </div>
      </dl>
      {cut && <p className="run-entries-note">History keeps the first {LEDGER_TEXT_MAX_CHARS} characters of a prompt.</p>}
    </div>
  );
}

function RunEntries({ id, row, selectedId, onSelect }: { id: string; row: HistoryRunRow; selectedId: number | null; onSelect: (e: LedgerEntry) => void }) {
  const { entries, error } = useRunEntries(row.entryIds);
  const about = row.prompt ? <RunPromptFull prompt={row.prompt} /> : null;
  if (error)
    return (
      <div id={id} className="run-entries-panel">
        {about}
        <p className="run-entries-note">{error}</p>
      </div>
    );
  if (!entries)
    return (
      <div id={id} className="run-entries-panel">
        {about}
        <p className="run-entries-note">Loading entries…</p>
      </div>
    );
  return (
    <div id={id} className="run-entries-panel">
      {about}
      <ul className="run-entries" aria-label={`Ledger entries of ${row.label}`}>
        {entries.map((e) => (
          <li key={e.id}>
            <button type="button" className={`entry-button${selectedId === e.id ? ' selected' : ''}`} onClick={() => onSelect(e)}>
              <RowTime atMs={e.atMs} />
              <span className={`row-kind k-${e.kind}`}>
                {KIND_LABELS[e.kind]} <span className="entry-id">· entry {e.id}</span>
              </span>
              <span className={amountClass(e.amountMc)}>{amountText(e)}</span>
            </button>
          </li>
        ))}
      </ul>
      {entries.length < row.entryIds.length && <p className="run-entries-note">Older entries of this run are no longer kept on this computer.</p>}
    </div>
  );
}

interface RunRowProps {
  row: HistoryRunRow;
  expanded: boolean;
  onToggle: () => void;
  selectedId: number | null;
  onSelectEntry: (e: LedgerEntry) => void;
}

/** A run: one button that shows what it cost and discloses its entries (Enter or Space toggles it, as any button). */
export function RunRow({ row, expanded, onToggle, selectedId, onSelectEntry }: RunRowProps) {
  const panelId = useId();
  const summary = runSummaryText(row);
  return (
    <>
      <button type="button" className="row-button run-row" aria-expanded={expanded} aria-controls={expanded ? panelId : undefined} onClick={onToggle}>
        <RowTime atMs={row.atMs} />
        <span className={`row-kind r-${row.status}`}>
          <span className="disclosure" aria-hidden="true">
            {expanded ? '▾' : '▸'}
          </span>{' '}
          {RUN_STATUS_LABELS[row.status]}
        </span>
        <span className="row-desc" title={row.prompt ? `${row.label} — ${row.prompt}` : undefined}>
          {row.label}
          {row.prompt && <span className="row-prompt"> — {row.prompt}</span>}
        </span>
        <span className={amountClass(row.status === 'held' ? 0 : -row.chargedMc)}>{runAmountText(row)}</span>
        <span className="row-summary" data-testid="run-summary" title={summary}>
          {summary}
        </span>
      </button>
      {expanded && <RunEntries id={panelId} row={row} selectedId={selectedId} onSelect={onSelectEntry} />}
    </>
  );
}
