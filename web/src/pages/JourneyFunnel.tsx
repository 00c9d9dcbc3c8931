import { Bar, BarChart, Cell, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { AXIS_TICK, COLOURS, TOOLTIP_STYLE } from '../components/charts';
import { Badge, Card, Empty } from '../components/ui';
import { useView } from '../context';
import { compact, exact, pct, stageLabel } from '../format';
import type { FunnelReport } from '../types';

export function Funnel({ funnel }: { funnel: FunnelReport }) {
  const first = funnel.steps[0]?.actors ?? 0;
  const data = funnel.steps.map((s, i) => ({
    stage: stageLabel(s.stage),
    actors: s.actors,
    share: first ? s.actors / first : 0,
    conv: s.conversion_from_previous,
    drop: i === 0 ? null : funnel.steps[i - 1].actors - s.actors,
  }));
  const { ctx } = useView();
  const worst = weakestStep(funnel, ctx.journey);
  return (
    <Card
      title="Journey funnel"
      subtitle={`${funnel.segment === 'all' ? 'All users' : 'Ideal users'} · ${funnel.from.slice(0, 10)} to ${funnel.to.slice(0, 10)} · ${funnel.window_days}-day conversion window`}
      id="funnel"
    >
      {worst && first > 0 && (
        <p className="small">
          Target rates: {ctx.journey.filter((j) => j.target_rate !== null).map((j) => `${stageLabel(j.stage)} ${pct(j.target_rate, 0)}`).join(' · ') || 'none set'}
        </p>
      )}
      {first === 0 ? (
        <Empty title="Nobody entered the funnel in this range" />
      ) : (
        <div className="funnel-layout">
          <FunnelChart data={data} first={first} worst={worst} segment={funnel.segment} />
          <FunnelTable funnel={funnel} worst={worst} />
        </div>
      )}
    </Card>
  );
}

interface FunnelBar {
  stage: string;
  actors: number;
}

type WeakestStep = { index: number; basis: 'target' | 'lowest' };

function FunnelChart({ data, first, worst, segment }: { data: FunnelBar[]; first: number; worst: WeakestStep | null; segment: string }) {
  return (
    <div className="chart" style={{ height: 36 * data.length + 30 }}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 60, bottom: 4, left: 4 }} barCategoryGap={6}>
          <XAxis type="number" hide domain={[0, first]} />
          <YAxis type="category" dataKey="stage" tick={AXIS_TICK} width={110} tickLine={false} axisLine={false} />
          <Tooltip contentStyle={TOOLTIP_STYLE} formatter={(v) => [exact(Number(v)), 'actors']} />
          <Bar dataKey="actors" isAnimationActive={false} radius={[0, 4, 4, 0]}>
            {data.map((d, i) => (
              <Cell key={d.stage} fill={worst?.index === i ? COLOURS.bad : segmentColour(segment)} />
            ))}
            <LabelList dataKey="actors" position="right" formatter={(v: unknown) => compact(Number(v))} style={{ fontSize: 11, fill: '#374151' }} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function FunnelTable({ funnel, worst }: { funnel: FunnelReport; worst: WeakestStep | null }) {
  const worstLabel = worst?.basis === 'target' ? 'furthest below target' : 'lowest';
  return (
    <div className="table-scroll">
      <table className="data" data-testid="funnel-table">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col" className="num">Actors</th>
            <th scope="col" className="num">From previous</th>
            <th scope="col" className="num">Drop-off</th>
            <th scope="col" className="num">From first</th>
          </tr>
        </thead>
        <tbody>
          {funnel.steps.map((s, i) => (
            <tr key={s.stage} data-stage={s.stage} className={worst?.index === i ? 'row-bad' : undefined}>
              <th scope="row" title={`${s.event}`}>
                {stageLabel(s.stage)}
              </th>
              <td className="num" data-testid={`actors-${s.stage}`}>{exact(s.actors)}</td>
              <td className="num">
                {pct(s.conversion_from_previous)}
                {worst?.index === i && <> <Badge tone="bad">{worstLabel}</Badge></>}
              </td>
              <td className="num">{i === 0 ? '—' : `${exact(funnel.steps[i - 1].actors - s.actors)} (${pct(s.conversion_from_previous === null ? null : 1 - s.conversion_from_previous, 0)})`}</td>
              <td className="num">{pct(s.conversion_from_first)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The step furthest below its target rate (target ÷ actual largest), else the lowest conversion. */
function weakestStep(funnel: FunnelReport, journey: { stage: string; target_rate: number | null }[]): WeakestStep | null {
  let best: WeakestStep | null = null;
  let bestRatio = 1;
  funnel.steps.forEach((s, i) => {
    const target = journey.find((j) => j.stage === s.stage)?.target_rate ?? null;
    if (i === 0 || target === null || s.conversion_from_previous === null) return;
    const ratio = s.conversion_from_previous === 0 ? Infinity : target / s.conversion_from_previous;
    if (ratio > bestRatio) {
      best = { index: i, basis: 'target' };
      bestRatio = ratio;
    }
  });
  if (best || journey.some((j) => j.target_rate !== null)) return best;
  funnel.steps.forEach((s, i) => {
    if (i === 0 || s.conversion_from_previous === null) return;
    if (!best || s.conversion_from_previous < (funnel.steps[best.index].conversion_from_previous ?? 1)) best = { index: i, basis: 'lowest' };
  });
  return best;
}

const segmentColour = (segment: string) => (segment === 'ideal' ? COLOURS.ideal : COLOURS.primary);
