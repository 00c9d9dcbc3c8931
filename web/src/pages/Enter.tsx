import { useEffect, useState, type FormEvent } from 'react';
import { reportUrl, sendJson, useApi } from '../api';
import { FormMessage, useFormAction, useName } from '../components/forms';
import { ExportCsv } from '../components/table';
import { Avatar, Badge, Card, Empty, Load, Owner } from '../components/ui';
import { useView } from '../context';
import { dateTime, exact } from '../format';
import { recordsCsv } from '../exports';
import type { ManualEntry, ReviewNote } from '../types';
import { QualityPanel } from '../components/QualityPanel';

export function Enter() {
  const { ctx, asOf } = useView();
  const metrics = ctx.manual_metrics;
  const [metric, setMetric] = useState(metrics[0]?.id ?? '');
  // "Add a note" on the scorecard links to #review-notes.
  useEffect(() => {
    if (window.location.hash === '#review-notes') document.getElementById('review-notes')?.scrollIntoView({ block: 'start' });
  }, []);
  return (
    <div className="stack">
      {[ctx.gaps.write_lane, ctx.gaps.team_tables].filter(Boolean).map((gap) => (
        <div className="notice" role="note" key={gap}>
          Some of these forms are refused here: {gap}.
        </div>
      ))}
      <div className="grid-2 grid-enter">
        <Card title="Enter a number" subtitle="Hand-entered values keep their history: a correction is a new entry, the latest one counts" id="record">
          {metrics.length === 0 ? (
            <Empty title="Nothing is entered by hand">Mark a health entry or metric with source: manual in truenorth.yaml.</Empty>
          ) : (
            <RecordForm metric={metric} setMetric={setMetric} />
          )}
        </Card>
        <Card title="History" subtitle="Every entry, with who and when" id="history">
          {metric ? <History metric={metric} /> : <Empty title="Pick a metric" />}
        </Card>
      </div>
      <ReviewNotes />
      <QualityPanel asOf={asOf} />
    </div>
  );
}

const nameOf = (m: { id: string; name: string }) => m.name;

function RecordForm({ metric, setMetric }: { metric: string; setMetric: (m: string) => void }) {
  const { ctx, week } = useView();
  const chosen = ctx.manual_metrics.find((m) => m.id === metric) ?? ctx.manual_metrics[0];
  const [name, setName] = useName();
  const [period, setPeriod] = useState(week);
  const [value, setValue] = useState('');
  const [note, setNote] = useState('');
  const { busy, result, submit: run } = useFormAction();
  useEffect(() => setPeriod(week), [week]);
  const enteredBy = name || chosen.owner || '';

  const submit = (e: FormEvent) => run(e, async () => {
    const saved = await sendJson<{ value: number | null; period: string; previous: ManualEntry | null }>('POST', '/api/v1/record', {
      metric: chosen.id, week: period, value, entered_by: enteredBy, note: note || null,
    });
    const was = saved.previous ? ` (was ${exact(saved.previous.value)}, entered by ${saved.previous.entered_by})` : '';
    setValue('');
    setNote('');
    return `Recorded ${nameOf(chosen)} = ${exact(saved.value)} for ${saved.period}${was}.`;
  });

  return (
    <form onSubmit={submit} className="form-grid" aria-describedby="record-help" data-testid="record-form">
      <label htmlFor="record-metric">
        Metric
        <select id="record-metric" value={chosen.id} onChange={(e) => setMetric(e.target.value)}>
          {ctx.manual_metrics.map((m) => (
            <option key={m.id} value={m.id}>
              {nameOf(m)}
              {m.row ? '' : ' (not on the scorecard)'}
            </option>
          ))}
        </select>
      </label>
      <div className="field">
        <span className="field-label">Owner</span>
        <Owner owner={chosen.owner} />
      </div>
      <label htmlFor="record-week">
        Week
        <select id="record-week" value={period} onChange={(e) => setPeriod(e.target.value)}>
          {ctx.weeks.map((w) => (
            <option key={w.week} value={w.week}>{w.week}</option>
          ))}
        </select>
      </label>
      <label htmlFor="record-value">
        <span>Value{chosen.unit === 'money' ? ' (major units, e.g. dollars)' : ''}</span>
        <input id="record-value" inputMode="decimal" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} required placeholder="e.g. 412000" pattern="[\-]?[\$]?[0-9][0-9,_ ]*(\.[0-9]+)?" title="A number; 2,400,000 and $1200 are fine" />
      </label>
      <label htmlFor="record-by">
        Entered by
        <input id="record-by" value={enteredBy} onChange={(e) => setName(e.target.value)} required maxLength={200} autoComplete="email" />
      </label>
      <label htmlFor="record-note">
        <span>
          Note <span className="muted">(optional)</span>
        </span>
        <input id="record-note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} placeholder="Where the number comes from" />
      </label>
      <div className="form-actions span-2">
        <button type="submit" className="btn primary" disabled={busy}>
          {busy ? 'Saving…' : 'Record'}
        </button>
        <span id="record-help" className="muted small">
          The scorecard row {chosen.row ? <strong>{ctx.rows.find((r) => r.id === chosen.row)?.name ?? nameOf(chosen)}</strong> : 'for this metric'} shows the latest entry for each week.
        </span>
      </div>
      <FormMessage result={result} />
    </form>
  );
}

