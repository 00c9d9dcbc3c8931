import { useState, type FormEvent } from 'react';
import { reportUrl, sendJson, useApi } from '../api';
import { FormMessage, useFormAction, useName } from '../components/forms';
import { ExportCsv } from '../components/table';
import { Badge, Card, Empty, Load, Progress } from '../components/ui';
import { recordsCsv } from '../exports';
import { useView } from '../context';
import { dateTime, exact, pct } from '../format';
import type { KeyResult, OkrsReport } from '../types';
import './okrs.css';

const STATUS: Record<string, { text: string; tone: 'good' | 'bad' | 'warn' | 'neutral' }> = {
  done: { text: 'done', tone: 'good' },
  in_progress: { text: 'in progress', tone: 'warn' },
  regressed: { text: 'regressed', tone: 'bad' },
  no_data: { text: 'no data', tone: 'neutral' },
};

export function Okrs() {
  const { ctx, asOf } = useView();
  const okrs = useApi<OkrsReport>(ctx.okrs.length ? reportUrl('okrs', { as_of: asOf }) : null);
  if (ctx.okrs.length === 0) {
    return (
      <Card title="OKRs" id="okrs">
        <Empty title="No OKRs yet">Add an <code>okrs:</code> section to truenorth.yaml: an objective, a due date and key results bound to scorecard metrics.</Empty>
      </Card>
    );
  }
  return (
    <Load result={okrs} what="OKRs">
      {(r) => (
        <div className="stack">
          {r.objectives.map((o, i) => (
            <Card
              key={o.objective}
              title={o.objective}
              subtitle={`Due ${o.due} · measured in ${r.week}`}
              id={`objective-${i}`}
              actions={<span className="okr-total">{o.progress === null ? '—' : pct(o.progress, 0)}</span>}
            >
              <Progress value={o.progress} label={`${o.objective}: progress`} tone={o.progress === null ? undefined : o.progress >= 0.7 ? 'good' : o.progress >= 0.3 ? 'warn' : 'bad'} />
              <div className="table-tools">
                <ExportCsv name={`objective-${i + 1}`} table={() => recordsCsv(o.key_results)} />
              </div>
              <div className="table-scroll">
                <table className="data kr-table">
                  <thead>
                    <tr>
                      <th scope="col">Key result</th>
                      <th scope="col" className="num kr-wide">From</th>
                      <th scope="col" className="num">Now</th>
                      <th scope="col" className="num kr-wide">To</th>
                      <th scope="col" className="kr-progress">Progress</th>
                      <th scope="col" className="kr-wide">Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {o.key_results.map((k) => (
                      <tr key={k.metric}>
                        <th scope="row">
                          {krName(k, ctx.rows)}
                          <span className="muted small"> due {k.due}</span>
                          <span className="muted small kr-narrow">{krValue(k, k.from)} → {krValue(k, k.to)} · {STATUS[k.status]?.text ?? k.status}</span>
                        </th>
                        <td className="num kr-wide">{krValue(k, k.from)}</td>
                        <td className="num strong">{krValue(k, k.current)}</td>
                        <td className="num kr-wide">{krValue(k, k.to)}</td>
                        <td className="kr-progress">
                          <div className="kr-bar">
                            <Progress value={k.progress} label={`${k.metric} progress`} tone={k.status === 'regressed' ? 'bad' : k.status === 'done' ? 'good' : 'warn'} />
                            <span className="small">{k.progress === null ? '—' : pct(k.progress, 0)}</span>
                          </div>
                        </td>
                        <td className="kr-wide">
                          <Badge tone={STATUS[k.status]?.tone ?? 'neutral'}>{STATUS[k.status]?.text ?? k.status}</Badge>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <h3 className="subhead">Check-ins</h3>
              {o.checkins.length === 0 ? (
                <p className="muted small">No check-ins yet.</p>
              ) : (
                <ul className="notes">
                  {[...o.checkins].reverse().map((c, j) => (
                    <li key={j}>
                      <div className="note-head">
                        <strong>{c.week}</strong>
                        {c.key_result && <Badge>{c.key_result}</Badge>}
                        {c.confidence !== null && <Badge tone="info">confidence {pct(c.confidence, 0)}</Badge>}
                        <span className="muted small">
                          {c.author} · {dateTime(c.at)}
                        </span>
                      </div>
                      <p>{c.note}</p>
                    </li>
                  ))}
                </ul>
              )}
              <CheckinForm objective={o.objective} keyResults={o.key_results.map((k) => k.metric)} index={i} />
            </Card>
          ))}
        </div>
      )}
    </Load>
  );
}

function krName(k: KeyResult, rows: { id: string; name: string }[]): string {
  const stage = k.metric.startsWith('journey.') ? k.metric.slice(8).replace('_', ' ') : null;
  if (k.measure === 'rate' && stage) return `Conversion into ${stage}`;
  return rows.find((r) => r.id === k.metric)?.name ?? k.metric;
}

const krValue = (k: KeyResult, v: number | null) => (k.measure === 'rate' ? pct(v) : exact(v));

function CheckinForm({ objective, keyResults, index }: { objective: string; keyResults: string[]; index: number }) {
  const { week } = useView();
  const [author, setAuthor] = useName();
  const [note, setNote] = useState('');
  const [kr, setKr] = useState('');
  const [confidence, setConfidence] = useState('');
  const { busy, result, submit: run } = useFormAction();
  const id = (s: string) => `checkin-${index}-${s}`;
  const submit = (e: FormEvent) => run(e, async () => {
    await sendJson('POST', '/api/v1/checkins', {
      objective, week, note, author, key_result: kr || null, confidence: confidence === '' ? null : Number(confidence) / 100,
    });
    setNote('');
    return `Checked in on ${week}.`;
  });
  return (
    <details className="inline-form">
      <summary>Add a check-in for {week}</summary>
      <form onSubmit={submit} className="form-grid">
        <label htmlFor={id('note')} className="span-2">
          Note
          <textarea id={id('note')} value={note} onChange={(e) => setNote(e.target.value)} required rows={2} maxLength={2000} placeholder="What moved, what is blocked, what is next" />
        </label>
        <label htmlFor={id('kr')}>
          Key result
          <select id={id('kr')} value={kr} onChange={(e) => setKr(e.target.value)}>
            <option value="">The whole objective</option>
            {keyResults.map((k) => (
              <option key={k} value={k}>{k}</option>
            ))}
          </select>
        </label>
        <label htmlFor={id('confidence')}>
          Confidence (%)
          <input id={id('confidence')} type="number" min={0} max={100} step={5} value={confidence} onChange={(e) => setConfidence(e.target.value)} placeholder="e.g. 70" />
        </label>
        <label htmlFor={id('author')}>
          Your name or email
          <input id={id('author')} value={author} onChange={(e) => setAuthor(e.target.value)} required maxLength={200} autoComplete="email" />
        </label>
        <div className="form-actions">
          <button type="submit" className="btn primary" disabled={busy}>
            {busy ? 'Saving…' : 'Check in'}
          </button>
        </div>
        <FormMessage result={result} />
      </form>
    </details>
  );
}
