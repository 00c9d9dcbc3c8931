import { useState } from 'react';
import { PeopleCount } from '../components/PeopleDrawer';
import { ExportCsv } from '../components/table';
import { Badge, Card, Empty, Toggle } from '../components/ui';
import { funnelCsv } from '../exports';
import { useView } from '../context';
import { exact, pct, shortWeek, stageLabel } from '../format';
import type { FunnelReport, WeeklyStages } from '../types';
import { barWidth } from '../funnel-scale';
import './journey.css';

type Start = 'signup' | 'visit';

export function Funnel({ funnel, weekly }: { funnel: FunnelReport; weekly: WeeklyStages | undefined }) {
  const { ctx, week } = useView();
  const hasSignup = funnel.steps.some((s) => s.stage === 'signup');
  const [chosen, setStart] = useState<Start>('signup');
  // Ideal users are known from their identify (at signup): before it the split says nothing.
  const start: Start = hasSignup && (chosen === 'signup' || funnel.segment === 'ideal') ? 'signup' : 'visit';
  const from = start === 'signup' ? funnel.steps.findIndex((s) => s.stage === 'signup') : 0;
  const shown = funnel.steps.slice(from);
  const first = shown[0]?.actors ?? 0;
  const worst = weakestStep(funnel, ctx.journey);
  const weeks = Math.round((Date.parse(funnel.to) - Date.parse(funnel.from)) / (7 * 86_400_000));
  const lastDay = new Date(Date.parse(funnel.to) - 86_400_000).toISOString().slice(0, 10);
  return (
    <Card
      title="Journey funnel"
      subtitle={`${funnel.segment === 'all' ? 'All users' : 'Ideal users'} who entered in the ${weeks} weeks to ${week} (${funnel.from.slice(0, 10)} – ${lastDay}), each followed for ${funnel.window_days} days`}
      id="funnel"
      actions={<>
        {hasSignup && funnel.segment === 'all' && (
          <Toggle<Start> label="Funnel starts at" value={start} options={[{ value: 'signup', label: 'From signup' }, { value: 'visit', label: 'From visit' }]} onChange={setStart} />
        )}
        <ExportCsv name="funnel" table={() => funnelCsv(funnel)} />
      </>}
    >
      {worst && first > 0 && (
        <p className="small">
          Target rates: {ctx.journey.filter((j) => j.target_rate !== null).map((j) => `${stageLabel(j.stage)} ${pct(j.target_rate, 0)}`).join(' · ') || 'none set'}
        </p>
      )}
      {first === 0 ? (
        <Empty title="Nobody entered the funnel in this range" />
      ) : (
        <div className="funnel-layout">
          <div className="stack-sm">
            {start === 'signup' && from > 0 && (
              <p className="muted small" data-testid="funnel-visits">
                {funnel.segment === 'ideal'
                  ? 'Starts at signup: who is an ideal user is known only from their signup, so visits cannot be split.'
                  : `${exact(funnel.steps[0].actors)} unique visitors before signup (${pct(funnel.steps[from].conversion_from_previous)} signed up).`}
              </p>
            )}
            <FunnelBars steps={shown} worstStage={worst ? funnel.steps[worst.index].stage : null} segment={funnel.segment} />
          </div>
          <FunnelTable funnel={funnel} worst={worst} weekly={weekly} from={funnel.segment === 'ideal' ? from : 0} />
        </div>
      )}
    </Card>
  );
}

/** One bar per step, its length the step's share of the first step shown, never under MIN_BAR_SHARE. */
function FunnelBars({ steps, worstStage, segment }: { steps: FunnelReport['steps']; worstStage: string | null; segment: string }) {
  const first = steps[0].actors;
  return (
    <ol className="funnel-bars" data-testid="funnel-bars" aria-label={`Funnel from ${stageLabel(steps[0].stage).toLowerCase()}`}>
      {steps.map((s) => {
        const share = first > 0 ? s.actors / first : 0;
        const width = barWidth(s.actors, first);
        return (
          <li key={s.stage} className="funnel-step" data-stage={s.stage}>
            <span className="funnel-label">{stageLabel(s.stage)}</span>
            <span className="funnel-track">
              <span
                className={`funnel-bar ${s.stage === worstStage ? 'funnel-bar-bad' : segment === 'ideal' ? 'funnel-bar-ideal' : ''}`}
                style={{ width: `${(width * 100).toFixed(2)}%` }}
                data-share={share}
              />
            </span>
            <span className="funnel-figure">
              {exact(s.actors)} <span className="muted">{pct(share, share < 0.1 ? 1 : 0)}</span>
            </span>
          </li>
        );
      })}
    </ol>
  );
}