function History({ metric }: { metric: string }) {
  const history = useApi<{ metric: string; entries: ManualEntry[] }>(reportUrl('record', { metric }));
  return (
    <Load result={history} what="the history">
      {(h) => {
        if (h.entries.length === 0) return <p className="muted">No entries yet.</p>;
        const current = new Map<string, ManualEntry>();
        for (const e of h.entries) current.set(e.period, e);
        const rows = [...h.entries].reverse();
        return (
          <>
            <div className="table-tools">
              <ExportCsv name={`${h.metric}-history`} table={() => recordsCsv(h.entries)} />
            </div>
            <div className="table-scroll history">
              <table className="data compact">
                <thead>
                  <tr>
                    <th scope="col">Period</th>
                    <th scope="col" className="num">Value</th>
                    <th scope="col">Entered by</th>
                    <th scope="col">At</th>
                    <th scope="col">Note</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.slice(0, 40).map((e, i) => {
                    const live = current.get(e.period) === e;
                    return (
                      <tr key={i} className={live ? undefined : 'superseded'}>
                        <th scope="row">
                          {e.period} {!live && <Badge title="A later entry corrects it">corrected</Badge>}
                        </th>
                        <td className="num">{e.value === null ? 'cleared' : exact(e.value)}</td>
                        <td>
                          <span className="owner">
                            <Avatar owner={e.entered_by} size="sm" />
                            <span className="owner-name">{e.entered_by}</span>
                          </span>
                        </td>
                        <td className="small">{dateTime(e.entered_at)}</td>
                        <td className="small">{e.note ?? ''}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </>
        );
      }}
    </Load>
  );
}

function ReviewNotes() {
  const { ctx, week } = useView();
  const notes = useApi<{ notes: ReviewNote[] }>(reportUrl('notes', { week }));
  const rows = ctx.rows;
  const [row, setRow] = useState(ctx.rows[0]?.id ?? '');
  const [note, setNote] = useState('');
  const [author, setAuthor] = useName();
  const { busy, result, submit: run } = useFormAction();
  const submit = (e: FormEvent) => run(e, async () => {
    await sendJson('POST', '/api/v1/notes', { row, week, note, author });
    setNote('');
    return `Noted on ${rows.find((r) => r.id === row)?.name ?? row} for ${week}.`;
  });
  return (
    <Card title="Review notes" subtitle={`What the team said about a metric in the review of ${week}; they go into the digest`} id="review-notes">
      <div className="grid-2">
        <form onSubmit={submit} className="form-grid" data-testid="note-form">
          <label htmlFor="note-row">
            Scorecard row
            <select id="note-row" value={row} onChange={(e) => setRow(e.target.value)}>
              {rows.map((r) => (
                <option key={r.id} value={r.id}>{r.name}</option>
              ))}
            </select>
          </label>
          <label htmlFor="note-author">
            Your name or email
            <input id="note-author" value={author} onChange={(e) => setAuthor(e.target.value)} required maxLength={200} autoComplete="email" />
          </label>
          <label htmlFor="note-text" className="span-2">
            Note
            <textarea id="note-text" value={note} onChange={(e) => setNote(e.target.value)} required rows={3} maxLength={2000} placeholder="Why it is off, what we will try" />
          </label>
          <div className="form-actions span-2">
            <button type="submit" className="btn primary" disabled={busy}>
              {busy ? 'Saving…' : `Add note for ${week}`}
            </button>
          </div>
          <FormMessage result={result} />
        </form>
        <Load result={notes} what="review notes">
          {(n) =>
            n.notes.length === 0 ? (
              <p className="muted">No notes for {week} yet.</p>
            ) : (
              <ul className="notes">
                {[...n.notes].reverse().map((x, i) => (
                  <li key={i}>
                    <div className="note-head">
                      <strong>{rows.find((r) => r.id === x.row_id)?.name ?? x.row_id}</strong>
                      <span className="muted small">{x.author} · {dateTime(x.at)}</span>
                    </div>
                    <p>{x.note}</p>
                  </li>
                ))}
              </ul>
            )
          }
        </Load>
      </div>
    </Card>
  );
}
