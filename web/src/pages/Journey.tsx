import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { reportUrl, useApi } from '../api';
import { AXIS_TICK, COLOURS, TOOLTIP_STYLE } from '../components/charts';
import { PeopleCount } from '../components/PeopleDrawer';
import { ExportCsv } from '../components/table';
import { Card, Empty, Kpi, Load } from '../components/ui';
import { recordsCsv } from '../exports';
import { useView } from '../context';
import { dateTime, exact, pct, stageLabel } from '../format';
import type { FunnelReport, PqlReport, WeeklyStages } from '../types';
import { Funnel } from './JourneyFunnel';
import { WeeklyStageCounts } from './JourneyWeekly';

export function Journey() {
  const { ctx, asOf, segment } = useView();
  const seg = segment === 'all' ? null : segment;
  const funnel = useApi<FunnelReport>(reportUrl('funnel', { as_of: asOf, segment: seg }));
  const all = useApi<FunnelReport>(segment === 'all' ? null : reportUrl('funnel', { as_of: asOf }));
  const weekly = useApi<WeeklyStages>(reportUrl('funnel', { as_of: asOf, segment: seg, weekly: 1 }));
  const pql = useApi<PqlReport>(ctx.ideal_user ? reportUrl('pql', { as_of: asOf }) : null);
  const comparison = segment === 'all' ? funnel.data : all.data;
  return (
    <div className="stack">
      <Load result={funnel} what="the funnel">
        {(f) => <Funnel funnel={f} weekly={weekly.data} />}
      </Load>
      <div className="grid-2">
        <Card title="All vs ideal users" subtitle="Conversion from the previous step, by segment, from signup on" id="segments">
          {!ctx.ideal_user ? (
            <Empty title="No ideal user profile">Define ideal_user in truenorth.yaml to split every funnel: all signups hide who the product is for.</Empty>
          ) : comparison ? (
            <SegmentComparison funnel={comparison} />
          ) : (
            <Load result={all} what="the funnel for all users">{() => null}</Load>
          )}
        </Card>
        <Card title="With PQLs" subtitle="Signups → ideal signups, KUI → PQLs, upgrades → ideal upgrades" id="pql">
          {!ctx.ideal_user ? (
            <Empty title="PQLs need an ideal user profile" />
          ) : (
            <Load result={pql} what="product-qualified leads">
              {(p) => <Pqls pql={p} weekly={weekly.data} />}
            </Load>
          )}
        </Card>
      </div>
      <Load result={weekly} what="weekly stage counts">
        {(w) => <WeeklyStageCounts weekly={w} />}
      </Load>
    </div>
  );
}

