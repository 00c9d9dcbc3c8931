import { reportUrl, useApi } from '../api';
import { Card, Load } from '../components/ui';
import { useView } from '../context';
import { fmt, targetText } from '../format';
import type { Pace, PaceRow, Target } from '../types';

/**
 * The unfinished week so far: each row's value so far, where the week is heading (from the same point
 * of past weeks) and whether that meets the target. On the newest week it reads the server's now;
 * on an earlier week, the week after it as the view reads it (Monday noon).
 */
export function PaceCard() {
  const { asOf, latest } = useView();
  const pace = useApi<Pace>(reportUrl('pace', { as_of: latest ? undefined : asOf }));
  return (
    <Load result={pace} what="the pace of this week">
      {(data) => (
        <Card
          title={`${data.week} so far`}
          subtitle={`Counted to ${data.counted_to}; projected from the same point of the last 4–8 weeks`}
          id="pace"
        >
          <ul className="pace-list" data-testid="pace">
            {data.rows.map((row) => <PaceLine key={row.id} row={row} />)}
          </ul>
        </Card>
      )}
    </Load>
  );
}

type Verdict = 'on' | 'off' | 'none';
const verdictOf = (row: PaceRow): Verdict => (row.on_pace === true ? 'on' : row.on_pace === false ? 'off' : 'none');
const VERDICT_TEXT: Record<Verdict, string> = { on: 'on pace', off: 'off pace', none: 'not judged' };

/** A count's projection to the nearest whole one; anything else as its unit reads. */
const projected = (row: PaceRow) => fmt(row.projected === null || row.unit !== 'count' ? row.projected : Math.round(row.projected), row.unit);

function PaceLine({ row }: { row: PaceRow }) {
  const verdict = verdictOf(row);
  const judged = row.projected !== null;
  const summary = judged
    ? `${row.name}: ${fmt(row.so_far, row.unit)} so far, heading for ${projected(row)}${row.target ? ` against ${targetText(row.target, row.unit)}` : ''}: ${row.on_pace === null ? (row.reason ?? VERDICT_TEXT.none) : VERDICT_TEXT[verdict]}`
    : `${row.name}: no projection, ${row.reason ?? 'not judged'}`;
  return (
    <li className="pace-line" data-row-id={row.id} data-on-pace={verdict} title={summary}>
      <span className="pace-name">{row.name}</span>
      {judged ? (
        <>
          <span className="pace-figures">
            <span className="pace-so-far" data-value={row.so_far ?? ''}>{fmt(row.so_far, row.unit)}</span>
            <span className="muted"> so far → </span>
            <span className="pace-projected" data-value={row.projected ?? ''}>{projected(row)}</span>
            {row.target && <span className="muted"> / {targetText(row.target, row.unit)}</span>}
          </span>
          <PaceBar row={row} label={summary} />
          <span className={`pill pace-pill pace-${verdict}`} data-testid="pace-verdict">
            <span aria-hidden="true">{verdict === 'on' ? '✓ ' : verdict === 'off' ? '▼ ' : ''}</span>
            {row.on_pace === null ? (row.reason ?? VERDICT_TEXT.none) : VERDICT_TEXT[verdict]}
          </span>
        </>
      ) : (
        <span className="pace-reason muted small" data-testid="pace-reason">{row.reason ?? 'not judged'}</span>
      )}
    </li>
  );
}

/** The value a target aims at: its bound, or the middle of a range. */
function goal(target: Target | null): number | null {
  if (!target) return null;
  if ('gte' in target) return target.gte;
  if ('lte' in target) return target.lte;
  return (target.between[0] + target.between[1]) / 2;
}

/** So far (solid), the rest of the projection (light) and the target (a tick), on one scale. */
function PaceBar({ row, label }: { row: PaceRow; label: string }) {
  const aim = goal(row.target);
  const top = Math.max(row.projected ?? 0, aim ?? 0, row.so_far ?? 0) * 1.1 || 1;
  const share = (v: number | null) => `${Math.max(0, Math.min(100, ((v ?? 0) / top) * 100))}%`;
  return (
    <span className="pace-bar" role="img" aria-label={label}>
      <span className="pace-bar-projected" style={{ width: share(row.projected) }} />
      <span className="pace-bar-so-far" style={{ width: share(row.so_far) }} />
      {aim !== null && <span className="pace-bar-target" style={{ left: share(aim) }} />}
    </span>
  );
}
