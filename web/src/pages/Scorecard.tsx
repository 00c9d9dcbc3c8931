import { useLayoutEffect, useRef, useState } from 'react';
import { reportUrl, useApi } from '../api';
import { CellValue, cellTitle } from '../components/no-data';
import { ExportCsv } from '../components/table';
import { WhyPanel } from '../components/WhyPanel';
import { alertedRows, AlertsCard, useAlerts } from '../components/Alerts';
import { Avatar, Badge, Card, Empty, Load, Owner, Sparkline, StatusPill } from '../components/ui';
import { scorecardCsv } from '../exports';
import { useView } from '../context';
import { dateTime, pct, shortWeek, STATUS_LABEL, stageLabel, targetText } from '../format';
import { Link, sharedQuery } from '../router';
import { PaceCard } from './ScorecardPace';
import type { ReviewNote, Scorecard as ScorecardData, ScorecardRow, Status, Target, Unit } from '../types';
import './scorecard.css';

export function Scorecard() {
  const { asOf, week, ctx } = useView();
  const card = useApi<ScorecardData>(reportUrl('scorecard', { as_of: asOf }));
  const notes = useApi<{ notes: ReviewNote[] }>(reportUrl('notes', { week }));
  const alerts = useAlerts();
  return (
    <Load result={card} what="the scorecard">
      {(data) => (
        <div className="stack">
          {!ctx.last_event && (
            <div className="notice" role="note">
              <strong>No events yet.</strong> Send them with a write key from a Segment or PostHog SDK pointed at this server, or import a file:{' '}
              <code>truenorth import events events.ndjson</code>. Hand-entered numbers work already.
            </div>
          )}
          <Banner data={data} />
          <Grid data={data} notes={notes.data?.notes ?? []} alerted={alertedRows(alerts.data)} />
          <AlertsCard result={alerts} />
          <PaceCard />
          <div className="grid-2">
            <Card title="Review notes" subtitle={`On ${week}`} id="notes" actions={<Link className="btn small" to={`/enter${sharedQuery()}#review-notes`}>Add a note</Link>}>
              <Load result={notes} what="review notes">
                {(n) => (n.notes.length === 0 ? <p className="muted">No notes for this week yet.</p> : <NotesList notes={n.notes} rows={data.rows} />)}
              </Load>
            </Card>
            <Accountability data={data} />
          </div>
        </div>
      )}
    </Load>
  );
}

