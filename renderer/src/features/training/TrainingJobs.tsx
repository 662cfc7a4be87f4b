// Training jobs: progress bar, stage and time left while they run; the model when done; why when they failed; cancel.
import type { Training } from '../../../../shared/api/index';
import { useTrainingStore } from '../../stores/training-store';

const STAGES: Record<Training['stage'], string> = { queued: 'Waiting', preparing: 'Preparing images', training: 'Training', saving: 'Saving the model', done: 'Done' };

function timeLeft(ms: number | null): string {
  if (ms === null) return '';
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s left` : `${s} s left`;
}

export function TrainingJobs({ items }: { items: Training[] }) {
  const cancel = useTrainingStore((s) => s.cancel);
  if (items.length === 0) return <p className="muted">No training jobs yet.</p>;
  return (
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
              <button type="button" onClick={() => void cancel(t.id)}>
                Cancel
              </button>
            </>
          )}
          {t.status === 'succeeded' && t.model && <p data-testid="training-done">Done: model “{t.model.name}” ({t.model.id}) is ready to choose on Generate.</p>}
          {(t.status === 'failed' || t.status === 'canceled') && <p className="muted">{t.error?.message ?? t.status}</p>}
        </li>
      ))}
    </ul>
  );
}
