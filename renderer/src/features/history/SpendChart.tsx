// Credits spent per day by model over the last 30 days (server time): stacked bars (recharts) with axes, units and tooltips,
// and a text summary for assistive technology.
import { useEffect, useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCredits } from '../../lib/format';
import { creditsText } from '../../../../shared/rules/money';
import { useAppStore } from '../../stores/app-store';

type Chart = { day: string; byModel: Record<string, number>; totalMc: number }[];
const COLORS = ['#4f5bd5', '#2fa37a', '#b7791f', '#c2417c', '#2f7fc1', '#7a6ad0'];
const TOP_MODELS = 5;
const OTHER = 'Other';
const CHART_HEIGHT_PX = 220;

const DAY_FORMAT = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const dayLabels = new Map<string, string>();

/** "2026-11-03" → "Nov 3" (the day is a UTC day of the server's clock); kept, as the chart asks again for every tick it measures */
export function dayLabel(day: string): string {
  let label = dayLabels.get(day);
  if (label === undefined) {
    label = DAY_FORMAT.format(new Date(`${day}T00:00:00Z`));
    if (dayLabels.size < 1_000) dayLabels.set(day, label);
  }
  return label;
}

/** The chart's rows: one per day, millicredits per series (the top models, then the rest as "Other"), and the series in order. */
export function chartRows(chart: Chart): { rows: Record<string, string | number>[]; series: string[]; top: string[] } {
  const totals = new Map<string, number>();
  for (const d of chart) for (const [m, v] of Object.entries(d.byModel)) totals.set(m, (totals.get(m) ?? 0) + v);
  const top = [...totals].sort((a, b) => b[1] - a[1]).slice(0, TOP_MODELS).map(([m]) => m);
  const series = [...top, ...(totals.size > TOP_MODELS ? [OTHER] : [])];
  const rows = chart.map((d) => {
    const row: Record<string, string | number> = { day: d.day };
    for (const m of top) row[m] = d.byModel[m] ?? 0;
    if (series.includes(OTHER)) row[OTHER] = Object.entries(d.byModel).filter(([k]) => !top.includes(k)).reduce((s, [, x]) => s + x, 0);
    return row;
  });
  return { rows, series, top };
}

const creditsTick = (mc: number) => formatCredits(Math.round(mc));

/** The chart's frame at its final size while its numbers load, so that the list below does not jump when it appears. */
function ChartPlaceholder() {
  return (
    <figure className="spend-chart" aria-busy="true">
      <figcaption>Credits spent per day, last 30 days (UTC days)</figcaption>
      <p className="spend-summary muted">Loading…</p>
      <div className="spend-chart-plot" style={{ height: CHART_HEIGHT_PX }} />
    </figure>
  );
}

/** `ready`: asked for and drawn only once the history list has its first rows, so that the list, which the page opens for, is painted first. */
export function SpendChart({ ready }: { ready: boolean }) {
  const historyVersion = useAppStore((s) => s.historyVersion);
  const [chart, setChart] = useState<Chart | null>(null);
  useEffect(() => {
    if (ready) void window.credits?.getSpendChart().then((r) => r.ok && setChart(r.value));
  }, [historyVersion, ready]);
  const data = useMemo(() => (chart ? chartRows(chart) : null), [chart]);
  if (!chart || !data) return <ChartPlaceholder />;
  const sum = chart.reduce((s, d) => s + d.totalMc, 0);
  const summary = sum === 0 ? 'No credits spent in the last 30 days.' : `${creditsText(sum)} spent in the last 30 days; most on ${data.top.slice(0, 3).join(', ')}.`;
  return (
    <figure className="spend-chart">
      <figcaption>Credits spent per day, last 30 days (UTC days)</figcaption>
      <p className="spend-summary muted" data-testid="spend-summary">
        {summary}
      </p>
      <div className="spend-chart-plot" aria-hidden="true">
        <ResponsiveContainer width="100%" height={CHART_HEIGHT_PX}>
          <BarChart data={data.rows} margin={{ top: 8, right: 8, bottom: 4, left: 8 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="day" tickFormatter={dayLabel} minTickGap={16} fontSize={11} />
            <YAxis tickFormatter={creditsTick} allowDecimals={false} fontSize={11} width={56} label={{ value: 'credits', angle: -90, position: 'insideLeft', fontSize: 11 }} />
            <Tooltip formatter={(v) => creditsText(Math.round(Number(v)))} labelFormatter={(d) => dayLabel(String(d))} />
            {data.series.length > 0 && <Legend wrapperStyle={{ fontSize: 12 }} />}
            {data.series.map((m, i) => (
              <Bar key={m} dataKey={m} name={m} stackId="spend" fill={COLORS[i % COLORS.length]} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
