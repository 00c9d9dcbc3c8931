import { Fragment } from 'react';
import { reportUrl, useApi } from '../api';
import { COLOURS } from '../components/charts';
import { ExportCsv } from '../components/table';
import { Badge, Card, Empty, Kpi, Load } from '../components/ui';
import { recordsCsv } from '../exports';
import { useView } from '../context';
import { exact, pct } from '../format';
import { SurveyTrends } from './VoiceTrend';
import './voice.css';
import type { BenchmarksReport, GuardrailsReport, HeartMetric, HeartReport, SurveysReport } from '../types';

const nps = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(Math.round(v * 100))}`);

export function Voice() {
  const { ctx, asOf, segment } = useView();
  const anySurvey = ctx.surveys.pmf || ctx.surveys.nps || ctx.surveys.csat;
  const surveys = useApi<SurveysReport>(anySurvey ? reportUrl('surveys', { as_of: asOf, segment: segment === 'all' ? null : segment }) : null);
  const bench = useApi<BenchmarksReport>(reportUrl('benchmarks', { as_of: asOf }));
  const heart = useApi<HeartReport>(ctx.heart ? reportUrl('heart', { as_of: asOf }) : null);
  const guardrails = useApi<GuardrailsReport>(!ctx.heart && ctx.guardrails ? reportUrl('guardrails', { as_of: asOf }) : null);
  return (
    <div className="stack">
      {!anySurvey ? (
        <Card title="Surveys" id="surveys">
          <Empty title="No surveys configured">Add surveys: pmf, nps and csat (the event and the answer property) to truenorth.yaml.</Empty>
        </Card>
      ) : (
        <Load result={surveys} what="surveys">
          {(s) => <Surveys report={s} />}
        </Load>
      )}
      <Card title="Stage benchmarks" subtitle="PMF and 30-day retention against the targets for the product stage" id="benchmarks">
        <Load result={bench} what="benchmarks">
          {(b) => <Benchmarks report={b} />}
        </Load>
      </Card>
      <Card title="HEART" subtitle="Happiness, engagement, adoption, retention, task success: goals → signals → metrics" id="heart">
        {ctx.heart ? (
          <Load result={heart} what="HEART">
            {(h) => <Heart report={h} />}
          </Load>
        ) : (
          <Empty title="HEART is not configured">
            Add a <code>heart:</code> section to truenorth.yaml (goals, signals and metrics per category); docs/health.md (HEART) has an example.
          </Empty>
        )}
      </Card>
      {(heart.data?.guardrails || guardrails.data || guardrails.error) && (
        <Card title="Guardrails" subtitle="Metric pairs that must not move against each other" id="guardrails">
          {heart.data?.guardrails ? <Guardrails report={heart.data.guardrails} /> : <Load result={guardrails} what="guardrails">{(g) => <Guardrails report={g} />}</Load>}
        </Card>
      )}
    </div>
  );
}

function Surveys({ report }: { report: SurveysReport }) {
  const n = report.nps;
  return (
    <>
      <div className="grid-3">
        {report.pmf && (
          <Card title="Product/market fit" subtitle={`Sean Ellis: “very disappointed” without the product · ${report.segment === 'all' ? 'all users' : 'ideal users'}`} id="pmf">
            <Kpi label="PMF score" value={pct(report.pmf.score, 0)} tone={report.pmf.reached_40 === null ? undefined : report.pmf.reached_40 ? 'good' : 'bad'} hint={`${report.pmf.responses} answers · 40% is the bar`} testId="pmf" />
            <Stacked parts={[
              { label: 'Very disappointed', n: report.pmf.very_disappointed_count, colour: COLOURS.good },
              { label: 'Somewhat', n: report.pmf.somewhat_disappointed_count, colour: '#a3a3a3' },
              { label: 'Not disappointed', n: report.pmf.not_disappointed_count, colour: COLOURS.bad },
            ]} marker={0.4} />
            {report.pmf.warning && <p className="warn-line">{report.pmf.warning}</p>}
          </Card>
        )}
        {n && (
          <Card title="Net Promoter Score" subtitle="% promoters (9–10) − % detractors (0–6)" id="nps">
            <Kpi label="NPS" value={nps(n.score)} tone={n.score === null ? undefined : n.score > 0 ? 'good' : n.score < 0 ? 'bad' : 'warn'} hint={`${n.responses} answers`} />
            <Stacked parts={[
              { label: 'Promoters', n: n.promoters, colour: COLOURS.good },
              { label: 'Passives', n: n.passives, colour: '#a3a3a3' },
              { label: 'Detractors', n: n.detractors, colour: COLOURS.bad },
            ]} />
            {n.warning && <p className="warn-line">{n.warning}</p>}
          </Card>
        )}
        {report.csat && (
          <Card title="Customer satisfaction" subtitle="Share of 4–5 on a 1–5 score" id="csat">
            <Kpi label="CSAT" value={pct(report.csat.score, 0)} hint={`${report.csat.responses} answers`} tone={report.csat.score === null ? undefined : report.csat.score >= 0.8 ? 'good' : 'warn'} />
            <Stacked parts={[
              { label: 'Satisfied (4–5)', n: report.csat.satisfied, colour: COLOURS.good },
              { label: 'Other', n: report.csat.responses - report.csat.satisfied, colour: '#a3a3a3' },
            ]} />
            {report.csat.warning && <p className="warn-line">{report.csat.warning}</p>}
          </Card>
        )}
      </div>
      <div className="grid-2">
        <Card
          title={`Trend: trailing ${report.rolling_weeks} weeks`}
          subtitle={`Each week's score pools its answers with the ${report.rolling_weeks - 1} weeks before; under ${report.min_responses} answers it is shown as too few (grey), not as a score`}
          id="surveys-weekly"
        >
          <SurveyTrends report={report} />
        </Card>
        <Card title="Ideal users vs the rest" id="surveys-segments">
          <SegmentTable report={report} />
        </Card>
      </div>
    </>
  );
}

