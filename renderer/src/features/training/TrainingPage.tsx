// The Training page: the allowance tracker (live, or cached and dated when offline), the form, and the jobs.
import { useEffect } from 'react';
import { useServerNow } from '../../lib/use-server-now';
import { useAppStore } from '../../stores/app-store';
import { useTrainingStore } from '../../stores/training-store';
import { useWalletStore } from '../../stores/wallet-store';
import { TrainingForm } from './TrainingForm';
import { TrainingJobs } from './TrainingJobs';
import { TrainingTracker } from './TrainingTracker';

export function TrainingPage() {
  const view = useWalletStore((s) => s.view);
  const catalog = useAppStore((s) => s.catalogView?.catalog ?? null);
  const items = useTrainingStore((s) => s.items);
  const load = useTrainingStore((s) => s.load);
  const serverNow = useServerNow(view?.clockOffsetMs ?? 0);
  const online = view?.connection === 'online' && view.source === 'live';
  useEffect(() => void load(), [load, online]);
  const wallet = view?.wallet ?? null;
  return (
    <main className="page training" aria-labelledby="training-title">
      <h1 id="training-title">Training</h1>
      {wallet ? <TrainingTracker wallet={wallet} serverNowMs={serverNow} cachedAtMs={online ? null : view!.asOfServerMs} /> : <p className="muted">Your balance has not been loaded yet.</p>}
      {wallet && <TrainingForm wallet={wallet} catalog={catalog} online={online} />}
      <h2>Jobs</h2>
      <TrainingJobs items={items} />
    </main>
  );
}
