import { Area, AreaChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { AXIS_TICK, COLOURS, TOOLTIP_STYLE } from '../components/charts';
import { PeopleCount } from '../components/PeopleDrawer';
import { ExportCsv } from '../components/table';
import { Card, Empty } from '../components/ui';
import { useView } from '../context';
import { exact, shortWeek, stageLabel } from '../format';
import type { WeeklyStages } from '../types';

/** The weekly stage counts as small multiples: one chart per stage on its own scale, so a stage of a few upgrades a week reads as clearly as thousands of visits. */
export function WeeklyStageCounts({ weekly }: { weekly: WeeklyStages }) {
  const { ctx } = useView();
  const stages = Object.keys(weekly.weeks[0]?.stages ?? {});
  // A week before the first event stored has no data, not zero of everything.
  const stored = new Set(ctx.weeks.map((w) => w.week));
  const count = (w: WeeklyStages['weeks'][number], s: string) => (stored.has(w.week) ? ((w.stages as Record<string, number | undefined>)[s] ?? 0) : null);
  return (
    <Card
      title="Weekly stage counts"
      subtitle={`Actors reaching each stage for the first time, per week (${weekly.segment === 'all' ? 'all users' : 'ideal users'}); visits are distinct visitors. Each chart has its own scale.`}
      id="weekly"
    >
      {weekly.weeks.length === 0 ? (
        <Empty title="No weeks in range" />
      ) : (
        <>
          <div className="stage-multiples" data-testid="stage-multiples">
            {stages.map((s, i) => {
              const data = weekly.weeks.map((w) => ({ week: shortWeek(w.week), actors: count(w, s) }));
              const colour = COLOURS.series[i % COLOURS.series.length];
              return (
                <figure key={s} className="stage-multiple" data-stage={s}>
                  <h3>
                    <span>{stageLabel(s)}</span>
                    <span className="muted">{exact(data[data.length - 1].actors)} in {data[data.length - 1].week}</span>
                  </h3>
                  <div className="chart" style={{ height: 84 }}>
                    <ResponsiveContainer width="100%" height="100%">
                      <AreaChart data={data} margin={{ top: 6, right: 4, bottom: 0, left: 0 }}>
                        <XAxis dataKey="week" tick={AXIS_TICK} tickLine={false} interval="preserveStartEnd" minTickGap={24} />
                        <YAxis tick={AXIS_TICK} tickLine={false} axisLine={false} width={34} tickCount={3} allowDecimals={false} />
                        <Tooltip contentStyle={TOOLTIP_STYLE} formatter={(v) => [exact(Number(v)), stageLabel(s)]} />
                        <Area type="linear" connectNulls={false} dataKey="actors" stroke={colour} fill={colour} fillOpacity={0.18} strokeWidth={2} isAnimationActive={false} />
                      </AreaChart>
                    </ResponsiveContainer>
                  </div>
                </figure>
              );
            })}
          </div>
          <div className="table-tools">
            <ExportCsv name="weekly-stages" table={() => ({ header: ['stage', ...weekly.weeks.map((w) => w.week)], rows: stages.map((s) => [s, ...weekly.weeks.map((w) => count(w, s))]) })} />
          </div>
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Weekly stage counts table">
            <table className="data compact weekly-table">
              <thead>
                <tr>
                  <th scope="col" className="sticky-col">Stage</th>
                  {weekly.weeks.map((w) => (
                    <th scope="col" key={w.week} className="num" title={w.week}>{shortWeek(w.week)}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {stages.map((s) => (
                  <tr key={s}>
                    <th scope="row" className="sticky-col">{stageLabel(s)}</th>
                    {weekly.weeks.map((w) => (
                      <td key={w.week} className="num" data-week={w.week} title={count(w, s) === null ? `${w.week}: before the first event stored` : undefined}>
                        {count(w, s) === null ? <span className="no-data">no data</span> : (
                          <PeopleCount query={{ of: 'stage', stage: s, week: w.week, segment: weekly.segment }} title={`${stageLabel(s)} in ${w.week}${weekly.segment === 'all' ? '' : ', ideal users'}`}>
                            {exact(count(w, s))}
                          </PeopleCount>
                        )}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Card>
  );
}