function Stacked({ parts, marker }: { parts: { label: string; n: number; colour: string }[]; marker?: number }) {
  const total = parts.reduce((s, p) => s + p.n, 0);
  if (total === 0) return <p className="muted small">No answers in this range.</p>;
  return (
    <div className="stacked-wrap">
      <div className="stacked" role="img" aria-label={parts.map((p) => `${p.label} ${p.n}`).join(', ')}>
        {parts.map((p) => (p.n > 0 ? <span key={p.label} style={{ width: `${(p.n / total) * 100}%`, background: p.colour }} title={`${p.label}: ${p.n}`} /> : null))}
        {marker !== undefined && <i className="stacked-marker" style={{ left: `${marker * 100}%` }} title={`${Math.round(marker * 100)}%`} />}
      </div>
      <ul className="stacked-legend small">
        {parts.map((p) => (
          <li key={p.label}>
            <span className="dot" style={{ background: p.colour }} aria-hidden="true" /> {p.label} {p.n} ({pct(p.n / total, 0)})
          </li>
        ))}
      </ul>
    </div>
  );
}

function SegmentTable({ report }: { report: SurveysReport }) {
  const rows: [string, string, string, number | undefined, number | undefined][] = [];
  if (report.pmf?.by_segment) rows.push(['PMF', pct(report.pmf.by_segment.ideal.score, 0), pct(report.pmf.by_segment.not_ideal.score, 0), report.pmf.by_segment.ideal.responses, report.pmf.by_segment.not_ideal.responses]);
  if (report.nps?.by_segment) rows.push(['NPS', nps(report.nps.by_segment.ideal.score), nps(report.nps.by_segment.not_ideal.score), report.nps.by_segment.ideal.responses, report.nps.by_segment.not_ideal.responses]);
  if (report.csat?.by_segment) rows.push(['CSAT', pct(report.csat.by_segment.ideal.score, 0), pct(report.csat.by_segment.not_ideal.score, 0), report.csat.by_segment.ideal.responses, report.csat.by_segment.not_ideal.responses]);
  if (rows.length === 0) return <Empty title="No split by ideal users">Define ideal_user in truenorth.yaml.</Empty>;
  const splits = ([['pmf', report.pmf], ['nps', report.nps], ['csat', report.csat]] as const).flatMap(([survey, r]) => {
    const by = r?.by_segment;
    return by ? [[survey, by.ideal.score, by.not_ideal.score, by.ideal.responses, by.not_ideal.responses]] : [];
  });
  return (
    <>
    <div className="table-tools">
      <ExportCsv name="ideal-vs-rest" table={() => ({ header: ['survey', 'ideal_score', 'rest_score', 'ideal_responses', 'rest_responses'], rows: splits })} />
    </div>
    <table className="data">
      <thead>
        <tr>
          <th scope="col">Survey</th>
          <th scope="col" className="num">Ideal</th>
          <th scope="col" className="num">Not ideal</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, a, b, na, nb]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td className="num">{a} <span className="muted small">n={na}</span></td>
            <td className="num">{b} <span className="muted small">n={nb}</span></td>
          </tr>
        ))}
      </tbody>
    </table>
    </>
  );
}

const GRADE: Record<string, { text: string; tone: 'good' | 'bad' | 'warn' | 'neutral' }> = {
  ahead: { text: 'ahead of stage', tone: 'good' },
  on_target: { text: 'on target', tone: 'good' },
  near: { text: 'near target', tone: 'warn' },
  below: { text: 'below target', tone: 'bad' },
  no_data: { text: 'no data', tone: 'neutral' },
};

