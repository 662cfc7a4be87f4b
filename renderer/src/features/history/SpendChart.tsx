// Credits spent per day by model over the last 30 days (server time), as stacked bars with a text summary for assistive technology.
import { useEffect, useState } from 'react';
import { formatCredits } from '../../lib/format';
import { useAppStore } from '../../stores/app-store';

type Chart = { day: string; byModel: Record<string, number>; totalMc: number }[];
const COLORS = ['#4f5bd5', '#2fa37a', '#e0a030', '#d56a9b', '#4f9bd5', '#8a7ad6'];
const TOP_MODELS = 5;
const HEIGHT = 120;

export function SpendChart() {
  const historyVersion = useAppStore((s) => s.historyVersion);
  const [chart, setChart] = useState<Chart | null>(null);
  useEffect(() => {
    void window.credits?.getSpendChart().then((r) => r.ok && setChart(r.value));
  }, [historyVersion]);
  if (!chart) return null;
  const totals = new Map<string, number>();
  for (const d of chart) for (const [m, v] of Object.entries(d.byModel)) totals.set(m, (totals.get(m) ?? 0) + v);
  const top = [...totals].sort((a, b) => b[1] - a[1]).slice(0, TOP_MODELS).map(([m]) => m);
  const series = [...top, ...(totals.size > TOP_MODELS ? ['Other'] : [])];
  const max = Math.max(1, ...chart.map((d) => d.totalMc));
  const sum = chart.reduce((s, d) => s + d.totalMc, 0);
  const barW = 100 / chart.length;
  const summary = sum === 0 ? 'No credits spent in the last 30 days.' : `${formatCredits(sum)} credits spent in the last 30 days; most on ${top.slice(0, 3).join(', ')}.`;
  return (
    <figure className="spend-chart">
      <figcaption>Credits spent per day, last 30 days</figcaption>
      <svg viewBox={`0 0 100 ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={summary}>
        {chart.map((d, i) => {
          let y = HEIGHT;
          return series.map((m, si) => {
            const v = m === 'Other' ? Object.entries(d.byModel).filter(([k]) => !top.includes(k)).reduce((s, [, x]) => s + x, 0) : (d.byModel[m] ?? 0);
            if (!v) return null;
            const h = (v / max) * (HEIGHT - 4);
            y -= h;
            return <rect key={`${d.day}-${m}`} x={i * barW + barW * 0.15} width={barW * 0.7} y={y} height={h} fill={COLORS[si % COLORS.length]}><title>{`${d.day} ${m}: ${formatCredits(v)}`}</title></rect>;
          });
        })}
      </svg>
      <div className="legend">
        {series.map((m, i) => (
          <span key={m}>
            <span className="swatch" style={{ background: COLORS[i % COLORS.length] }} /> {m}
          </span>
        ))}
        {series.length === 0 && <span className="muted">{summary}</span>}
      </div>
    </figure>
  );
}