function SegmentComparison({ funnel }: { funnel: FunnelReport }) {
  const groups = funnel.breakdown?.groups ?? [];
  const ideal = groups.find((g) => g.value === 'ideal');
  const notIdeal = groups.find((g) => g.value === 'not_ideal');
  // Who is ideal is known from the signup's identify: before it every visitor counts as not ideal, so visit → signup would read ≈ 100 % for ideal users.
  const start = Math.max(0, funnel.steps.findIndex((s) => s.stage === 'signup'));
  const data = funnel.steps.slice(start + 1).map((s, j) => ({
    step: stageLabel(s.stage),
    all: s.conversion_from_previous,
    ideal: ideal?.steps[start + j + 1]?.conversion_from_previous ?? null,
    not_ideal: notIdeal?.steps[start + j + 1]?.conversion_from_previous ?? null,
  }));
  if (!ideal) return <Empty title="No split by ideal users in this range" />;
  return (
    <>
      {start > 0 && (
        <p className="muted small" data-testid="ideal-from-signup">
          Starts at signup: a user is known to be ideal only once they identify at signup, so before it the split would be an artefact.
        </p>
      )}
      <div className="chart" style={{ height: 230 }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid stroke={COLOURS.grid} vertical={false} />
            <XAxis dataKey="step" tick={AXIS_TICK} tickLine={false} interval={0} />
            <YAxis tick={AXIS_TICK} tickLine={false} axisLine={false} width={40} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} />
            <Tooltip contentStyle={TOOLTIP_STYLE} formatter={(v, name) => [pct(v === null ? null : Number(v)), String(name)]} />
            <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={(item) => ['all', 'ideal', 'not_ideal'].indexOf(String(item.dataKey))} />
            <Bar dataKey="all" name="All" fill={COLOURS.primary} isAnimationActive={false} />
            <Bar dataKey="ideal" name="Ideal" fill={COLOURS.ideal} isAnimationActive={false} />
            <Bar dataKey="not_ideal" name="Not ideal" fill={COLOURS.notIdeal} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <div className="table-tools">
        <ExportCsv name="segments" table={() => recordsCsv(data)} />
      </div>
      <table className="data compact">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col" className="num">All</th>
            <th scope="col" className="num">Ideal</th>
            <th scope="col" className="num">Not ideal</th>
          </tr>
        </thead>
        <tbody>
          {funnel.steps.map((s, i) => i < start ? null : (
            <tr key={s.stage}>
              <th scope="row">{stageLabel(s.stage)}</th>
              <td className="num">{exact(s.actors)}</td>
              <td className="num">{exact(ideal.steps[i]?.actors)}</td>
              <td className="num">{exact(notIdeal?.steps[i]?.actors)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Pqls({ pql, weekly }: { pql: PqlReport; weekly: WeeklyStages | undefined }) {
  const lastWeek = pql.weeks[pql.weeks.length - 1];
  const stages = weekly?.weeks.find((w) => w.week === lastWeek?.week)?.stages;
  const total = pql.weeks.reduce((n, w) => n + w.pqls, 0);
  const rows: [string, string, number | undefined][] = [
    ['Unique visits', 'Unique visits', stages?.visit],
    ['Signups', 'Ideal signups', lastWeek?.ideal_signups],
    ['Setups', 'Setups', stages?.setup],
    ['First strikes', 'First strikes', stages?.first_strike],
    ['KUIs', 'PQLs', lastWeek?.pqls],
    ['Upgrades', 'Ideal upgrades', lastWeek?.ideal_upgrades],
  ];
  return (
    <div className="stack-sm">
      <div className="kpis">
        <Kpi label="PQL → upgrade" value={pct(pql.upgrade_rate, 0)} hint="30–50% is the usual range" tone={pql.upgrade_rate === null ? undefined : pql.upgrade_rate >= 0.3 ? 'good' : 'warn'} />
        <Kpi
          label="PQLs in range" value={<PeopleCount query={{ of: 'pql' }} title="Product-qualified leads in range">{exact(total)}</PeopleCount>}
          hint={lastWeek ? <><PeopleCount query={{ of: 'pql', week: lastWeek.week }} title={`Product-qualified leads in ${lastWeek.week}`}>{exact(lastWeek.pqls)}</PeopleCount> in {lastWeek.week}</> : undefined}
        />
      </div>
      <div className="table-tools">
        <ExportCsv name="with-pqls" table={() => ({ header: ['without_pqls', 'with_pqls', lastWeek?.week ?? 'week'], rows: rows.map(([a, b, v]) => [a, b, v ?? null]) })} />
      </div>
      <table className="data compact">
        <caption className="muted small">Week {lastWeek?.week}: the scorecard without and with PQLs</caption>
        <thead>
          <tr>
            <th scope="col">Without PQLs</th>
            <th scope="col">With PQLs</th>
            <th scope="col" className="num">{lastWeek?.week ?? ''}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([a, b, v]) => (
            <tr key={b}>
              <td>{a}</td>
              <th scope="row">{b}</th>
              <td className="num">{v === undefined ? '—' : exact(v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {pql.missing_stages.length > 0 && <p className="warn-line">Missing stages for PQLs: {pql.missing_stages.join(', ')}</p>}
      {pql.pqls.length > 0 && (
        <details>
          <summary>Latest PQLs ({pql.pqls.length})</summary>
          <div className="table-tools">
            <ExportCsv name="pqls" table={() => recordsCsv(pql.pqls)} />
          </div>
          <table className="data compact">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Account</th>
                <th scope="col">Qualified</th>
                <th scope="col">Upgraded</th>
              </tr>
            </thead>
            <tbody>
              {[...pql.pqls].reverse().slice(0, 12).map((p) => (
                <tr key={p.actor}>
                  <td><code>{p.actor}</code></td>
                  <td><code>{p.account ?? '—'}</code></td>
                  <td>{dateTime(p.qualified_at)}</td>
                  <td>{p.upgraded_at ? dateTime(p.upgraded_at) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </div>
  );
}
