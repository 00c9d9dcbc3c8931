import { ExportCsv } from '../components/table';
import { Badge, Empty, Sparkline } from '../components/ui';
import { recordsCsv } from '../exports';
import { compact, pText } from '../format';
import './northstar.css';
import type { TreeReport } from '../types';

type TreeEdge = TreeReport['edges'][number];
type TreeNode = TreeReport['nodes'][number];
type Point = { x: number; y: number };

const NODE_W = 210;
const NODE_H = 64;
const COL_GAP = 150;
const ROW_GAP = 26;

/** The tree as columns by depth (inputs → North Star → outcomes), edges labelled with the best lag's correlation. */
export function Tree({ tree }: { tree: TreeReport }) {
  if (tree.nodes.length === 0) return <Empty title="The tree has no nodes" />;
  return (
    <div className="stack">
      <TreeDiagram tree={tree} />
      <CorrelationTable edges={tree.edges} />
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
        {tree.nodes.map((n) => (
          <span key={n.id} className="spark-item">
            <span className="small">{n.name}</span>
            <Sparkline values={n.series.map((s) => s.value)} width={110} height={26} label={`${n.name} weekly`} />
          </span>
        ))}
      </div>
    </div>
  );
}

/** Each edge's correlation at every lag, the best one marked. */
function CorrelationTable({ edges }: { edges: TreeEdge[] }) {
  return (
    <>
      <div className="table-tools">
        <ExportCsv name="correlations" table={() => recordsCsv(edges)} />
      </div>
      <div className="table-scroll">
        <table className="data compact">
          <caption className="sr-only">Correlation of each edge at lags 0 to 4 weeks</caption>
          <thead>
            <tr>
              <th scope="col">Relation</th>
              {edges[0]?.lags.map((l) => <th scope="col" key={l.lag} className="num">lag {l.lag} wk</th>)}
              <th scope="col">Reading</th>
            </tr>
          </thead>
          <tbody>
            {edges.map((e) => (
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
    </>
  );
}

/** Columns by depth (inputs left, outcomes right), each column centred. */
function treeLayout(tree: TreeReport): { pos: Map<string, Point>; width: number; height: number } {
  const nodes = tree.nodes;
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
  const pos = new Map<string, Point>();
  columns.forEach((col, c) => {
    const colHeight = col.length * NODE_H + (col.length - 1) * ROW_GAP;
    const top = (height - colHeight) / 2;
    col.forEach((id, r) => pos.set(id, { x: 10 + c * (NODE_W + COL_GAP), y: top + r * (NODE_H + ROW_GAP) }));
  });
  return { pos, width, height };
}

function TreeDiagram({ tree }: { tree: TreeReport }) {
  const { pos, width, height } = treeLayout(tree);
  return (
    <>
      <p className="muted small tree-hint">The tree is wider than the screen: swipe it sideways.</p>
      <div className="tree-scroll" tabIndex={0} role="region" aria-label="Metric tree diagram" data-testid="tree-scroll">
        <svg className="tree" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label="Metric tree: inputs, North Star and outcomes with measured correlations">
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" fill="#94a3b8" />
            </marker>
          </defs>
          {tree.edges.map((e) => {
            const a = pos.get(e.from);
            const b = pos.get(e.to);
            return a && b ? <TreeEdgePath key={`${e.from}-${e.to}`} edge={e} a={a} b={b} /> : null;
          })}
          {tree.nodes.map((n) => <TreeNodeBox key={n.id} node={n} p={pos.get(n.id)!} />)}
        </svg>
      </div>
    </>
  );
}

function TreeEdgePath({ edge: e, a, b }: { edge: TreeEdge; a: Point; b: Point }) {
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
    <g className={strong ? 'edge edge-strong' : 'edge edge-weak'}>
      <path d={`M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`} fill="none" markerEnd="url(#arrow)" strokeWidth={strong ? 2.5 : 1.5} strokeDasharray={strong ? undefined : '5 4'} />
      <g transform={`translate(${bx}, ${by})`}>
        <rect x={-52} y={-19} width={104} height={38} rx={6} className="edge-label-bg" />
        <text textAnchor="middle" y={-4} className="edge-label">{r === null ? 'r = —' : `r = ${r.toFixed(2)}`}</text>
        <text textAnchor="middle" y={11} className="edge-sub">
          {e.best_lag === null ? 'no lag found' : `lag ${e.best_lag} wk · ${e.p_value === null ? 'p —' : pText(e.p_value)}`}
        </text>
      </g>
    </g>
  );
}

function TreeNodeBox({ node: n, p }: { node: TreeNode; p: Point }) {
  const values = n.series.map((s) => s.value);
  const last = [...values].reverse().find((v) => v !== null) ?? null;
  return (
    <g transform={`translate(${p.x}, ${p.y})`} className={`node node-${n.kind}`}>
      <rect width={NODE_W} height={NODE_H} rx={8} />
      <text x={12} y={22} className="node-kind">{n.kind === 'north_star' ? 'NORTH STAR' : n.kind === 'outcome' ? 'OUTCOME' : 'INPUT'}</text>
      <text x={12} y={42} className="node-name">{n.name.length > 28 ? `${n.name.slice(0, 27)}…` : n.name}</text>
      <text x={NODE_W - 12} y={22} textAnchor="end" className="node-value">{last === null ? '—' : compact(last)}</text>
      <title>{n.name}</title>
    </g>
  );
}

function corrColour(r: number | null): string | undefined {
  if (r === null) return undefined;
  const a = Math.min(1, Math.abs(r)) * 0.45;
  return r >= 0 ? `rgba(37, 99, 235, ${a})` : `rgba(220, 38, 38, ${a})`;
}
