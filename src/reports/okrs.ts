import type { OkrDefinition } from '../model/scorecard-rows.js';
import type { Checkin } from '../engine/workspace.js';
import type { ScorecardReport } from './scorecard-report.js';

export interface KeyResultProgress {
  metric: string;
  /** What the value measures: a conversion rate into a journey stage, or the row's weekly value. */
  measure: 'rate' | 'value';
  from: number;
  to: number;
  due: string;
  current: number | null;
  week: string;
  /** (current − from) ÷ (to − from): 0 at the start, 1 at the target; works for decreasing targets too. */
  progress: number | null;
  status: 'done' | 'in_progress' | 'regressed' | 'no_data';
  /** Why there is no progress: the value it is measured by has no data this week. */
  reason?: string;
}

export interface ObjectiveProgress {
  objective: string;
  due: string;
  /** Mean progress of its key results, each capped to [0, 1]. */
  progress: number | null;
  key_results: KeyResultProgress[];
  checkins: Checkin[];
}

/**
 * A key result on `journey.<stage>` whose start and target are both fractions in [0, 1] tracks the
 * conversion rate into that stage; otherwise it tracks the scorecard row's value. Values are the last
 * scorecard week.
 */
export function okrProgress(okrs: readonly OkrDefinition[], scorecard: ScorecardReport, checkins: Checkin[] = []): ObjectiveProgress[] {
  const week = scorecard.weeks[scorecard.weeks.length - 1];
  return okrs.map((okr) => {
    const krs = okr.key_results.map((kr): KeyResultProgress => {
      const isRate = kr.metric.startsWith('journey.') && [kr.from, kr.to].every((v) => v >= 0 && v <= 1);
      // A value with no data (a no_data cell, a step one of whose stages has none) is never a zero.
      let current: number | null;
      let reason: string | undefined;
      if (isRate) {
        const step = scorecard.journey_steps.find((s) => `journey.${s.to}` === kr.metric);
        current = step && !step.no_data ? step.actual_rate : null;
        reason = step?.no_data ?? (step ? 'nobody reached the stage before it this week' : 'not a journey step');
      } else {
        const row = scorecard.rows.find((r) => r.id === kr.metric);
        const last = row ? row.values.length - 1 : -1;
        current = row && row.status[last] !== 'no_data' ? row.values[last] : null;
        reason = row ? (row.reasons?.[last] ?? undefined) : 'not a scorecard row';
      }
      const progress = current === null || kr.to === kr.from ? null : (current - kr.from) / (kr.to - kr.from);
      const status = progress === null ? 'no_data' : progress >= 1 ? 'done' : progress < 0 ? 'regressed' : 'in_progress';
      const out: KeyResultProgress = { metric: kr.metric, measure: isRate ? 'rate' : 'value', from: kr.from, to: kr.to, due: kr.due ?? okr.due, current, week, progress, status };
      if (status === 'no_data' && current === null && reason) out.reason = reason;
      return out;
    });
    const known = krs.filter((k) => k.progress !== null).map((k) => Math.min(1, Math.max(0, k.progress!)));
    return {
      objective: okr.objective,
      due: okr.due,
      progress: known.length ? known.reduce((a, b) => a + b, 0) / known.length : null,
      key_results: krs,
      checkins: checkins.filter((c) => c.objective === okr.objective),
    };
  });
}
