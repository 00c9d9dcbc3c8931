import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { reportUrl, useApi } from '../api';
import { AXIS_TICK, COLOURS, TOOLTIP_STYLE } from '../components/charts';
import { Card, Empty, Kpi, Load, Owner } from '../components/ui';
import { useView } from '../context';
import { compact, exact, filterText, shortWeek, signedPct, targetText } from '../format';
import type { SeriesReport, TreeReport } from '../types';
import { Tree } from './NorthStarTree';

export function NorthStar() {
  const { ctx, asOf, segment } = useView();
  const series = useApi<SeriesReport>(reportUrl('north-star', { as_of: asOf, segment: segment === 'all' ? null : segment }));
  const tree = useApi<TreeReport>(ctx.tree ? reportUrl('tree', { as_of: asOf }) : null);
  const ns = ctx.north_star;
  const target = ns.target && 'gte' in ns.target ? ns.target.gte : ns.target && 'lte' in ns.target ? ns.target.lte : null;
  return (
    <div className="stack">
      <Load result={series} what="the North Star">
        {(data) => {
          const values = data.series.map((p) => p.value);
          const last = values[values.length - 1] ?? null;
          const prev = values[values.length - 2] ?? null;
          const change = last !== null && prev ? (last - prev) / Math.abs(prev) : null;
          const onTarget = target === null || last === null ? undefined : ns.target && 'lte' in ns.target ? last <= target : last >= target;
          return (
            <div className="grid-ns">
              <Card title={ns.name} subtitle={segment === 'ideal' ? 'Ideal users only' : 'All users'} id="ns-summary">
                <div className="kpis">
                  <Kpi label={`Week ${data.series[data.series.length - 1]?.period ?? ''}`} value={exact(last)} tone={onTarget === undefined ? undefined : onTarget ? 'good' : 'bad'} hint={`target ${targetText(ns.target)}`} testId="ns-value" />
                  <Kpi label="Week over week" value={signedPct(change)} tone={change === null ? undefined : change >= 0 ? 'good' : 'bad'} />
                </div>
                <dl className="definition">
                  <dt>Quality</dt>
                  <dd>
                    <code>{ns.event}</code>
                    {ns.where ? <span className="muted"> where {filterText(ns.where)}</span> : null}
                  </dd>
                  <dt>Quantity</dt>
                  <dd>{ns.measure.replace('_', ' ')}{ns.per ? ` per ${ns.per}` : ''}</dd>
                  <dt>Frequency</dt>
                  <dd>per {ns.frequency}</dd>
                  <dt>Owner</dt>
                  <dd><Owner owner={ns.owner} /></dd>
                </dl>
              </Card>
              <Card title="Trend" subtitle={`${data.series.length} ${data.frequency}s to ${data.series[data.series.length - 1]?.period ?? ''}`} id="ns-trend">
                {values.every((v) => v === null) ? (
                  <Empty title="No data in this range" />
                ) : (
                  <div className="chart" style={{ height: 260 }}>
                    <ResponsiveContainer width="100%" height="100%">
                      <LineChart data={data.series.map((p) => ({ period: shortWeek(p.period), value: p.value }))} margin={{ top: 10, right: 16, bottom: 0, left: 0 }}>
                        <CartesianGrid stroke={COLOURS.grid} vertical={false} />
                        <XAxis dataKey="period" tick={AXIS_TICK} tickLine={false} axisLine={{ stroke: COLOURS.grid }} />
                        <YAxis tick={AXIS_TICK} tickLine={false} axisLine={false} width={48} tickFormatter={(v: number) => compact(v)} />
                        <Tooltip contentStyle={TOOLTIP_STYLE} formatter={(v) => [exact(Number(v)), ns.name]} />
                        {target !== null && <ReferenceLine y={target} stroke={COLOURS.good} strokeDasharray="4 4" label={{ value: `target ${compact(target)}`, position: 'insideTopLeft', fontSize: 11, fill: COLOURS.good }} />}
                        <Line type="monotone" dataKey="value" stroke={COLOURS.primary} strokeWidth={2} dot={{ r: 2.5 }} isAnimationActive={false} connectNulls />
                      </LineChart>
                    </ResponsiveContainer>
                  </div>
                )}
              </Card>
            </div>
          );
        }}
      </Load>
      <Card
        title="Metric tree"
        subtitle="Inputs drive the North Star; the North Star drives business outcomes. Each edge shows the measured relation of the weekly series."
        id="tree"
      >
        {!ctx.tree ? (
          <Empty title="No metric tree yet">
            Add <code>drives: north_star</code> to input metrics and <code>drives: [health.mrr]</code> to the North Star in truenorth.yaml.
          </Empty>
        ) : (
          <Load result={tree} what="the metric tree">
            {(t) => <Tree tree={t} />}
          </Load>
        )}
      </Card>
    </div>
  );
}
