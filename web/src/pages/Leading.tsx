import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { reportUrl, useApi } from '../api';
import { AXIS_TICK, COLOURS, TOOLTIP_STYLE } from '../components/charts';
import { PeopleCount } from '../components/PeopleDrawer';
import { ExportCsv } from '../components/table';
import { Badge, Card, Empty, Kpi, Load, Toggle } from '../components/ui';
import { recordsCsv } from '../exports';
import { useView } from '../context';
import { compact, exact, fmt, money, pct, pText, shortWeek } from '../format';
import { RiskVerdict } from '../components/RiskVerdict';
import type { LeadingIndicator, LeadingReport, PredictiveIndicator, PredictiveReport, RiskReport } from '../types';

type Outcome = 'retained' | 'upgraded';

export function Leading() {
  const { asOf, segment } = useView();
  const seg = segment === 'all' ? null : segment;
  const [outcome, setOutcome] = useState<Outcome>('retained');
  const leading = useApi<LeadingReport>(reportUrl('leading', { as_of: asOf, segment: seg, outcome: outcome === 'retained' ? null : outcome }));
  const predictive = useApi<PredictiveReport>(reportUrl('predictive', { as_of: asOf, segment: seg }));
  const risk = useApi<RiskReport>(reportUrl('risk', { as_of: asOf }));
  return (
    <div className="stack">
      <Card
        title="Aha moments"
        subtitle="Early behaviours after signup that predict the outcome: users who did it vs those who did not"
        id="aha"
        actions={<Toggle<Outcome> label="Outcome" value={outcome} options={[{ value: 'retained', label: 'Retained in week 4' }, { value: 'upgraded', label: 'Upgraded in 30 days' }]} onChange={setOutcome} />}
      >
        <Load result={leading} what="leading indicators">
          {(r) => <Indicators report={r} />}
        </Load>
      </Card>
      <Card title="Leading next to lagging" subtitle="Watch the early signal, not only the result" id="predictive">
        <Load result={predictive} what="predictive indicators">
          {(p) => <Predictive report={p} />}
        </Load>
      </Card>
      <Card title="Accounts at churn risk" subtitle="Paying accounts tripping the churn-risk rules, ranked" id="risk">
        <Load result={risk} what="churn risk">
          {(r) => <Risk report={r} />}
        </Load>
      </Card>
    </div>
  );
}

/** Behaviours fewer signups do than this are too rare to act on: flagged, never ranked first. */
export const MIN_COVERAGE = 0.05;

/** Why a behaviour should not lead the list, or null when nothing is wrong with it. */
function caveat(i: LeadingIndicator): string | null {
  if (i.lift === null || i.did_not_rate === 0) return 'a precondition: nobody without it reaches the outcome';
  if (i.did_rate === 1) return 'everybody who does it reaches the outcome: part of it';
  if (i.coverage < MIN_COVERAGE) return `rare: ${pct(i.coverage, 0)} of signups, under ${pct(MIN_COVERAGE, 0)}`;
  return null;
}

