// The custom model picker on Generate: the models the user trained, for catalog models that take one (the price does not change).
import { useId, useMemo } from 'react';
import { useTrainingStore } from '../../stores/training-store';

export function CustomModelField({ value, onChange }: { value: string; onChange: (customModelId: string) => void }) {
  const id = useId();
  const items = useTrainingStore((s) => s.items);
  const models = useMemo(() => items.flatMap((t) => (t.model ? [t.model] : [])), [items]);
  return (
    <div className="field small">
      <label htmlFor={id}>Trained style (LoRA)</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">None</option>
        {models.map((m) => (
          <option key={m.id} value={m.id}>
            {m.name}
          </option>
        ))}
      </select>
      {models.length === 0 && <span className="hint">Train one on the Training page.</span>}
    </div>
  );
}
