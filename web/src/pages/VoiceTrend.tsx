import { Bar, CartesianGrid, ComposedChart, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { AXIS_TICK, COLOURS, TOOLTIP_STYLE } from '../components/charts';
import { pct, shortWeek } from '../format';
import type { SurveysReport } from '../types';

type Kind = 'pmf' | 'nps' | 'csat';
const SERIES: { kind: Kind; name: string; colour: string; domain: [number, number]; text: (v: number) => string }[] = [
  { kind: 'pmf', name: 'PMF', colour: COLOURS.primary, domain: [0, 1], text: (v) => pct(v, 0) },
  { kind: 'nps', name: 'NPS', colour: COLOURS.ideal, domain: [-1, 1], text: (v) => `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(Math.round(v * 100))}` },
  { kind: 'csat', name: 'CSAT', colour: COLOURS.teal, domain: [0, 1], text: (v) => pct(v, 0) },
];

/**
 * One small chart per survey (each on its own scale): the score over the trailing weeks, a gap and a
 * grey band where those weeks hold fewer answers than the minimum: too few to say, not 0 or 100.
 */
export function SurveyTrends({ report }: { report: SurveysReport }) {
  const shown = SERIES.filter((s) => report[s.kind]);
  return (
    <div className="stack-sm" data-testid="survey-trends">
      {shown.map((s) => {
        const rolling = report[s.kind]!.rolling;
        // A grey bar spanning the whole scale marks a week with too few answers.
        const data = rolling.map((w) => ({ week: shortWeek(w.period), score: w.sufficient ? w.score : null, thin: w.sufficient ? null : s.domain, answers: w.responses, sufficient: w.sufficient }));
        const thin = data.filter((d) => !d.sufficient);
        return (
          <div key={s.kind}>
            <p className="small strong">
              {s.name} <span className="muted">· {thin.length === 0 ? 'every week has enough answers' : `${thin.length} of ${data.length} weeks: too few answers`}</span>
            </p>
            <div className="chart" style={{ height: 120 }} data-testid={`trend-${s.kind}`} data-insufficient={thin.map((d) => d.week).join(' ')}>
              <ResponsiveContainer width="100%" height="100%">
                <ComposedChart data={data} margin={{ top: 6, right: 8, bottom: 0, left: 0 }}>
                  <CartesianGrid stroke={COLOURS.grid} vertical={false} />
                  <XAxis dataKey="week" tick={AXIS_TICK} tickLine={false} />
                  <YAxis tick={AXIS_TICK} tickLine={false} axisLine={false} width={36} domain={s.domain} tickFormatter={s.text} />
                  <Bar dataKey="thin" fill={COLOURS.mutedBar} fillOpacity={0.6} isAnimationActive={false} />
                  {s.kind === 'nps' && <ReferenceLine y={0} stroke={COLOURS.zero} />}
                  <Tooltip
                    contentStyle={TOOLTIP_STYLE}
                    formatter={(v, name, item) => {
                      const answers = (item.payload as { answers: number }).answers;
                      return [name === 'thin' ? `too few answers (${answers})` : `${s.text(Number(v))} (${answers} answers)`, s.name];
                    }}
                  />
                  <Line dataKey="score" name={s.name} stroke={s.colour} strokeWidth={2} dot={{ r: 2.5 }} isAnimationActive={false} />
                </ComposedChart>
              </ResponsiveContainer>
            </div>
          </div>
        );
      })}
    </div>
  );
}