function Banner({ data }: { data: ScorecardData }) {
  const b = data.bottleneck;
  const ceo = data.ceo_of_the_week;
  const praised = new Map<string, string[]>();
  for (const p of data.praise) praised.set(p.owner, [...(praised.get(p.owner) ?? []), data.rows.find((r) => r.id === p.metric)?.name ?? p.metric]);
  return (
    <div className="banner">
      <section className={`banner-card ${b ? 'banner-bad' : data.journey_steps.some((s) => s.no_data) ? '' : 'banner-good'}`} aria-labelledby="bottleneck-title" data-testid="bottleneck">
        <h2 id="bottleneck-title" className="eyebrow">The bottleneck</h2>
        {b ? (
          <>
            <p className="banner-big">
              {stageLabel(b.from_stage)} → {stageLabel(b.stage)}
            </p>
            <p className="banner-figures">
              <span className="figure-bad">{pct(b.actual_rate)}</span>
              {b.target_rate !== null && <span className="muted"> converting, against a {pct(b.target_rate)} target</span>}
              {b.multiplier !== null && <Badge tone="bad">fixing it ×{b.multiplier.toFixed(1)} upgrades</Badge>}
            </p>
            <p className="muted small">{b.sentence}</p>
            {data.bottleneck_note && <p className="small" data-testid="bottleneck-note">{data.bottleneck_note}</p>}
            {data.bottleneck_ideal && (
              <p className="small">
                <strong>Ideal users:</strong> {stageLabel(data.bottleneck_ideal.from_stage)} → {stageLabel(data.bottleneck_ideal.stage)} at {pct(data.bottleneck_ideal.actual_rate)}
                {data.bottleneck_ideal.target_rate !== null ? ` (target ${pct(data.bottleneck_ideal.target_rate)})` : ''}
              </p>
            )}
          </>
        ) : (
          <p data-testid="bottleneck-note">{data.bottleneck_note ?? 'No bottleneck this week.'}</p>
        )}
      </section>
      <section className="banner-card" aria-labelledby="ceo-title" data-testid="ceo">
        <h2 id="ceo-title" className="eyebrow">CEO of the week</h2>
        {ceo ? (
          <>
            <div className="ceo">
              <Avatar owner={ceo.owner} size="lg" />
              <div>
                <p className="banner-big" data-testid="ceo-owner">{ceo.owner}</p>
                <p className="muted small">
                  owns {data.rows.find((r) => r.id === ceo.metric)?.name ?? ceo.metric}: their metric is everyone&apos;s priority this week
                </p>
              </div>
            </div>
          </>
        ) : (
          <p data-testid="ceo-note">{data.ceo_note ?? 'Nobody this week.'}</p>
        )}
      </section>
      <section className="banner-card" aria-labelledby="praise-title" data-testid="praise">
        <h2 id="praise-title" className="eyebrow">Praise</h2>
        {praised.size === 0 ? (
          <p className="muted">No row hit its target this week.</p>
        ) : (
          <ul className="praise">
            {[...praised].map(([owner, metrics]) => (
              <li key={owner}>
                <Avatar owner={owner} size="md" />
                <span className="praise-text">
                  <span className="owner-name">{owner}</span>
                  <span className="muted small">{metrics.join(', ')}</span>
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function Grid({ data, notes, alerted }: { data: ScorecardData; notes: ReviewNote[]; alerted: Map<string, string[]> }) {
  const { ctx, asOf } = useView();
  // The row whose "why it moved" panel is open.
  const [why, setWhy] = useState<string | null>(null);
  const units = new Map(ctx.rows.map((r) => [r.id, r.unit]));
  const last = data.weeks.length - 1;
  const bottleneckRow = data.bottleneck ? `journey.${data.bottleneck.stage}` : null;
  const notedRows = new Set(notes.map((n) => n.row_id));
  const scroller = useRef<HTMLDivElement>(null);
  // On a narrow screen the grid scrolls sideways: start with this week (and the one before) beside the metric names.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || el.scrollWidth <= el.clientWidth) return;
    const current = el.querySelector<HTMLElement>('thead th.week.current');
    const sticky = el.querySelector<HTMLElement>('thead th.sticky-col');
    if (current && sticky) el.scrollLeft = Math.max(0, current.offsetLeft - sticky.offsetWidth - current.offsetWidth);
  }, [data]);
  if (data.rows.length === 0) return <Empty title="The scorecard has no rows">Add owners and targets to truenorth.yaml.</Empty>;
  return (
    <Card
      title={`${ctx.product} scorecard`}
      subtitle={`${data.weeks[0]} – ${data.weeks[last]}: ${data.rows.length} metrics, one owner and one target each`}
      id="scorecard"
      actions={<><Legend /><ExportCsv name="grid" table={() => scorecardCsv(data)} /></>}
    >
      <div className="table-scroll" ref={scroller} tabIndex={0} role="region" aria-label="Scorecard grid, scrolls sideways">
        <table className="scorecard" data-testid="scorecard-grid">
          <thead>
            <tr>
              <th scope="col" className="sticky-col">Metric</th>
              <th scope="col" className="num">Target</th>
              {data.weeks.map((w, i) => (
                <th scope="col" key={w} className={`num week ${i === last ? 'current' : ''}`} title={w}>
                  {shortWeek(w)}
                </th>
              ))}
              <th scope="col">Trend</th>
              <th scope="col" className="num"><abbr title="Week over week: percentage points (pp) for rates, relative % for counts and money">WoW</abbr></th>
              <th scope="col">This week</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.map((row) => (
              <Row key={row.id} row={row} weeks={data.weeks} unit={row.unit && row.unit !== 'count' ? row.unit : (units.get(row.id) ?? guessUnit(row))} bottleneck={row.id === bottleneckRow} noted={notedRows.has(row.id)} alerts={alerted.get(row.id)} onWhy={() => setWhy(row.id)} />
            ))}
          </tbody>
        </table>
      </div>
      {why && <WhyPanel row={why} week={data.weeks[last]} asOf={asOf} onClose={() => setWhy(null)} />}
    </Card>
  );
}

function guessUnit(row: ScorecardRow): Unit {
  return row.values.every((v) => v === null || (v >= 0 && v <= 1.5 && !Number.isInteger(v))) ? 'rate' : 'count';
}

function Row({ row, weeks, unit, bottleneck, noted, alerts, onWhy }: {
  row: ScorecardRow; weeks: string[]; unit: Unit; bottleneck: boolean; noted: boolean; alerts?: string[]; onWhy: () => void;
}) {
  const last = row.values.length - 1;
  const status = row.status[last];
  const good = row.trend === null ? 'neutral' : (row.trend >= 0) !== Boolean(row.lower_is_better) ? 'good' : 'bad';
  return (
    <tr data-row-id={row.id} className={bottleneck ? 'row-bottleneck' : undefined}>
      <th scope="row" className="sticky-col">
        <div className="metric-cell">
          <Avatar owner={row.owner} size="sm" />
          <div className="metric-text">
            <button type="button" className="metric-name why-open" onClick={onWhy} title="Why it moved from the week before" data-testid="why-open">{row.name}</button>
            <span className="metric-meta">
              {row.owner ?? 'no owner'}
              {row.source === 'manual' && <Badge tone="info" title="Entered by hand">hand-entered</Badge>}
              {row.months && <Badge title="Each week shows the last complete calendar month; the change is month over month">monthly</Badge>}
              {bottleneck && <Badge tone="bad">bottleneck</Badge>}
              {noted && <Badge title="Has a review note this week">note</Badge>}
              {alerts && <span data-testid="row-alert"><Badge tone="bad" title={alerts.join('\n')}>alert</Badge></span>}
            </span>
          </div>
        </div>
      </th>
      <td className="num target">
        {targetText(row.target, unit)}
        {!row.target && row.baseline && (
          <span className="baseline" title="Suggested from the mean of the last 4 weeks">
            suggest {targetText(row.baseline.suggested_target, unit)}
          </span>
        )}
      </td>
      {row.values.map((v, i) => {
        const s = row.status[i];
        const manual = row.manual?.[i] ?? null;
        return (
          <td
            key={weeks[i]}
            className={`num cell cell-${s} ${i === last ? 'current' : ''}`}
            data-week={weeks[i]}
            data-status={s}
            data-value={v === null ? '' : String(v)}
            title={`${cellTitle(row, weeks[i], i)}${row.months ? `; the month ${row.months[i]}, the last complete by the week's end` : ''}`}
            data-month={row.months?.[i]}
          >
            <CellMark status={s} />
            <CellValue row={row} index={i} unit={unit} />
            {manual !== null && row.source === 'computed' && <span className="manual-dot" aria-label="has a hand-entered value">•</span>}
            <span className="sr-only"> {STATUS_LABEL[s]}</span>
          </td>
        );
      })}
      <td className="spark-cell">
        <Sparkline values={row.values} width={56} tone={good} targets={targetLines(row.target)} label={`${row.name} over ${weeks.length} weeks${row.target ? `, target ${targetText(row.target, unit)} dashed` : ''}`} />
      </td>
      <td className={`num trend trend-${good}`} data-trend-unit={row.trend_unit} title={row.months ? 'Month over month' : 'Week over week'}>
        <span className="trend-value">{trendText(row.trend, row.trend_unit)}</span>
        {row.months && <span className="trend-period"> MoM</span>}
      </td>
      <td>
        <StatusPill status={status} />
      </td>
    </tr>
  );
}

/** The mark before a cell's number: a check when on track, a red dot when off (never a glyph that reads as part of the number). */
function CellMark({ status }: { status: Status }) {
  if (status === 'on_track') return <span className="mark" aria-hidden="true">✓</span>;
  if (status === 'off_track') return <span className="mark off-dot" aria-hidden="true" data-testid="off-track-mark" />;
  return null;
}

/** The values a target's dashed line is drawn at: its bound, or both ends of a range. */
function targetLines(target: Target | null): number[] {
  if (!target) return [];
  if ('gte' in target) return [target.gte];
  if ('lte' in target) return [target.lte];
  return [...target.between];
}

/** "+1.2 pp" for a rate, "−5%" for a count or money, as the API's trend_unit says. */
function trendText(trend: number | null, unit: ScorecardRow['trend_unit']): string {
  if (trend === null || !Number.isFinite(trend)) return '—';
  const size = Math.abs(trend * 100).toFixed(unit === 'points' ? 1 : 0);
  const sign = Number(size) === 0 ? '' : trend > 0 ? '+' : '−';
  return unit === 'points' ? `${sign}${size} pp` : `${sign}${size}%`;
}

function Legend() {
  return (
    <div className="legend" aria-label="Legend">
      <span className="legend-item"><span className="swatch cell-on_track">✓</span> On track</span>
      <span className="legend-item"><span className="swatch cell-off_track"><span className="off-dot" /></span> Off track</span>
      <span className="legend-item"><span className="swatch cell-no_target" /> No target</span>
      <span className="legend-item"><span className="swatch cell-no_data">—</span> No data</span>
    </div>
  );
}

function NotesList({ notes, rows }: { notes: ReviewNote[]; rows: ScorecardRow[] }) {
  return (
    <ul className="notes">
      {notes.map((n, i) => (
        <li key={i}>
          <div className="note-head">
            <strong>{rows.find((r) => r.id === n.row_id)?.name ?? n.row_id}</strong>
            <span className="muted small">
              {n.author} · {dateTime(n.at)}
            </span>
          </div>
          <p>{n.note}</p>
        </li>
      ))}
    </ul>
  );
}

function Accountability({ data }: { data: ScorecardData }) {
  const gaps = data.accountability;
  const fine = gaps.rows_without_owner.length === 0 && gaps.overloaded_owners.length === 0;
  const owners = new Map<string, number>();
  for (const r of data.rows) if (r.owner) owners.set(r.owner, (owners.get(r.owner) ?? 0) + 1);
  return (
    <Card title="Accountability" subtitle="One owner per metric; at most three metrics per owner" id="accountability">
      {fine ? <p className="muted">Every metric has an owner and nobody owns more than three.</p> : null}
      {gaps.rows_without_owner.length > 0 && (
        <p className="warn-line">No owner: {gaps.rows_without_owner.map((id) => data.rows.find((r) => r.id === id)?.name ?? id).join(', ')}</p>
      )}
      {gaps.overloaded_owners.map((o) => (
        <p key={o.owner} className="warn-line">
          {o.owner} owns {o.rows.length} metrics
        </p>
      ))}
      <ul className="owner-list">
        {[...owners].map(([owner, n]) => (
          <li key={owner}>
            <Owner owner={owner} />
            <span className="muted small">
              {n} metric{n === 1 ? '' : 's'}
            </span>
          </li>
        ))}
      </ul>
    </Card>
  );
}
