// The history list's data: the filter (with a debounced prompt search), pages of rows (runs and other entries) fetched from main as
// they scroll into view.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { HistoryFilter, HistoryRow } from '../../../../shared/ipc/contract';
import { useAppStore } from '../../stores/app-store';

export const PAGE_SIZE = 200;
const SEARCH_DEBOUNCE_MS = 200;
const MAX_PAGES_KEPT = 50;

export function useHistoryPages() {
  const historyVersion = useAppStore((s) => s.historyVersion);
  const [filter, setFilter] = useState<HistoryFilter>({});
  const [search, setSearch] = useState('');
  const [total, setTotal] = useState<number | null>(null);
  const [runs, setRuns] = useState(0);
  /** counts the answers: a new filter or new entries (the rows' places change), not more pages of the same answer */
  const [answer, setAnswer] = useState(0);
  const [models, setModels] = useState<{ id: string; label: string }[]>([]);
  const [pages, setPages] = useState<Map<number, HistoryRow[]>>(new Map());
  const loading = useRef(new Set<number>());
  const generation = useRef(0);

  useEffect(() => {
    const t = setTimeout(() => setFilter((f) => ({ ...f, search: search.trim() || undefined })), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [search]);

  const loadPage = useCallback(
    /** `fresh`: the first page of a new answer, which replaces every page held (they stay on screen until it comes) */
    (page: number, gen: number, fresh = false) => {
      if (loading.current.has(page) || !window.credits) return;
      loading.current.add(page);
      void window.credits.queryHistory({ filter, offset: page * PAGE_SIZE, limit: PAGE_SIZE }).then((r) => {
        loading.current.delete(page);
        if (!r.ok || gen !== generation.current) return;
        setTotal(r.value.total);
        setRuns(r.value.runs);
        setModels(r.value.models);
        if (fresh) setAnswer((n) => n + 1);
        setPages((prev) => {
          const next = fresh ? new Map<number, HistoryRow[]>() : new Map(prev);
          next.set(page, r.value.items);
          while (next.size > MAX_PAGES_KEPT) next.delete(next.keys().next().value!);
          return next;
        });
      });
    },
    [filter],
  );

  // A new filter, or new entries from main: start over from the top, keeping the rows shown until the new ones come (an
  // expanded run does not flicker shut on every entry the stream brings).
  useEffect(() => {
    const gen = ++generation.current;
    loading.current.clear();
    loadPage(0, gen, true);
  }, [filter, historyVersion, loadPage]);

  /** Loads the pages covering rows first..last that are not held yet. */
  const ensureRows = useCallback(
    (first: number, last: number) => {
      for (let p = Math.floor(first / PAGE_SIZE); p <= Math.floor(last / PAGE_SIZE); p++) if (!pages.has(p)) loadPage(p, generation.current);
    },
    [pages, loadPage],
  );

  const rowAt = useCallback((i: number) => pages.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE], [pages]);
  return { filter, setFilter, search, setSearch, total, runs, models, answer, rowAt, ensureRows };
}
