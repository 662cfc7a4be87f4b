// The plan's lines: a model, a prompt, how many, and optionally how many a day; and the horizon.
import type { Catalog } from '../../../../shared/catalog/schema';
import { MAX_LINES, newLineId, type EditLine, type EditPlan } from './plan-lines';

export function PlanEditor({ plan, catalog, onChange, onFromHistory }: { plan: EditPlan; catalog: Catalog | null; onChange: (p: EditPlan) => void; onFromHistory: () => void }) {
  const models = catalog?.models.filter((m) => m.modality !== 'training') ?? [];
  const setLine = (id: string, patch: Partial<EditLine>) => onChange({ ...plan, lines: plan.lines.map((l) => (l.id === id ? { ...l, ...patch } : l)) });
  const num = (v: string) => Math.max(0, Math.floor(Number(v) || 0));
  return (
    <section aria-label="Plan lines" className="plan-editor">
      <table>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Prompt</th>
            <th scope="col">How many</th>
            <th scope="col">A day (0 = all now)</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {plan.lines.map((l, i) => (
            <tr key={l.id}>
              <td>
                <select aria-label={`Model of line ${i + 1}`} value={l.modelId} onChange={(e) => setLine(l.id, { modelId: e.target.value })}>
                  {models.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.name}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <input aria-label={`Prompt of line ${i + 1}`} value={l.prompt} maxLength={2000} onChange={(e) => setLine(l.id, { prompt: e.target.value })} />
              </td>
              <td>
                <input aria-label={`How many of line ${i + 1}`} type="number" min={1} max={100000} value={l.count} onChange={(e) => setLine(l.id, { count: num(e.target.value) })} />
              </td>
              <td>
                <input aria-label={`A day of line ${i + 1}`} type="number" min={0} max={10000} value={l.perDay} onChange={(e) => setLine(l.id, { perDay: num(e.target.value) })} />
              </td>
              <td>
                <button type="button" onClick={() => onChange({ ...plan, lines: plan.lines.filter((x) => x.id !== l.id) })} aria-label={`Remove line ${i + 1}`}>
                  ×
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="plan-actions">
        <button type="button" disabled={plan.lines.length >= MAX_LINES} onClick={() => onChange({ ...plan, lines: [...plan.lines, { id: newLineId(), modelId: models[0]?.id ?? 'flux-schnell', prompt: '', count: 10, perDay: 0 }] })}>
          Add a line
        </button>
        <button type="button" onClick={onFromHistory}>
          Start from recent history
        </button>
        <label>
          Horizon (days){' '}
          <input aria-label="Horizon in days" type="number" min={1} max={400} value={plan.horizonDays} onChange={(e) => onChange({ ...plan, horizonDays: num(e.target.value) })} />
        </label>
      </div>
    </section>
  );
}