function Indicators({ report }: { report: LeadingReport }) {
  // The report's order (by score), with the flagged behaviours moved after the others.
  const ranked = [...report.indicators.filter((i) => caveat(i) === null), ...report.indicators.filter((i) => caveat(i) !== null)];
  const top = ranked.filter((i) => caveat(i) === null).slice(0, 8);
  const best = top.find((i) => i.significant && (i.lift ?? 0) > 1);
  if (report.indicators.length === 0) {
    return <Empty title="No behaviour could be tested">{report.cohort.actors} signups in the cohort; each behaviour needs at least {report.min_group} users who did it and {report.min_group} who did not.</Empty>;
  }
  const label = (i: LeadingIndicator) => `${i.event} ≥ ${i.at_least}`;
  // The people in a did or did-not group: the same cohort and behaviour window.
  const group = { of: 'indicator', outcome: report.outcome, segment: report.segment, within: `${report.within_days}d` };
  return (
    <div className="stack-sm">
      {best && (
        <div className="callout" data-testid="aha">
          <span className="callout-mark" aria-hidden="true">★</span>
          <div>
            <strong>{best.sentence}</strong>
            <p className="muted small">Lift {best.lift?.toFixed(1)}× · {pText(best.p_value)} · {pct(best.coverage, 0)} of signups do it</p>
          </div>
        </div>
      )}
      <p className="muted small" data-testid="leading-outcome">
        Outcome: {report.outcome_definition}. Cohort: {exact(report.cohort.actors)} signups, {pct(report.cohort.outcome_rate)} reached it. {report.tested} behaviours tested, {report.skipped} skipped (too few users).
      </p>
      <p className="small" data-testid="ranking">
        <strong>Ranked by score</strong>: {report.score_definition.split(':')[0]}. It grows with the effect and with how many do it.
        Behaviours under {pct(MIN_COVERAGE, 0)} of signups, or that nobody without reaches the outcome, are flagged and listed last.
      </p>
      <div className="chart" style={{ height: 36 + top.length * 34 }} data-testid="leading-chart">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={top.map((i) => ({ name: `${label(i)} · ${pct(i.coverage, 0)}`, did: i.did_rate, did_not: i.did_not_rate }))} layout="vertical" margin={{ top: 4, right: 24, bottom: 4, left: 4 }}>
            <CartesianGrid stroke={COLOURS.grid} horizontal={false} />
            <XAxis type="number" tick={AXIS_TICK} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} />
            <YAxis type="category" dataKey="name" tick={AXIS_TICK} width={170} tickLine={false} axisLine={false} />
            <Tooltip contentStyle={TOOLTIP_STYLE} formatter={(v, name) => [pct(Number(v)), String(name)]} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Bar dataKey="did" name="Outcome rate: did it" fill={COLOURS.primary} isAnimationActive={false} />
            <Bar dataKey="did_not" name="Did not" fill={COLOURS.notIdeal} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <div className="table-tools">
        <p className="muted small">Each label ends with the share of signups who do it (coverage).</p>
        <ExportCsv name="indicators" table={() => recordsCsv(report.indicators)} />
      </div>
      <div className="table-scroll">
        <table className="data compact" data-testid="leading-table">
          <thead>
            <tr>
              <th scope="col">Behaviour (first {report.within_days} days)</th>
              <th scope="col" className="num">Did</th>
              <th scope="col" className="num">Rate</th>
              <th scope="col" className="num">Did not</th>
              <th scope="col" className="num">Rate</th>
              <th scope="col" className="num">Score</th>
              <th scope="col" className="num">Lift</th>
              <th scope="col" className="num">q</th>
              <th scope="col" className="num">Coverage</th>
              <th scope="col">Significant</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {ranked.slice(0, 15).map((i) => (
              <tr key={label(i)}>
                <th scope="row" title={i.sentence}>{label(i)}</th>
                <td className="num">
                  <PeopleCount query={{ ...group, event: i.event, at_least: i.at_least }} title={`Did ${label(i)}`}>{exact(i.did)}</PeopleCount>
                </td>
                <td className="num">{pct(i.did_rate)}</td>
                <td className="num">
                  <PeopleCount query={{ ...group, event: i.event, at_least: i.at_least, group: 'did-not' }} title={`Did not ${label(i)}`}>{exact(i.did_not)}</PeopleCount>
                </td>
                <td className="num">{pct(i.did_not_rate)}</td>
                <td className="num strong">{i.score.toFixed(1)}</td>
                <td className="num">{i.lift === null ? '—' : `${i.lift.toFixed(1)}×`}</td>
                <td className="num">{pText(i.q_value, '')}</td>
                <td className="num">{pct(i.coverage, 0)}</td>
                <td>{i.significant ? <Badge tone="good">yes</Badge> : <Badge>no</Badge>}</td>
                <td className="small">{caveat(i) ? <Badge tone="warn">{caveat(i)}</Badge> : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function indicatorValue(i: PredictiveIndicator, v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return i.unit === 'rate' ? pct(v) : i.unit === 'money' ? money(v) : fmt(v);
}

function Predictive({ report }: { report: PredictiveReport }) {
  if (report.pairs.length === 0) return <Empty title="Nothing to pair yet" />;
  return (
    <div className="pairs">
      {report.pairs.map((p) => (
        <div key={p.goal} className="pair">
          <h3>{p.goal}</h3>
          <div className="pair-row">
            <Indicator label="Leading" indicator={p.leading} />
            <span className="pair-arrow" aria-hidden="true">→</span>
            <Indicator label="Lagging" indicator={p.lagging} />
          </div>
          <p className="small">{p.relation ?? 'No measured relation yet.'}</p>
          <p className="muted small">{p.example}</p>
        </div>
      ))}
    </div>
  );
}

function Indicator({ label, indicator }: { label: string; indicator: PredictiveIndicator | null }) {
  if (!indicator) return <Kpi label={label} value="—" hint="none found yet" />;
  const series = indicator.series ?? [];
  const last = [...series].reverse().find((s) => s.value !== null)?.value ?? indicator.value ?? null;
  return (
    <div className="indicator">
      <Kpi label={`${label}: ${indicator.name}`} value={indicatorValue(indicator, last)} />
      {series.filter((s) => s.value !== null).length > 1 && (
        <div className="chart" style={{ height: 60 }}>
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={series.map((s) => ({ week: shortWeek(s.period), v: s.value }))} margin={{ top: 4, right: 4, bottom: 0, left: 4 }}>
              <XAxis dataKey="week" hide />
              <YAxis hide domain={['auto', 'auto']} />
              <Tooltip contentStyle={TOOLTIP_STYLE} formatter={(v) => [indicatorValue(indicator, Number(v)), indicator.name]} />
              <Line dataKey="v" stroke={label === 'Leading' ? COLOURS.ideal : COLOURS.primary} strokeWidth={1.5} dot={false} connectNulls isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </div>
  );
}

function Risk({ report }: { report: RiskReport }) {
  return (
    <div className="stack-sm">
      <div className="kpis">
        <Kpi label="MRR at risk" value={money(report.mrr_at_risk)} tone={report.mrr_at_risk > 0 ? 'bad' : 'good'} hint={`${pct(report.share_of_mrr_at_risk, 0)} of ${money(report.total_mrr)}`} />
        <Kpi label="Accounts at risk" value={<PeopleCount query={{ of: 'risk' }} title="Accounts at churn risk">{exact(report.accounts.length)}</PeopleCount>} hint={`of ${report.accounts_evaluated} paying accounts`} />
      </div>
      <ul className="rules small">
        {report.by_rule.map((r) => (
          <li key={r.rule}>
            <Badge tone={r.accounts > 0 ? 'warn' : 'neutral'}>{r.rule.replace(/_/g, ' ')}</Badge> {r.accounts} accounts · {money(r.mrr)} MRR
            <span className="muted"> — {report.rules.find((x) => x.id === r.rule)?.description ?? ''}</span>
            <RiskVerdict report={report} rule={r.rule} />
          </li>
        ))}
      </ul>
      {report.accounts.length === 0 ? (
        <p className="muted">No paying account is flagged by a rule that beats the base rate.</p>
      ) : (
        <>
          <div className="table-tools">
            <ExportCsv name="accounts-at-risk" table={() => recordsCsv(report.accounts)} />
          </div>
          <div className="table-scroll">
            <table className="data compact">
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col" className="num">MRR</th>
                  <th scope="col" className="num">Score</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {report.accounts.slice(0, 15).map((a) => (
                  <tr key={a.account}>
                    <th scope="row"><code>{a.account}</code></th>
                    <td className="num">{money(a.mrr)}</td>
                    <td className="num">{compact(a.score)}</td>
                    <td className="small">{a.reasons.join('; ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