function Benchmarks({ report }: { report: BenchmarksReport }) {
  const m = report.measured;
  const g = report.grades;
  const grade = (x: { grade: string } | null | undefined) => {
    if (!x) return <Badge>no target</Badge>;
    const v = GRADE[x.grade] ?? { text: x.grade.replace(/_/g, ' '), tone: 'neutral' as const };
    return <Badge tone={v.tone}>{v.text}</Badge>;
  };
  return (
    <div className="stack-sm">
      <div className="kpis">
        <Kpi label="PMF score" value={pct(m.pmf.value, 0)} hint={<>target {g.pmf?.target ?? '—'} {grade(g.pmf)}</>} />
        <Kpi
          label="30-day retention"
          value={pct(m.retention_30d.value, 0)}
          hint={<>target {g.retention_30d?.target ?? '—'} {grade(g.retention_30d)}</>}
        />
      </div>
      <p className="muted small">
        30-day retention: {exact(m.retention_30d.retained)} of {exact(m.retention_30d.cohort)} signups from {m.retention_30d.cohort_from} to {m.retention_30d.cohort_to} active on days 30–36.
        {' '}{report.business_model.toUpperCase()}{report.stage ? `, stage ${report.stage}` : ''}.
      </p>
      <div className="table-tools">
        <ExportCsv name="benchmarks" table={() => recordsCsv(report.table)} />
      </div>
      <div className="table-scroll">
        <table className="data compact bench-table" data-testid="benchmarks-table">
          <thead>
            <tr>
              <th scope="col">Stage</th>
              <th scope="col">PMF target</th>
              <th scope="col">30-day retention</th>
              <th scope="col" className="bench-wide">Focus</th>
            </tr>
          </thead>
          <tbody>
            {report.table.map((r) => (
              <Fragment key={r.stage}>
                <tr className={r.current ? 'row-current' : undefined} aria-current={r.current ? 'true' : undefined}>
                  <th scope="row">{r.label}{r.current && <> <Badge tone="info">you are here</Badge></>}</th>
                  <td>{r.pmf_target}</td>
                  <td>{r.retention_30d_target}</td>
                  <td className="small bench-wide">{r.focus}</td>
                </tr>
                {/* On a phone the focus gets a full-width row of its own instead of a one-word-wide column. */}
                <tr className={`bench-narrow${r.current ? ' row-current' : ''}`}>
                  <td colSpan={3} className="small">{r.focus}</td>
                </tr>
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      {report.notes.map((n) => <p key={n} className="warn-line">{n}</p>)}
    </div>
  );
}

function heartValue(m: HeartMetric, v: number | null): string {
  if (v === null) return '—';
  if (m.unit === 'ratio') return pct(v);
  if (m.unit === 'nps') return nps(v);
  if (m.unit === 'seconds') return v < 120 ? `${v.toFixed(1)}s` : v < 7200 ? `${(v / 60).toFixed(1)} min` : `${(v / 3600).toFixed(1)} h`;
  return exact(v);
}

function Heart({ report }: { report: HeartReport }) {
  if (report.categories.length === 0) return <Empty title="No HEART metrics" />;
  return (
    <div className="heart-grid">
      {report.categories.map((c) => (
        <div key={c.category} className="heart-cat">
          <h3>{c.category.replace('_', ' ')}</h3>
          {c.goal && <p className="small"><strong>Goal:</strong> {c.goal}</p>}
          {c.signals.length > 0 && <p className="muted small">Signals: {c.signals.join('; ')}</p>}
          <div className="table-tools">
            <ExportCsv name={`heart-${c.category}`} table={() => recordsCsv(c.metrics)} />
          </div>
          <table className="data compact">
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col" className="num">Last week</th>
                <th scope="col" className="num">Before</th>
                <th scope="col" className="num">Change</th>
              </tr>
            </thead>
            <tbody>
              {c.metrics.map((m) => {
                const points = (m.unit === 'ratio' || m.unit === 'nps') && m.value !== null && m.previous !== null ? (m.value - m.previous) * 100 : null;
                const delta = points ?? (m.change === null ? null : m.change);
                const better = delta === null || delta === 0 ? null : (delta > 0) === (m.better !== 'lower');
                const sign = (v: number) => (v >= 0 ? '+' : '−');
                const changeText = points !== null ? `${sign(points)}${Math.abs(points).toFixed(m.unit === 'nps' ? 0 : 1)} pts` : m.change === null ? '—' : `${sign(m.change)}${Math.abs(m.change * 100).toFixed(1)}%`;
                return (
                  <tr key={m.id}>
                    <th scope="row">{m.name}</th>
                    <td className="num">{heartValue(m, m.value)}</td>
                    <td className="num muted">{heartValue(m, m.previous)}</td>
                    <td className={`num ${better === null ? '' : better ? 'pos' : 'neg'}`}>{changeText}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ))}
    </div>
  );
}

function Guardrails({ report }: { report: GuardrailsReport }) {
  return (
    <ul className="guardrails">
      {report.pairs.map((p) => (
        <li key={`${p.metric}-${p.guardrail}`}>
          <Badge tone={p.status === 'contradiction' ? 'bad' : p.status === 'ok' ? 'good' : 'neutral'}>{p.status === 'contradiction' ? 'contradiction' : p.status === 'ok' ? 'ok' : 'no data'}</Badge>{' '}
          <strong>{p.metric}</strong> ↔ <strong>{p.guardrail}</strong>: {p.message}
          {p.note && <span className="muted small"> {p.note}</span>}
        </li>
      ))}
    </ul>
  );
}
