import { useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { reportUrl, useApi } from '../api';
import { AXIS_TICK, COLOURS, TOOLTIP_STYLE } from '../components/charts';
import { PeopleCount } from '../components/PeopleDrawer';
import { ExportCsv } from '../components/table';
import { Card, Empty, Load, Toggle } from '../components/ui';
import { retentionCsv } from '../exports';
import { useView } from '../context';
import { heatColours } from '../contrast';
import { exact, pct } from '../format';
import type { RetentionReport } from '../types';

type Mode = 'on' | 'on-or-after';
type Period = 'week' | 'month';
type PeriodZero = RetentionReport['period_zero'];

export function Retention() {
  const { asOf, segment } = useView();
  const [mode, setMode] = useState<Mode>('on');
  const [period, setPeriod] = useState<Period>('week');
  const [zero, setZero] = useState<PeriodZero>('cohort');
  const report = useApi<RetentionReport>(reportUrl('retention', { as_of: asOf, segment: segment === 'all' ? null : segment, mode, period, period_zero: zero }));
  const p = period;
  const first = zero === 'cohort' ? `${p} 0 is the whole cohort (100 %)` : `${p} 0 counts those who also did the retention action in their signup ${p}`;
  return (
    <Card
      title="Cohort retention"
      subtitle={
        mode === 'on'
          ? `Cohort: everyone who signed up in the ${p}. ${capital(p)} k: the share who did the retention action in ${p} k (“on” retention); ${first}.`
          : `${capital(p)} k: the share active in ${p} k or any later ${p} (“on or after”); only cohorts for which ${p} k has fully passed count; ${first}.`
      }
      id="retention"
      actions={
        <>
          <Toggle<PeriodZero> label={`${capital(p)} 0`} value={zero} options={[{ value: 'cohort', label: `${capital(p)} 0 = 100 %` }, { value: 'action', label: `${capital(p)} 0 = acted` }]} onChange={setZero} />
          <Toggle<Mode> label="Retention mode" value={mode} options={[{ value: 'on', label: 'On' }, { value: 'on-or-after', label: 'On or after' }]} onChange={setMode} />
          <Toggle<Period> label="Cohort period" value={period} options={[{ value: 'week', label: 'Weekly' }, { value: 'month', label: 'Monthly' }]} onChange={setPeriod} />
        </>
      }
    >
      <Load result={report} what="retention">
        {(r) => (r.cohorts.length === 0 ? <Empty title="No cohorts in this range" /> : <Heatmap report={r} />)}
      </Load>
    </Card>
  );
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Shading relative to the highest rate shown (period 0 aside when it is the whole cohort), so low retention still shows its pattern. */
function heat(rate: number | null, top: number) {
  if (rate === null) return undefined;
  return heatColours(top > 0 ? 0.08 + 0.92 * Math.min(1, rate / top) : 0);
}

function Heatmap({ report }: { report: RetentionReport }) {
  // The people in a cell: the same cohorts, counted the same way.
  const cell = { of: 'retention', period: report.period, mode: report.mode === 'on' ? 'on' : 'on-or-after', period_zero: report.period_zero, segment: report.segment };
  const width = Math.max(...report.cohorts.map((c) => c.retained.length), report.average.length);
  const label = report.period === 'week' ? 'W' : 'M';
  const curve = report.average.map((v, k) => ({ k: `${label}${k}`, average: v }));
  const shaded = (k: number) => k > 0 || report.period_zero === 'action';
  const top = Math.max(0, ...report.cohorts.flatMap((c) => c.rates.filter((r, k): r is number => r !== null && c.complete[k] !== false && shaded(k))));
  const ceiling = Math.min(1, Math.ceil((Math.max(0, ...report.average.filter((v): v is number => v !== null)) * 1.25) * 10) / 10 || 1);
  return (
    <div className="stack-sm">
      <div className="table-tools">
        <ExportCsv name="cohorts" table={() => retentionCsv(report)} />
      </div>
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Retention heatmap, scrolls sideways">
        <table className="heatmap" data-testid="retention-heatmap">
          <thead>
            <tr>
              <th scope="col" className="sticky-col">Cohort</th>
              <th scope="col" className="num">Size</th>
              {Array.from({ length: width }, (_, k) => (
                <th scope="col" key={k} className="num">
                  {label}
                  {k}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {report.cohorts.map((c) => (
              <tr key={c.cohort}>
                <th scope="row" className="sticky-col">{c.cohort}</th>
                <td className="num muted">
                  <PeopleCount query={{ ...cell, period_zero: 'cohort', cohort: c.cohort, periods_after: 0 }} title={`The ${c.cohort} cohort`}>{exact(c.size)}</PeopleCount>
                </td>
                {Array.from({ length: width }, (_, k) => {
                  const rate = c.complete[k] === false ? null : (c.rates[k] ?? null);
                  const n = c.retained[k] ?? null;
                  return (
                    <td
                      key={k}
                      className="num heat"
                      style={heat(rate === null || shaded(k) ? rate : top, top)}
                      title={rate === null ? `${c.cohort}, ${label}${k}: not over yet` : `${c.cohort}, ${label}${k}: ${exact(n)} of ${exact(c.size)} (${pct(rate)})`}
                    >
                      {rate === null ? '' : (
                        <PeopleCount query={{ ...cell, cohort: c.cohort, periods_after: k }} title={`${c.cohort} cohort, ${label}${k}: ${exact(n)} of ${exact(c.size)}`}>
                          {pct(rate, 0)}
                        </PeopleCount>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" className="sticky-col">Average</th>
              <td className="num muted">{exact(report.cohorts.reduce((n, c) => n + c.size, 0))}</td>
              {Array.from({ length: width }, (_, k) => (
                <td key={k} className="num avg">{pct(report.average[k] ?? null, 0)}</td>
              ))}
            </tr>
          </tfoot>
        </table>
      </div>
      <p className="muted small">The average is weighted by cohort size, over complete periods only. Empty cells: the period is not over yet. Shading is relative to the highest rate shown ({pct(top, 0)}){report.period_zero === 'cohort' ? `; ${label}0 is the cohort itself, shaded as the highest` : ''}.</p>
      <div className="chart" style={{ height: 200 }}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={curve} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid stroke={COLOURS.grid} vertical={false} />
            <XAxis dataKey="k" tick={AXIS_TICK} tickLine={false} />
            <YAxis tick={AXIS_TICK} tickLine={false} axisLine={false} width={40} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} domain={[0, ceiling]} />
            <Tooltip contentStyle={TOOLTIP_STYLE} formatter={(v) => [pct(v === null ? null : Number(v)), 'average retention']} />
            <Line type="monotone" dataKey="average" stroke={COLOURS.primary} strokeWidth={2} dot={{ r: 2.5 }} isAnimationActive={false} connectNulls />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}
