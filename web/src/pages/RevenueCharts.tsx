import { Bar, BarChart, CartesianGrid, Cell, ComposedChart, LabelList, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { AXIS_TICK, COLOURS, TOOLTIP_STYLE, useNarrow } from '../components/charts';
import { exact, money } from '../format';

/** Axis ticks: 7.5k, 10k, −2k (short enough for a phone's axis). */
const tick = (v: number) => money(v, '', 1e3);
import type { RevenuePeriod, RevenueReport } from '../types';

/** The bridge's steps: the name on a laptop, the short one on a phone. */
const STEPS: { name: string; short: string; kind: 'total' | 'up' | 'down'; delta: (p: RevenuePeriod) => number }[] = [
  { name: 'Start', short: 'Start', kind: 'total', delta: (p) => p.mrr_start },
  { name: 'New', short: 'New', kind: 'up', delta: (p) => p.new },
  { name: 'Reactivation', short: 'React.', kind: 'up', delta: (p) => p.reactivation },
  { name: 'Expansion', short: 'Exp.', kind: 'up', delta: (p) => p.expansion },
  { name: 'Contraction', short: 'Contr.', kind: 'down', delta: (p) => -p.contraction },
  { name: 'Churn', short: 'Churn', kind: 'down', delta: (p) => -p.churn },
  { name: 'End', short: 'End', kind: 'total', delta: (p) => p.mrr_end },
];

export function Waterfall({ p, currency }: { p: RevenuePeriod; currency: string }) {
  const narrow = useNarrow();
  let running = 0;
  const data = STEPS.map((s) => {
    const delta = s.delta(p);
    const name = narrow ? s.short : s.name;
    if (s.kind === 'total') {
      running = delta;
      return { name, base: 0, value: delta, kind: s.kind, shown: delta };
    }
    const from = running;
    running += delta;
    return { name, base: Math.min(from, running), value: Math.abs(delta), kind: s.kind, shown: delta };
  });
  const fill = (kind: string) => (kind === 'total' ? COLOURS.primary : kind === 'up' ? COLOURS.good : COLOURS.bad);
  // On a phone the labels are compact ($3.9k) and smaller, so seven of them fit side by side.
  const label = (v: number) => (v === 0 ? '' : money(v, currency, narrow ? 1e3 : 1e4));
  return (
    <div className="chart" style={{ height: 260 }} data-testid="waterfall">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 18, right: 4, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={COLOURS.grid} vertical={false} />
          <XAxis dataKey="name" tick={{ ...AXIS_TICK, fontSize: narrow ? 10 : 11 }} tickLine={false} interval={0} />
          <YAxis tick={AXIS_TICK} tickLine={false} axisLine={false} width={narrow ? 40 : 52} tickFormatter={tick} />
          <Tooltip contentStyle={TOOLTIP_STYLE} formatter={(_v, _n, item) => [money((item.payload as { shown: number }).shown, currency), 'MRR']} />
          <Bar dataKey="base" stackId="w" fill="transparent" isAnimationActive={false} />
          <Bar dataKey="value" stackId="w" isAnimationActive={false} radius={[3, 3, 0, 0]}>
            {data.map((d) => (
              <Cell key={d.name} fill={fill(d.kind)} />
            ))}
            <LabelList dataKey="shown" position="top" formatter={(v: unknown) => label(Number(v))} style={{ fontSize: narrow ? 9.5 : 11, fill: COLOURS.label }} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

/**
 * The movements per period on one money axis (losses below zero, with the net as a line on the
 * same axis), and MRR at the end of each period in a chart of its own: one axis per scale.
 */
export function Movements({ report, currency }: { report: RevenueReport; currency: string }) {
  const data = report.periods.map((p) => ({
    period: report.period === 'week' ? p.period.replace(/^\d{4}-/, '') : p.period,
    new: p.new,
    reactivation: p.reactivation,
    expansion: p.expansion,
    contraction: -p.contraction,
    churn: -p.churn,
    net: p.net_new_mrr,
    mrr: p.mrr_end,
  }));
  const tooltip = <Tooltip contentStyle={TOOLTIP_STYLE} formatter={(v, name) => [money(Number(v), currency), String(name)]} />;
  return (
    <div data-testid="movements">
      <div className="chart" style={{ height: 220 }}>
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} stackOffset="sign">
            <CartesianGrid stroke={COLOURS.grid} vertical={false} />
            <XAxis dataKey="period" tick={AXIS_TICK} tickLine={false} />
            <YAxis tick={AXIS_TICK} tickLine={false} axisLine={false} width={48} tickFormatter={tick} />
            {tooltip}
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <ReferenceLine y={0} stroke={COLOURS.zero} />
            <Bar dataKey="new" name="New" stackId="m" fill={COLOURS.good} isAnimationActive={false} />
            <Bar dataKey="reactivation" name="Reactivation" stackId="m" fill={COLOURS.goodSoft} isAnimationActive={false} />
            <Bar dataKey="expansion" name="Expansion" stackId="m" fill={COLOURS.teal} isAnimationActive={false} />
            <Bar dataKey="contraction" name="Contraction" stackId="m" fill={COLOURS.warn} isAnimationActive={false} />
            <Bar dataKey="churn" name="Churn" stackId="m" fill={COLOURS.bad} isAnimationActive={false} />
            <Line type="monotone" dataKey="net" name="Net new MRR" stroke={COLOURS.label} strokeWidth={2} dot={{ r: 2.5 }} isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <p className="muted small">MRR at the end of each {report.period}</p>
      <div className="chart" style={{ height: 110 }} data-testid="mrr-line">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid stroke={COLOURS.grid} vertical={false} />
            <XAxis dataKey="period" tick={AXIS_TICK} tickLine={false} />
            <YAxis tick={AXIS_TICK} tickLine={false} axisLine={false} width={48} tickFormatter={tick} domain={[0, 'auto']} />
            {tooltip}
            <Line type="monotone" dataKey="mrr" name="MRR" stroke={COLOURS.primary} strokeWidth={2} dot={{ r: 2.5 }} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <span className="sr-only">{data.map((d) => `${d.period}: MRR ${exact(d.mrr)}`).join('; ')}</span>
    </div>
  );
}
