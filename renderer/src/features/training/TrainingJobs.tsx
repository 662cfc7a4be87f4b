// Training jobs: progress bar, stage and time left while they run; the model when done; why when they failed; cancel (named by its job), after a confirmation.
import { useState } from 'react';
import type { Training } from '../../../../shared/api/index';
import { useTrainingStore } from '../../stores/training-store';
import { Modal } from '../../ui/Modal';

const STAGES: Record<Training['stage'], string> = { queued: 'Waiting', preparing: 'Preparing images', training: 'Training', saving: 'Saving the model', done: 'Done' };

function timeLeft(ms: number | null): string {
  if (ms === null) return '';
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s left` : `${s} s left`;
}

/** What canceling loses and what comes back, as the server's cancel does it: the job ends for good; its allowance unit is returned, or its hold voided. */
function CancelDialog({ job, busy, onConfirm, onClose }: { job: Training; busy: boolean; onConfirm(): void; onClose(): void }) {
  return (
    <Modal title="Cancel training?" onClose={onClose}>
      <p>“{job.name}” stops and its progress is lost: no model is made, and it cannot be resumed.</p>
      {job.funding === 'allowance' ? (
        <p>The training it took from your allowance is given back, to the period it was taken from.</p>
      ) : (
        <p>Nothing is charged: the credits held for it are released (any held from a grant that expired while it ran expire now).</p>
      )}
      <div className="dialog-actions">
        <button type="button" className="primary" disabled={busy} onClick={onConfirm}>
          Cancel training
        </button>
        <button type="button" onClick={onClose}>
          Keep training
        </button>
      </div>
    </Modal>
  );
}

export function TrainingJobs({ items }: { items: Training[] }) {
  const cancel = useTrainingStore((s) => s.cancel);
  const [asking, setAsking] = useState<Training | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = async (job: Training) => {
    setBusy(true);
    setError(null);
    const e = await cancel(job.id);
    setBusy(false);
    setAsking(null);
    if (e) setError(e.message);
  };
  if (items.length === 0) return <p className="muted">No training jobs yet.</p>;
  return (
    <>
      <ul aria-label="Training jobs" className="training-jobs">
        {items.map((t) => (
          <li key={t.id} aria-label={t.name}>
            <strong>{t.name}</strong> · {t.imageCount} image{t.imageCount === 1 ? '' : 's'} · {t.funding === 'allowance' ? 'allowance' : 'credits'}
            {(t.status === 'queued' || t.status === 'running') && (
              <>
                <div role="progressbar" aria-label={`${t.name} progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={t.progressPct} className="bar">
                  <span style={{ width: `${t.progressPct}%` }} />
                </div>
                <span data-testid="training-stage">
                  {STAGES[t.stage]} · {t.progressPct}% · {timeLeft(t.timeLeftMs)}
                </span>{' '}
                <button type="button" onClick={() => setAsking(t)}>
                  Cancel<span className="visually-hidden"> training “{t.name}”</span>
                </button>
              </>
            )}
            {t.status === 'succeeded' && t.model && <p data-testid="training-done">Done: model “{t.model.name}” ({t.model.id}) is ready to choose on Generate.</p>}
            {(t.status === 'failed' || t.status === 'canceled') && <p className="muted">{t.error?.message ?? t.status}</p>}
          </li>
        ))}
      </ul>
      {asking && <CancelDialog job={asking} busy={busy} onClose={() => setAsking(null)} onConfirm={() => void confirm(asking)} />}
      {error && <p role="alert" className="refusal">{error}</p>}
    </>
  );
}
