// The plan's burn-down: available credits by grant kind over the days, with axes, expiry markers and the point where credits run short.
import { Area, AreaChart, CartesianGrid, Legend, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { PlanView } from '../../../../shared/ipc/contract';
import { GRANT_KIND_LABELS } from '../../lib/format';

const KINDS = ['daily', 'trial', 'subscription', 'pack', 'bonus', 'adjustment'] as const;
const COLORS: Record<(typeof KINDS)[number], string> = { daily: '#8a7ad6', trial: '#4f9bd5', subscription: '#4f5bd5', pack: '#2fa37a', bonus: '#e0a030', adjustment: '#d56a9b' };
const day = (ms: number) => new Date(ms).toISOString().slice(5, 10);

export function BurnDown({ result }: { result: NonNullable<PlanView['result']> }) {
  const data = result.days.map((d) => ({ day: day(d.atMs), ...Object.fromEntries(KINDS.map((k) => [k, (d.availableByKindMc[k] ?? 0) / 1000])) }));
  const used = KINDS.filter((k) => result.days.some((d) => (d.availableByKindMc[k] ?? 0) > 0));
  const expiryDays = [...new Set(result.expiries.filter((e) => e.kind !== 'daily' && e.expiredMc > 0).map((e) => day(e.atMs)))];
  const short = result.shortfall ? day(result.shortfall.atMs) : null;
  const summary = `Available credits over ${result.days.length} days, from ${(result.days[0]?.availableMc ?? 0) / 1000} to ${(result.days[result.days.length - 1]?.availableMc ?? 0) / 1000}${short ? `; short from ${short}` : ''}.`;
  return (
    <figure className="burn-down" aria-label="Burn-down">
      <figcaption>{summary}</figcaption>
      <ResponsiveContainer width="100%" height={260}>
        <AreaChart data={data} margin={{ top: 10, right: 20, bottom: 10, left: 10 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="day" label={{ value: 'day (UTC)', position: 'insideBottom', offset: -5 }} />
          <YAxis label={{ value: 'credits', angle: -90, position: 'insideLeft' }} />
          <Tooltip />
          <Legend />
          {used.map((k) => (
            <Area key={k} type="stepAfter" dataKey={k} name={GRANT_KIND_LABELS[k]} stackId="1" stroke={COLORS[k]} fill={COLORS[k]} isAnimationActive={false} />
          ))}
          {expiryDays.map((d) => (
            <ReferenceLine key={`x-${d}`} x={d} stroke="#b04040" strokeDasharray="4 2" label={{ value: 'expiry', position: 'top', fontSize: 10 }} />
          ))}
          {short && <ReferenceLine x={short} stroke="#d00" strokeWidth={2} label={{ value: 'short', position: 'insideTopRight', fontSize: 11 }} />}
        </AreaChart>
      </ResponsiveContainer>
    </figure>
  );
}
