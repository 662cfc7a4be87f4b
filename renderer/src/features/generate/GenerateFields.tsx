// The parts of the generation form: the model picker, the parameters the model takes (within the plan), and the estimate.
import { memo, useId, type Dispatch, type ReactNode, type SetStateAction } from 'react';
import { MODALITIES, type Catalog, type CatalogModel, type Plan } from '../../../../shared/catalog/schema';
import type { PreflightResult } from '../../../../shared/ipc/contract';
import { creditsText as credits } from '../../../../shared/rules/money';
import { includeText, plansIncluding } from '../../../../shared/rules/access';
import { formatCredits } from '../../lib/format';
import { accessLabel, blockPricingNote, levelAllows, MODALITY_LABELS, numberFields, numberProblem, numberText, otherUnitsNote, rangeHint, unitPrice, type FormState, type NumberKey, type NumberSpec, type TypedNumbers } from './model-options';
import { smallestPackCovering } from '../../../../shared/rules/purchases';
import { useAppStore } from '../../stores/app-store';

export function ModelSelect({ catalog, plan, value, onPick }: { catalog: Catalog; plan: Plan | null; value: string; onPick(target: string): void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Model</label>
      <select id={id} value={value} onChange={(e) => onPick(e.target.value)}>
        <ModelOptions catalog={catalog} plan={plan} />
      </select>
    </div>
  );
}

/** Every model and workflow with its price and what the plan allows: rendered again only when the catalog or plan changes, not on every keystroke in the form. */
const ModelOptions = memo(function ModelOptions({ catalog, plan }: { catalog: Catalog; plan: Plan | null }) {
  return (
    <>
      {MODALITIES.map((mod) => {
        const models = catalog.models.filter((m) => m.modality === mod);
        if (models.length === 0) return null;
        return (
          <optgroup key={mod} label={MODALITY_LABELS[mod]}>
            {models.map((m) => {
              // a model the plan does not include is offered too: its price, estimate and the plans that include it (main refuses the run)
              const a = accessLabel(plan, m, catalog);
              return (
                <option key={m.id} value={`model:${m.id}`}>
                  {m.name} — {unitPrice(m)}
                  {a.label ? ` (${a.label})` : ''}
                </option>
              );
            })}
          </optgroup>
        );
      })}
      {catalog.workflows.length > 0 && (
        <optgroup label="Workflows">
          {catalog.workflows.map((w) => (
            <option key={w.id} value={`workflow:${w.id}`}>
              {w.name} — {w.blocks.length} blocks
            </option>
          ))}
        </optgroup>
      )}
    </>
  );
});

interface ParamProps {
  pricing: CatalogModel['pricing'] | undefined;
  plan: Plan | null;
  form: FormState;
  setForm: Dispatch<SetStateAction<FormState>>;
  /** number fields' text as typed, when it is not the form's number */
  typed: TypedNumbers;
  onNumber(key: NumberKey, text: string): void;
}

/**
 * A number field shown as typed: it may be empty or out of range while editing (then it says so, and the page estimates nothing),
 * never changed behind the user's back; its range, from the catalog, is said next to it.
 */
function NumberField({ spec, text, onText, describedBy, children }: { spec: NumberSpec; text: string; onText(text: string): void; describedBy?: string; children?: ReactNode }) {
  const id = useId();
  const problem = numberProblem(text, spec);
  return (
    <div className="field small">
      <label htmlFor={id}>{spec.label}</label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={spec.min}
        max={spec.max}
        step={1}
        value={text}
        onChange={(e) => onText(e.target.value)}
        aria-invalid={problem ? true : undefined}
        aria-describedby={[`${id}-range`, problem ? `${id}-problem` : '', describedBy ?? ''].filter(Boolean).join(' ')}
      />
      <span className="hint" id={`${id}-range`}>
        {rangeHint(spec)}
      </span>
      {problem && (
        <span className="hint refusal" id={`${id}-problem`}>
          {problem}
        </span>
      )}
      {children}
    </div>
  );
}

