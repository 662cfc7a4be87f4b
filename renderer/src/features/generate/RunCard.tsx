// One run: status and progress, its outputs (images, video, audio, text), and what it cost against the estimate, with any refund.
import { useEffect, useId, useLayoutEffect, useRef, useState, type FocusEvent } from 'react';
import type { GenerationView } from '../../../../shared/ipc/contract';
import { creditsText as credits } from '../../../../shared/rules/money';
import { formatCredits, usageText } from '../../lib/format';
import { useServerNow } from '../../lib/use-server-now';
import { useWalletStore } from '../../stores/wallet-store';

const STATUS_LABELS: Record<GenerationView['status'], string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Done',
  partial: 'Partly done',
  failed: 'Failed',
  expired: 'Timed out',
  canceled: 'Canceled',
};
const MAX_TEXT_CHARS = 20_000;
/** how often a smooth progress bar moves */
const SMOOTH_TICK_MS = 250;

function TextOutput({ url }: { url: string }) {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    fetch(url)
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))
      .then((t) => live && setText(t.slice(0, MAX_TEXT_CHARS)))
      .catch(() => live && setText('(this text could not be loaded)'));
    return () => {
      live = false;
    };
  }, [url]);
  // a scrolling box: reachable by Tab (to scroll it by keyboard) and named for screen readers
  return (
    <pre className="text-output" tabIndex={0} role="region" aria-label="Text reply">
      {text ?? 'Loading…'}
    </pre>
  );
}

/** "Waiting · 3 runs ahead · starts in about 20 s", from the server's place in the queue (its clock). */
function QueuePlace({ ahead, expectedStartMs }: { ahead: number; expectedStartMs: number }) {
  const offsetMs = useWalletStore((s) => s.view?.clockOffsetMs ?? 0);
  const serverNowMs = useServerNow(offsetMs);
  const inS = Math.max(0, Math.round((expectedStartMs - serverNowMs) / 1000));
  return (
    <p className="run-queue" data-testid="run-queue">
      Waiting · {ahead === 0 ? 'next to start' : `${ahead} ${ahead === 1 ? 'run' : 'runs'} ahead`}
      {inS > 0 ? ` · starts in about ${inS < 60 ? `${inS} s` : `${Math.round(inS / 60)} min`}` : ''}
    </p>
  );
}

/** Time left as words: "about 12 s left", "about 3 min left", "finishing". */
export function timeLeftText(leftMs: number): string {
  if (leftMs <= 500) return 'finishing';
  const s = Math.ceil(leftMs / 1000);
  return s < 60 ? `about ${s} s left` : `about ${Math.round(s / 60)} min left`;
}

/**
 * The progress of a run: smooth, with time left, when its engine said when it should finish; the engine's own steps when it
 * reported some; otherwise an honest "Working…" (an indeterminate bar) rather than a number that sits.
 */
export function progressOf(run: Pick<GenerationView, 'status' | 'progressPct' | 'startedAtMs' | 'expectedFinishMs'>, serverNowMs: number): { pct: number | null; label: string } {
  if (run.status === 'queued') return { pct: null, label: 'Waiting to start' };
  const start = run.startedAtMs;
  const end = run.expectedFinishMs;
  if (start !== null && end !== undefined && end > start) {
    const pct = Math.max(run.progressPct, Math.min(99, Math.floor(((serverNowMs - start) / (end - start)) * 100)));
    return { pct, label: `${pct}% · ${timeLeftText(end - serverNowMs)}` };
  }
  if (run.progressPct > 0) return { pct: run.progressPct, label: `${run.progressPct}% · working…` };
  return { pct: null, label: 'Working…' };
}

function RunProgress({ run }: { run: GenerationView }) {
  const offsetMs = useWalletStore((s) => s.view?.clockOffsetMs ?? 0);
  const serverNowMs = useServerNow(offsetMs, run.expectedFinishMs !== undefined ? SMOOTH_TICK_MS : undefined);
  const p = progressOf(run, serverNowMs);
  return (
    <>
      <div role="progressbar" aria-label="Progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={p.pct ?? undefined} aria-valuetext={p.label} className={`bar${p.pct === null ? ' indeterminate' : ''}`}>
        <span style={{ width: `${p.pct ?? 100}%` }} />
      </div>
      <span className="progress-text" data-testid="run-progress">
        {p.label}
      </span>
    </>
  );
}

/**
 * The prompt, its first lines while it is longer than they hold, and a button that shows the whole (and less again): a prompt is
 * never cut without a way to read it.
 */
