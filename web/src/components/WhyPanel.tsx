import { reportUrl, useApi } from '../api';
import { fmt, pct } from '../format';
import type { Unit, WhyReport } from '../types';
import { Card, Load } from './ui';

type Cut = WhyReport['cuts'][number];
type RateSplit = NonNullable<Cut['rate']>;

const signed = (v: number, unit: Unit = 'count') => `${v > 0 ? '+' : v < 0 ? '−' : ''}${fmt(Math.abs(v), unit)}`;
const points = (v: number) => `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v * 100).toFixed(1)} pp`;

/** Why a scorecard row moved from the week before (GET /api/v1/why): opened from the row's name on the scorecard. */
export function WhyPanel({ row, week, asOf, onClose }: { row: string; week: string; asOf?: string | null; onClose: () => void }) {
  const report = useApi<WhyReport>(reportUrl('why', { row, week, as_of: asOf }));
  return (
    <Card
      title="Why it moved"
      subtitle={report.data ? `${report.data.name}, ${report.data.previous_week} → ${report.data.week}` : row}
      id="why"
      className="why-panel"
      actions={<button type="button" className="btn small" onClick={onClose}>Close</button>}
    >
      <Load result={report} what="why it moved">
        {(r) => (
          <div className="stack" data-testid="why-panel" data-row={r.row}>
            <p data-testid="why-sentence"><strong>{r.sentence}</strong></p>
            {r.no_data ? null : <WhyBody r={r} />}
            {r.notes.map((note) => <p key={note} className="muted small">{note}</p>)}
          </div>
        )}
      </Load>
    </Card>
  );
}

function WhyBody({ r }: { r: WhyReport }) {
  const c = r.conversion;
  return (
    <>
      {c && (
        <p className="small" data-testid="why-conversion">
          {c.from_name} {fmt(c.base_before)} → {fmt(c.base_after)}, converting {pct(c.rate_before)} → {pct(c.rate_after)}:
          {' '}change {signed(r.change ?? 0, r.unit)} = volume {signed(c.volume)} + conversion {signed(c.conversion)}
        </p>
      )}
      {c?.cuts.map((cut) => cut.split && <RateTable key={cut.dimension} title={`Conversion by ${cut.label}`} split={cut.split} />)}
      {r.cuts.map((cut) => (cut.rate
        ? <RateTable key={cut.dimension} title={`By ${cut.label}`} split={cut.rate} />
        : <CountTable key={cut.dimension} cut={cut} unit={r.unit} />))}
      {r.formula && <FormulaTable r={r} />}
      {r.inputs.length > 0 && (
        <div className="table-scroll"><table className="data compact" aria-label="Inputs of the North Star">
          <thead><tr><th scope="col">Input</th><th scope="col" className="num">Before</th><th scope="col" className="num">After</th><th scope="col" className="num">Best lag</th><th scope="col" className="num">r</th><th scope="col">Moves with it</th></tr></thead>
          <tbody>
            {r.inputs.map((i) => (
              <tr key={i.id}>
                <th scope="row">{i.name}</th><td className="num">{fmt(i.before)}</td><td className="num">{fmt(i.after)}</td>
                <td className="num">{i.best_lag === null ? '—' : `${i.best_lag} w`}</td><td className="num">{i.best_r === null ? '—' : i.best_r.toFixed(2)}</td>
                <td>{i.moves_with_target ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
    </>
  );
}

function CountTable({ cut, unit }: { cut: Cut; unit: Unit }) {
  return (
    <div className="table-scroll"><table className="data compact" aria-label={`Change by ${cut.label}`}>
      <caption className="small">By {cut.label}</caption>
      <thead><tr><th scope="col">Segment</th><th scope="col" className="num">Before</th><th scope="col" className="num">After</th><th scope="col" className="num">Change</th></tr></thead>
      <tbody>
        {(cut.parts ?? []).map((p) => (
          <tr key={p.segment}><th scope="row">{p.segment}</th><td className="num">{fmt(p.before, unit)}</td><td className="num">{fmt(p.after, unit)}</td><td className="num">{signed(p.change, unit)}</td></tr>
        ))}
      </tbody>
    </table></div>
  );
}

function RateTable({ title, split }: { title: string; split: RateSplit }) {
  return (
    <div className="table-scroll"><table className="data compact" aria-label={title} data-testid="why-rate">
      <caption className="small">{title}: {points(split.change)} = mix {points(split.mix)} + rate {points(split.rate)}</caption>
      <thead><tr><th scope="col">Segment</th><th scope="col" className="num">Share</th><th scope="col" className="num">Rate</th><th scope="col" className="num">Mix</th><th scope="col" className="num">Rate effect</th></tr></thead>
      <tbody>
        {split.segments.map((s) => (
          <tr key={s.segment}>
            <th scope="row">{s.segment}</th>
            <td className="num">{pct(s.weight_before)} → {pct(s.weight_after)}</td>
            <td className="num">{pct(s.rate_before)} → {pct(s.rate_after)}</td>
            <td className="num">{points(s.mix)}</td>
            <td className="num">{points(s.rate)}</td>
          </tr>
        ))}
      </tbody>
    </table></div>
  );
}

function FormulaTable({ r }: { r: WhyReport }) {
  const f = r.formula!;
  if ('reason' in f) return <p className="small">Formula {f.formula}: not split, {f.reason}.</p>;
  return (
    <div className="table-scroll"><table className="data compact" aria-label="Each factor's share of the change" data-testid="why-formula">
      <caption className="small">{f.formula}: each factor&apos;s share of the change (they add up to {signed(f.change, r.unit)})</caption>
      <thead><tr><th scope="col">Factor</th><th scope="col" className="num">Before</th><th scope="col" className="num">After</th><th scope="col" className="num">Share</th></tr></thead>
      <tbody>
        {f.factors.map((x) => (
          <tr key={x.id}><th scope="row">{x.name}</th><td className="num">{fmt(x.before)}</td><td className="num">{fmt(x.after)}</td><td className="num">{signed(x.share, r.unit)}</td></tr>
        ))}
      </tbody>
    </table></div>
  );
}
