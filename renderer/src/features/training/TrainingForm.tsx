// The training form: pick or drop 1 to 30 images (checked here first, with thumbnails and reasons), a name, what it will use (allowance or credits) or why the plan does not allow it, and a confirmation.
import { useState } from 'react';
import type { Wallet } from '../../../../shared/api/index';
import type { Catalog } from '../../../../shared/catalog/schema';
import { estimate } from '../../../../shared/rules/pricing';
import { TRAINING_MAX_IMAGES, trainingModelOf, trainingRefusal } from '../../../../shared/rules/training';
import { formatCredits } from '../../lib/format';
import { useTrainingStore } from '../../stores/training-store';
import { Modal } from '../../ui/Modal';
import { allowanceState } from './allowance-text';
import { addFiles, type PickedImage, type Refused } from './picked-images';
import { cutText } from '../../../../shared/rules/text';

function creditsOption(catalog: Catalog | null, wallet: Wallet, n: number): { modelId: string; approvedMc: number; label: string } | null {
  const m = catalog ? trainingModelOf(catalog) : null;
  if (!catalog || !m || n === 0) return null;
  try {
    const approvedMc = estimate({ modelId: m.id, prompt: '', trainingImages: n }, catalog, wallet.planId).maxMc;
    return { modelId: m.id, approvedMc, label: `${formatCredits(approvedMc)} credits (${m.name})` };
  } catch {
    return null;
  }
}

/** The thumbnails of the picked images, and the files refused with their reasons. */
function Picked({ picked, refused, onRemove }: { picked: PickedImage[]; refused: Refused[]; onRemove: (key: string) => void }) {
  return (
    <>
      {refused.length > 0 && (
        <ul role="alert" aria-label="Images refused">
          {refused.map((r) => (
            <li key={r.fileName + r.reason}>
              {r.fileName}: {r.reason}
            </li>
          ))}
        </ul>
      )}
      <ul className="thumbs" aria-label="Picked images">
        {picked.map((p) => (
          <li key={p.key}>
            <img src={p.url} alt={p.fileName} width={64} height={64} />
            <button type="button" aria-label={`Remove ${p.fileName}`} onClick={() => onRemove(p.key)}>
              ×
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

export function TrainingForm({ wallet, catalog, online }: { wallet: Wallet; catalog: Catalog | null; online: boolean }) {
  const start = useTrainingStore((s) => s.start);
  const [picked, setPicked] = useState<PickedImage[]>([]);
  const [refused, setRefused] = useState<Refused[]>([]);
  const [name, setName] = useState('');
  const [payWithCredits, setPayWithCredits] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const state = allowanceState(wallet.training);
  // what the plan does not include is refused here, before Start, by the shared rule main's pre-flight applies too
  const creditsRefusal = catalog ? trainingRefusal(catalog, wallet.planId, 'credits') : null;
  const credits = creditsRefusal ? null : creditsOption(catalog, wallet, picked.length);
  const useCredits = state !== 'available' || payWithCredits;
  const refusal = useCredits ? creditsRefusal : null;
  const noCredits = picked.length === 0 ? `${state === 'none' ? 'Not in your plan' : 'No allowance left'}: pick images to see what it costs in credits` : 'Not available: no allowance left and training is not sold for credits';
  const uses = useCredits ? (credits ? `Costs up to ${credits.label}` : noCredits) : `Uses 1 of your ${wallet.training!.left} training${wallet.training!.left === 1 ? '' : 's'} left ${wallet.training!.period === 'weekly' ? 'this week' : 'this year'}`;
  const ready = picked.length >= 1 && name.trim().length > 0 && online && !refusal && (!useCredits || credits !== null);
  const add = async (files: File[]) => {
    const r = await addFiles(picked, files);
    setPicked(r.picked);
    setRefused(r.refused);
  };
  const submit = async () => {
    setError(null);
    const body = { name: name.trim(), images: picked.map((p) => ({ fileName: cutText(p.fileName), dataBase64: p.dataBase64 })), ...(useCredits && credits ? { modelId: credits.modelId, approvedMc: credits.approvedMc } : {}) };
    const e = await start(body);
    setConfirming(false);
    if (e) return setError(e.message);
    picked.forEach((p) => URL.revokeObjectURL(p.url));
    setPicked([]);
    setName('');
  };
  return (
    <section aria-labelledby="train-form" className="training-form">
      <h2 id="train-form">Train a custom model</h2>
      <div className="drop-zone" onDragOver={(e) => e.preventDefault()} onDrop={(e) => { e.preventDefault(); void add([...e.dataTransfer.files]); }}>
        <label>
          Images (JPEG, PNG or WebP; 1 to {TRAINING_MAX_IMAGES}){' '}
          <input type="file" multiple accept="image/jpeg,image/png,image/webp" aria-label="Training images" onChange={(e) => { void add([...(e.target.files ?? [])]); e.target.value = ''; }} />
        </label>
        <p className="muted">or drop them here · {picked.length} of {TRAINING_MAX_IMAGES} picked</p>
      </div>
      <Picked picked={picked} refused={refused} onRemove={(key) => setPicked(picked.filter((x) => x.key !== key))} />
      <label>
        Name <input aria-label="Model name" value={name} maxLength={80} onChange={(e) => setName(e.target.value)} />
      </label>
      {state === 'available' && credits && (
        <label>
          <input type="checkbox" checked={payWithCredits} onChange={(e) => setPayWithCredits(e.target.checked)} /> Pay with credits instead
        </label>
      )}
      {refusal ? (
        <p role="alert" className="refusal" data-code={refusal.code}>
          {refusal.message}
        </p>
      ) : (
        <p data-testid="training-uses">{uses}</p>
      )}
      {!online && <p role="status">You're offline. Training needs the credits server.</p>}
      <button type="button" disabled={!ready} onClick={() => setConfirming(true)}>
        Start training…
      </button>
      {confirming && (
        <Modal title="Confirm training" onClose={() => setConfirming(false)}>
          <p>
            Train “{name.trim()}” on {picked.length} image{picked.length === 1 ? '' : 's'}. {uses}.
          </p>
          <div className="dialog-actions">
            <button type="button" className="primary" onClick={() => void submit()}>
              Confirm
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Back
            </button>
          </div>
        </Modal>
      )}
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
