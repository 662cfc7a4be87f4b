// The parts of the generation form: the model picker, the parameters the model takes (within the plan), and the estimate.
import { useId, type Dispatch, type SetStateAction } from 'react';
import { MODALITIES, type Catalog, type CatalogModel, type Plan } from '../../../../shared/catalog/schema';
import type { PreflightResult } from '../../../../shared/ipc/contract';
import { creditsText as credits } from '../../../../shared/rules/money';
import { formatCredits } from '../../lib/format';
import { accessLabel, blockPricingNote, levelAllows, MODALITY_LABELS, otherUnitsNote, unitPrice, type FormState } from './model-options';
import { smallestPackCovering } from '../../../../shared/rules/purchases';
import { useAppStore } from '../../stores/app-store';

export function ModelSelect({ catalog, plan, value, onPick }: { catalog: Catalog; plan: Plan | null; value: string; onPick(target: string): void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Model</label>
      <select id={id} value={value} onChange={(e) => onPick(e.target.value)}>
        {MODALITIES.map((mod) => {
          const models = catalog.models.filter((m) => m.modality === mod);
          if (models.length === 0) return null;
          return (
            <optgroup key={mod} label={MODALITY_LABELS[mod]}>
              {models.map((m) => {
                const a = accessLabel(plan, m);
                return (
                  <option key={m.id} value={`model:${m.id}`} disabled={!a.allowed}>
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
      </select>
    </div>
  );
}

interface ParamProps {
  pricing: CatalogModel['pricing'] | undefined;
  plan: Plan | null;
  form: FormState;
  setForm: Dispatch<SetStateAction<FormState>>;
}

/** How many images (or actions) one run may make: the model's limit, and the plan's batch size. */
export function batchMaxFor(pricing: CatalogModel['pricing'] | undefined, plan: Plan | null): number {
  return pricing && (pricing.meter === 'image' || pricing.meter === 'action') ? Math.min(pricing.maxCount, plan?.batchSize ?? pricing.maxCount) : 1;
}

export function ParamFields({ pricing: p, plan, form, setForm }: ParamProps) {
  const ids = { count: useId(), res: useId(), mode: useId(), seconds: useId(), tokens: useId(), images: useId() };
  const batchMax = batchMaxFor(p, plan);
  const set = (patch: Partial<FormState>) => setForm((f) => ({ ...f, ...patch }));
  return (
    <div className="params">
      {p && (p.meter === 'image' || p.meter === 'action') && (
        <div className="field small">
          <label htmlFor={ids.count}>{p.meter === 'image' ? 'Images' : 'Count'}</label>
          <input id={ids.count} type="number" min={1} max={batchMax} value={form.count} onChange={(e) => set({ count: clampInt(e.target.value, 1, batchMax) })} />
          <span className="hint">up to {batchMax} on your plan</span>
        </div>
      )}
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
      {p?.meter === 'second' && (
        <div className="field small">
          <label htmlFor={ids.seconds}>Seconds</label>
          <input id={ids.seconds} type="number" min={p.minSeconds} max={p.maxSeconds} value={form.seconds} onChange={(e) => set({ seconds: clampInt(e.target.value, p.minSeconds, p.maxSeconds) })} />
        </div>
      )}
      {p?.meter === 'tokens' && (
        <div className="field small">
          <label htmlFor={ids.tokens}>Maximum output tokens</label>
          <input id={ids.tokens} type="number" min={1} max={p.maxOutputTokens} value={form.maxOutputTokens} onChange={(e) => set({ maxOutputTokens: clampInt(e.target.value, 1, p.maxOutputTokens) })} aria-describedby={[blockPricingNote(p) ? `${ids.tokens}-blocks` : '', otherUnitsNote(p) ? `${ids.tokens}-units` : ''].join(' ').trim() || undefined} />
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
        </div>
      )}
      {p?.meter === 'trainingImage' && (
        <div className="field small">
          <label htmlFor={ids.images}>Training images</label>
          <input id={ids.images} type="number" min={p.minImages} max={p.maxImages} value={form.trainingImages} onChange={(e) => set({ trainingImages: clampInt(e.target.value, p.minImages, p.maxImages) })} />
        </div>
      )}
    </div>
  );
}

export function EstimatePanel({ id, preflight, error }: { id: string; preflight: PreflightResult | null; error: string | null }) {
  const est = preflight?.estimate ?? null;
  return (
    <div className="estimate" id={id} aria-live="polite">
      {est ? (
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

function clampInt(text: string, min: number, max: number): number {
  const n = Math.floor(Number(text));
  if (!Number.isFinite(n)) return min;
  return Math.max(min, Math.min(max, n));
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