function RunPrompt({ prompt }: { prompt: string }) {
  const id = useId();
  const ref = useRef<HTMLParagraphElement>(null);
  const [whole, setWhole] = useState(false);
  const [long, setLong] = useState(false);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || whole) return;
    const measure = () => setLong(el.scrollHeight > el.clientHeight + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [prompt, whole]);
  return (
    <>
      <p id={id} ref={ref} className={`run-prompt${whole ? '' : ' clamped'}`} data-testid="run-prompt">
        {prompt}
      </p>
      {(long || whole) && (
        <button type="button" className="link-button" aria-expanded={whole} aria-controls={id} onClick={() => setWhole(!whole)}>
          {whole ? 'Show less of the prompt' : 'Show the whole prompt'}
        </button>
      )}
    </>
  );
}

/**
 * Keeps the keyboard's place when a run ends: its Cancel goes away with the progress, and a focused element that goes away leaves the
 * focus on the page's body. If the focus was in the card then, it moves to the card itself (Tab goes on from there).
 */
function useFocusKeptWhenDone(inProgress: boolean) {
  const card = useRef<HTMLLIElement>(null);
  const focusInside = useRef(false);
  useLayoutEffect(() => {
    const el = card.current;
    if (inProgress || !el || !focusInside.current) return;
    const active = document.activeElement;
    if (!active || active === document.body) el.focus();
  }, [inProgress]);
  return {
    ref: card,
    onFocus: () => (focusInside.current = true),
    // focus leaving for something else; a blur without a next element (the window, or the focused button removed) keeps the flag
    onBlur: (e: FocusEvent) => {
      if (e.relatedTarget && !card.current?.contains(e.relatedTarget as Node)) focusInside.current = false;
    },
  };
}

export function RunCard({ run }: { run: GenerationView }) {
  const inProgress = run.status === 'queued' || run.status === 'running';
  const used = usageText(run.usage, run.outputs[0]?.kind === 'audio' ? 'clip' : run.outputs[0]?.kind === 'text' ? 'reply' : 'image');
  const [canceling, setCanceling] = useState(false);
  const focus = useFocusKeptWhenDone(inProgress);
  return (
    <li className={`run-card status-${run.status}`} aria-label={`${run.label}: ${STATUS_LABELS[run.status]}`} tabIndex={-1} {...focus}>
      <div className="run-head">
        <span className="run-label">{run.label}</span>
        <span className="badge" data-status={run.status}>
          {STATUS_LABELS[run.status]}
        </span>
        {run.engine === 'local' && <span className="badge subtle" title="Made on this computer by the local preview engine, not by the provider's model">Local preview</span>}
        {run.commercialUse && <span className="badge subtle" title="Funded by paid credits">Commercial use</span>}
      </div>
      {run.request.prompt && <RunPrompt prompt={run.request.prompt} />}
      {run.status === 'queued' && run.queue && <QueuePlace ahead={run.queue.ahead} expectedStartMs={run.queue.expectedStartMs} />}
      {inProgress && (
        <div className="run-progress">
          <RunProgress run={run} />
          <button
            type="button"
            disabled={canceling}
            onClick={() => {
              setCanceling(true);
              void window.credits?.cancelGeneration({ id: run.id }).finally(() => setCanceling(false));
            }}
          >
            Cancel
          </button>
        </div>
      )}
      {run.outputs.length > 0 && (
        <div className="outputs">
          {run.outputs.map((o) => {
            const url = run.outputUrls[o.name]!;
            if (o.kind === 'image' || (o.kind === 'video' && o.mime === 'image/gif')) return <img key={o.name} src={url} alt={`${o.kind === 'video' ? 'Video' : 'Image'} ${o.name} for "${run.request.prompt.slice(0, 60)}"`} loading="lazy" />;
            if (o.kind === 'video') return <video key={o.name} src={url} controls aria-label={`Video ${o.name}`} />;
            if (o.kind === 'audio') return <audio key={o.name} src={url} controls aria-label={`Audio ${o.name}`} />;
            if (o.kind === 'text') return <TextOutput key={o.name} url={url} />;
            return (
              <a key={o.name} href={url} download={o.name}>
                {o.name}
              </a>
            );
          })}
        </div>
      )}
      <p className="run-cost" data-testid="run-cost">
        {inProgress && <>Holding up to {credits(run.heldMc)}</>}
        {(run.status === 'succeeded' || run.status === 'partial') && run.chargedMc !== null && (
          <>
            Charged {credits(run.chargedMc)} of an estimated up to {credits(run.estimateMaxMc)}
            {run.refundedMc ? <> · {formatCredits(run.refundedMc)} returned</> : null}
          </>
        )}
        {used && !inProgress && (
          <span className="run-usage" data-testid="run-usage">
            {' '}
            · Used {used}
          </span>
        )}
        {(run.status === 'failed' || run.status === 'expired' || run.status === 'canceled') && <>Refunded {credits(run.refundedMc ?? run.heldMc)} — nothing was charged</>}
      </p>
      {run.error && run.status !== 'succeeded' && <p className="run-error">{run.error.message}</p>}
    </li>
  );
}
