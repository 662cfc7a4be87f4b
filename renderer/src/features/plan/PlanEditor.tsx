// The plan's lines: a model, a prompt, each run's numbers (images, seconds, output tokens, as Generate takes them), how many, and optionally how many a day; and the horizon.
import { useId, type Dispatch, type SetStateAction } from 'react';
import type { Catalog, Plan } from '../../../../shared/catalog/schema';
import type { NumberKey, TypedNumbers } from '../generate/model-options';
import { lineNumbers, MAX_LINES, newLineId, type EditLine, type EditPlan, type LineNumber } from './plan-lines';

interface Props {
  plan: EditPlan;
  catalog: Catalog | null;
  /** the account's plan: its batch size limits the images a run makes */
  accountPlan?: Plan | null;
  /** number fields as typed, by line id */
  typed?: Readonly<Record<string, TypedNumbers>>;
  setTyped?: Dispatch<SetStateAction<Record<string, TypedNumbers>>>;
  onChange: (p: EditPlan) => void;
  onFromHistory: () => void;
}

/** One of a run's numbers, shown as typed, with its range and, when it is empty or out of range, what is wrong (the line is not planned then). */
function LineNumberField({ n, line, onText }: { n: LineNumber; line: number; onText(text: string): void }) {
  const id = useId();
  return (
    <div className="plan-number">
      <label htmlFor={id}>
        {n.spec.label}
        <span className="visually-hidden"> of line {line}</span>
      </label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={n.spec.min}
        max={n.spec.max}
        step={1}
        value={n.text}
        onChange={(e) => onText(e.target.value)}
        aria-invalid={n.problem ? true : undefined}
        aria-describedby={`${id}-range${n.problem ? ` ${id}-problem` : ''}`}
      />
      <span className="hint" id={`${id}-range`}>
        {n.hint}
      </span>
      {n.problem && (
        <span className="hint refusal" id={`${id}-problem`}>
          {n.problem}
        </span>
      )}
    </div>
  );
}

/** As on Generate: the text is kept as typed, and a whole number becomes the line's (null while it is not one). */
function paramsAfter(l: EditLine, key: NumberKey, text: string): EditLine['params'] | null {
  const n = Number(text);
  return text.trim() !== '' && Number.isInteger(n) ? { ...l.params, [key]: n } : null;
}

export function PlanEditor({ plan, catalog, accountPlan = null, typed = {}, setTyped, onChange, onFromHistory }: Props) {
  const models = catalog?.models.filter((m) => m.modality !== 'training') ?? [];
  const setLine = (id: string, patch: Partial<EditLine>) => onChange({ ...plan, lines: plan.lines.map((l) => (l.id === id ? { ...l, ...patch } : l)) });
  // a line's typed text: patched as typed, emptied when its model changes
  const setTypedLine = (id: string, patch: TypedNumbers | null) => setTyped?.((t) => ({ ...t, [id]: patch ? { ...t[id], ...patch } : {} }));
  const onNumber = (l: EditLine, key: NumberKey, text: string) => {
    setTypedLine(l.id, { [key]: text });
    const params = paramsAfter(l, key, text);
    if (params) setLine(l.id, { params });
  };
  const num = (v: string) => Math.max(0, Math.floor(Number(v) || 0));
  return (
    <section aria-label="Plan lines" className="plan-editor">
      <table>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Prompt</th>
            <th scope="col">Each run</th>
            <th scope="col">How many</th>
            <th scope="col">A day (0 = all now)</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {plan.lines.map((l, i) => (
            <tr key={l.id}>
              <td>
                <select
                  aria-label={`Model of line ${i + 1}`}
                  value={l.modelId}
                  onChange={(e) => {
                    // another model takes other numbers: it starts from its defaults
                    setTypedLine(l.id, null);
                    setLine(l.id, { modelId: e.target.value, params: undefined });
                  }}
                >
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
                {lineNumbers(l, catalog, accountPlan, typed[l.id]).map((n) => (
                  <LineNumberField key={n.spec.key} n={n} line={i + 1} onText={(text) => onNumber(l, n.spec.key, text)} />
                ))}
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