export function ParamFields({ pricing: p, plan, form, setForm, typed, onNumber }: ParamProps) {
  const ids = { res: useId(), mode: useId(), tokens: useId() };
  const set = (patch: Partial<FormState>) => setForm((f) => ({ ...f, ...patch }));
  const specs = numberFields(p, plan);
  const number = (key: NumberKey, extra?: { describedBy?: string; children?: ReactNode }) => {
    const spec = specs.find((s) => s.key === key);
    return (
      spec && (
        <NumberField spec={spec} text={numberText(form, typed, key)} onText={(text) => onNumber(key, text)} describedBy={extra?.describedBy}>
          {extra?.children}
        </NumberField>
      )
    );
  };
  return (
    <div className="params">
      {number('count')}
      {p?.meter === 'image' && (
        <div className="field small">
          <label htmlFor={ids.res}>Size</label>
          <select id={ids.res} value={form.resolutionId || p.resolutions[0]!.id} onChange={(e) => set({ resolutionId: e.target.value })}>
            {p.resolutions.map((r) => (
              <option key={r.id} value={r.id} disabled={!levelAllows(plan, r.minLevel)}>
                {r.label}
                {levelAllows(plan, r.minLevel) ? '' : ` (needs ${r.minLevel} parameters)`}
              </option>
            ))}
          </select>
        </div>
      )}
      {p && 'modes' in p && p.modes.length > 1 && (
        <div className="field small">
          <label htmlFor={ids.mode}>Mode</label>
          <select id={ids.mode} value={form.modeId || p.modes[0]!.id} onChange={(e) => set({ modeId: e.target.value })}>
            {p.modes.map((m) => (
              <option key={m.id} value={m.id} disabled={!levelAllows(plan, m.minLevel)}>
                {m.label} ×{m.multiplierPermille / 1000}
              </option>
            ))}
          </select>
        </div>
      )}
      {number('seconds')}
      {p?.meter === 'tokens' &&
        number('maxOutputTokens', {
          describedBy: [blockPricingNote(p) ? `${ids.tokens}-blocks` : '', otherUnitsNote(p) ? `${ids.tokens}-units` : ''].join(' ').trim() || undefined,
          children: (
            <>
              {blockPricingNote(p) && (
                <span className="hint" id={`${ids.tokens}-blocks`} data-testid="block-pricing">
                  {blockPricingNote(p)}
                </span>
              )}
              {otherUnitsNote(p) && (
                <span className="hint" id={`${ids.tokens}-units`} data-testid="other-units">
                  {otherUnitsNote(p)}
                </span>
              )}
            </>
          ),
        })}
      {number('trainingImages')}
    </div>
  );
}

/**
 * The estimate, or why there is none. `blocked` (a number field empty or out of range) stands for the whole pre-flight: nothing is
 * estimated then. `model` names the plans that include a model the plan refuses.
 */
export function EstimatePanel({ id, preflight: asked, error, blocked, model }: { id: string; preflight: PreflightResult | null; error: string | null; blocked: string | null; model: CatalogModel | null }) {
  const preflight = blocked ? null : asked;
  const est = preflight?.estimate ?? null;
  return (
    <div className="estimate" id={id} aria-live="polite">
      {blocked ? (
        <p className="muted" data-testid="estimate-blocked">
          {blocked}
        </p>
      ) : est ? (
        <p>
          <span className="estimate-label">Estimate</span>{' '}
          <span data-testid="estimate-range">{est.typicalMc === est.maxMc ? credits(est.maxMc) : `${formatCredits(est.typicalMc)} – ${credits(est.maxMc)}`}</span>
          {est.lines.length > 1 && <span className="muted"> ({est.lines.map((l) => `${l.label} ${formatCredits(l.maxMc)}`).join(' + ')})</span>}
          {est.lines.some((l) => l.unlimited) && <span className="muted"> · free on your plan</span>}
        </p>
      ) : (
        <p className="muted">No estimate yet</p>
      )}
      {preflight?.stale && <p className="stale">Prices may be out of date: the saved price list is older than its freshness window.</p>}
      {preflight?.refusal && (
        <p role="alert" className="refusal" data-code={preflight.refusal.code}>
          {preflight.refusal.message}
          {preflight.refusal.code === 'insufficient_credits' && <BuyToCover preflight={preflight} />}
          {preflight.refusal.code === 'model_not_in_plan' && model && <PlansIncluding model={model} />}
        </p>
      )}
      {error && (
        <p role="alert" className="refusal">
          {error}
        </p>
      )}
    </div>
  );
}

/** Which plans of the synced catalog include a model the user's plan does not, said where the run is refused. */
function PlansIncluding({ model }: { model: CatalogModel }) {
  const catalog = useAppStore((s) => s.catalogView?.catalog ?? null);
  if (!catalog) return null;
  const plans = plansIncluding(catalog, model);
  return (
    <>
      . {includeText(plans)} it
      {plans.length > 0 ? (
        <>
          : <a href="#store">change plan in the Store</a>.
        </>
      ) : (
        '.'
      )}
    </>
  );
}

/** The smallest pack that covers what this run lacks, proposed where the run is refused. */
function BuyToCover({ preflight }: { preflight: PreflightResult }) {
  const catalog = useAppStore((s) => s.catalogView?.catalog ?? null);
  const needMc = (preflight.estimate?.maxMc ?? 0) - Math.max(0, preflight.availableMc ?? 0);
  const pack = catalog ? smallestPackCovering(catalog.packs, needMc) : null;
  if (!pack) return null;
  return (
    <>
      {' '}
      <a href={`#store?pack=${encodeURIComponent(pack.id)}`}>Buy {pack.name}</a> to cover it.
    </>
  );
}