type WeakestStep = { index: number; basis: 'target' | 'lowest' };

/** Each step's rate in the picked week as the scorecard reads it: that week's first-time counts, later stage ÷ earlier stage. */
function weeklyRates(funnel: FunnelReport, weekly: WeeklyStages | undefined, week: string): (number | null)[] {
  const stages = weekly?.weeks.find((w) => w.week === week)?.stages as Record<string, number | undefined> | undefined;
  return funnel.steps.map((s, i) => {
    if (!stages || i === 0) return null;
    const before = stages[funnel.steps[i - 1].stage];
    const now = stages[s.stage];
    return before && now !== undefined ? now / before : null;
  });
}

/** `from`: the first step listed (ideal users start at signup). */
function FunnelTable({ funnel, worst, weekly, from }: { funnel: FunnelReport; worst: WeakestStep | null; weekly: WeeklyStages | undefined; from: number }) {
  const { week } = useView();
  const worstLabel = worst?.basis === 'target' ? 'furthest below target' : 'lowest';
  const inWeek = weeklyRates(funnel, weekly, week);
  return (
    <div className="stack-sm">
      <div className="table-scroll">
        <table className="data" data-testid="funnel-table">
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col" className="num">Actors</th>
              <th scope="col" className="num">From previous</th>
              <th scope="col" className="num">Drop-off</th>
              <th scope="col" className="num">
                <abbr title={`The scorecard's rate: first-time counts in ${week}, this stage ÷ the one before`}>{shortWeek(week)} weekly</abbr>
              </th>
            </tr>
          </thead>
          <tbody>
            {funnel.steps.map((s, i) => i < from ? null : (
              <tr key={s.stage} data-stage={s.stage} className={worst?.index === i ? 'row-bad' : undefined}>
                <th scope="row" title={`${s.event}`}>
                  {stageLabel(s.stage)}
                </th>
                <td className="num" data-testid={`actors-${s.stage}`}>
                  <PeopleCount query={{ of: 'funnel', step: i + 1, segment: funnel.segment }} title={`Reached ${stageLabel(s.stage).toLowerCase()} (funnel step ${i + 1})`}>{exact(s.actors)}</PeopleCount>
                </td>
                <td className="num" data-testid={`conversion-${s.stage}`}>
                  {pct(i === from ? null : s.conversion_from_previous)}
                  {worst?.index === i && <> <Badge tone="bad">{worstLabel}</Badge></>}
                </td>
                <td className="num" data-testid={`dropped-${s.stage}`}>{i === from ? '—' : (
                  <>
                    <PeopleCount query={{ of: 'funnel', step: i, dropped: 1, segment: funnel.segment }} title={`Reached ${stageLabel(funnel.steps[i - 1].stage).toLowerCase()}, not ${stageLabel(s.stage).toLowerCase()}`}>
                      {exact(funnel.steps[i - 1].actors - s.actors)}
                    </PeopleCount>
                    {` (${pct(s.conversion_from_previous === null ? null : 1 - s.conversion_from_previous, 0)})`}
                  </>
                )}</td>
                <td className="num" data-testid={`weekly-rate-${s.stage}`}>{pct(i === from ? null : inWeek[i])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted small" data-testid="funnel-vs-scorecard">
        Why the two rates differ: “From previous” follows the people who reached the earlier step in these weeks for {funnel.window_days} days
        (a cohort); the scorecard’s rate, “{shortWeek(week)} weekly”, divides the two steps’ first-time counts within {week} alone, so it is
        one week, and its later step can include people who reached the earlier one a week before.
      </p>
    </div>
  );
}

/** The step furthest below its target rate (target ÷ actual largest), else the lowest conversion. */
function weakestStep(funnel: FunnelReport, journey: { stage: string; target_rate: number | null }[]): WeakestStep | null {
  let best: WeakestStep | null = null;
  let bestRatio = 1;
  funnel.steps.forEach((s, i) => {
    const target = journey.find((j) => j.stage === s.stage)?.target_rate ?? null;
    if (i === 0 || target === null || s.conversion_from_previous === null) return;
    const ratio = s.conversion_from_previous === 0 ? Infinity : target / s.conversion_from_previous;
    if (ratio > bestRatio) {
      best = { index: i, basis: 'target' };
      bestRatio = ratio;
    }
  });
  if (best || journey.some((j) => j.target_rate !== null)) return best;
  funnel.steps.forEach((s, i) => {
    if (i === 0 || s.conversion_from_previous === null) return;
    if (!best || s.conversion_from_previous < (funnel.steps[best.index].conversion_from_previous ?? 1)) best = { index: i, basis: 'lowest' };
  });
  return best;
}
