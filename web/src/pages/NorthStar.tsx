import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { reportUrl, useApi } from '../api';
import { AXIS_TICK, COLOURS, TOOLTIP_STYLE } from '../components/charts';
import { Badge, Card, Empty, Kpi, Load, Owner, Sparkline } from '../components/ui';
import { useView } from '../context';
import { compact, exact, filterText, shortWeek, signedPct, targetText } from '../format';
import type { SeriesReport, TreeReport } from '../types';

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

const NODE_W = 210;
const NODE_H = 64;
const COL_GAP = 150;
const ROW_GAP = 26;

/** The tree as columns by depth (inputs → North Star → outcomes), edges labelled with the best lag's correlation. */
function Tree({ tree }: { tree: TreeReport }) {
  const nodes = tree.nodes;
  if (nodes.length === 0) return <Empty title="The tree has no nodes" />;
  const depth = new Map<string, number>();
  const incoming = (id: string) => tree.edges.filter((e) => e.to === id);
  const depthOf = (id: string, seen = new Set<string>()): number => {
    if (depth.has(id)) return depth.get(id)!;
    if (seen.has(id)) return 0;
    seen.add(id);
    const d = Math.max(-1, ...incoming(id).map((e) => depthOf(e.from, seen))) + 1;
    depth.set(id, d);
    return d;
  };
  nodes.forEach((n) => depthOf(n.id));
  const columns: string[][] = [];
  for (const n of nodes) (columns[depth.get(n.id)!] ??= []).push(n.id);
  const tallest = Math.max(...columns.map((c) => c.length));
  const height = tallest * NODE_H + (tallest - 1) * ROW_GAP + 20;
  const width = columns.length * NODE_W + (columns.length - 1) * COL_GAP + 20;
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) => {
    const colHeight = col.length * NODE_H + (col.length - 1) * ROW_GAP;
    const top = (height - colHeight) / 2;
    col.forEach((id, r) => pos.set(id, { x: 10 + c * (NODE_W + COL_GAP), y: top + r * (NODE_H + ROW_GAP) }));
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return (
    <div className="stack">
      <div className="tree-scroll" tabIndex={0} role="region" aria-label="Metric tree diagram">
        <svg className="tree" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label="Metric tree: inputs, North Star and outcomes with measured correlations">
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" fill="#94a3b8" />
            </marker>
          </defs>
          {tree.edges.map((e) => {
            const a = pos.get(e.from);
            const b = pos.get(e.to);
            if (!a || !b) return null;
            const x1 = a.x + NODE_W;
            const y1 = a.y + NODE_H / 2;
            const x2 = b.x - 2;
            const y2 = b.y + NODE_H / 2;
            const mx = (x1 + x2) / 2;
            const strong = e.moves_with_target === true;
            const r = e.best_r;
            // The label sits a third of the way along the curve, near its source, so converging edges keep theirs apart.
            const t = 0.32;
            const bx = (1 - t) ** 3 * x1 + 3 * (1 - t) ** 2 * t * mx + 3 * (1 - t) * t ** 2 * mx + t ** 3 * x2;
            const by = (1 - t) ** 3 * y1 + 3 * (1 - t) ** 2 * t * y1 + 3 * (1 - t) * t ** 2 * y2 + t ** 3 * y2;
            return (
              <g key={`${e.from}-${e.to}`} className={strong ? 'edge edge-strong' : 'edge edge-weak'}>
                <path d={`M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`} fill="none" markerEnd="url(#arrow)" strokeWidth={strong ? 2.5 : 1.5} strokeDasharray={strong ? undefined : '5 4'} />
                <g transform={`translate(${bx}, ${by})`}>
                  <rect x={-52} y={-19} width={104} height={38} rx={6} className="edge-label-bg" />
                  <text textAnchor="middle" y={-4} className="edge-label">{r === null ? 'r = —' : `r = ${r.toFixed(2)}`}</text>
                  <text textAnchor="middle" y={11} className="edge-sub">
                    {e.best_lag === null ? 'no lag found' : `lag ${e.best_lag} wk · p ${e.p_value === null ? '—' : e.p_value < 0.001 ? '< .001' : e.p_value.toFixed(2)}`}
                  </text>
                </g>
              </g>
            );
          })}
          {nodes.map((n) => {
            const p = pos.get(n.id)!;
            const values = n.series.map((s) => s.value);
            const last = [...values].reverse().find((v) => v !== null) ?? null;
            return (
              <g key={n.id} transform={`translate(${p.x}, ${p.y})`} className={`node node-${n.kind}`}>
                <rect width={NODE_W} height={NODE_H} rx={8} />
                <text x={12} y={22} className="node-kind">{n.kind === 'north_star' ? 'NORTH STAR' : n.kind === 'outcome' ? 'OUTCOME' : 'INPUT'}</text>
                <text x={12} y={42} className="node-name">{n.name.length > 28 ? `${n.name.slice(0, 27)}…` : n.name}</text>
                <text x={NODE_W - 12} y={22} textAnchor="end" className="node-value">{last === null ? '—' : compact(last)}</text>
                {byId.size > 0 && <title>{n.name}</title>}
              </g>
            );
          })}
        </svg>
      </div>
      <div className="table-scroll">
        <table className="data compact">
          <caption className="sr-only">Correlation of each edge at lags 0 to 4 weeks</caption>
          <thead>
            <tr>
              <th scope="col">Relation</th>
              {tree.edges[0]?.lags.map((l) => <th scope="col" key={l.lag} className="num">lag {l.lag} wk</th>)}
              <th scope="col">Reading</th>
            </tr>
          </thead>
          <tbody>
            {tree.edges.map((e) => (
              <tr key={`${e.from}-${e.to}`}>
                <th scope="row" className="relation">
                  {e.from_name} → {e.to_name}
                </th>
                {e.lags.map((l) => (
                  <td key={l.lag} className={`num corr ${l.lag === e.best_lag ? 'best' : ''}`} style={{ background: corrColour(l.r) }}>
                    {l.r === null ? '—' : l.r.toFixed(2)}
                  </td>
                ))}
                <td>{e.moves_with_target ? <Badge tone="good">moves with it</Badge> : <Badge tone="warn" title={e.warning ?? undefined}>not clear</Badge>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {tree.edges.some((e) => e.warning) && (
        <ul className="warnings">
          {tree.edges.filter((e) => e.warning).map((e) => (
            <li key={`${e.from}-${e.to}`} className="small">
              <Badge tone="warn">not clear</Badge> {e.warning}
            </li>
          ))}
        </ul>
      )}
      {tree.unattached.length > 0 && (
        <p className="muted small">Not in the tree (no drives:): {tree.unattached.join(', ')}</p>
      )}
      <p className="muted small">{tree.method}</p>
      <div className="spark-row">
        {nodes.map((n) => (
          <span key={n.id} className="spark-item">
            <span className="small">{n.name}</span>
            <Sparkline values={n.series.map((s) => s.value)} width={110} height={26} label={`${n.name} weekly`} />
          </span>
        ))}
      </div>
    </div>
  );
}

function corrColour(r: number | null): string | undefined {
  if (r === null) return undefined;
  const a = Math.min(1, Math.abs(r)) * 0.45;
  return r >= 0 ? `rgba(37, 99, 235, ${a})` : `rgba(220, 38, 38, ${a})`;
}
