/**
 * What the scorecard says when it names no bottleneck or no CEO of the week, or judged the
 * bottleneck on part of the journey only: only what is true of this week's rows (docs/no-data.md).
 */
import type { Bottleneck, CeoOfTheWeek, JourneyStep, ScorecardRow } from './scorecard.js';

const stepName = (s: JourneyStep) => {
  const text = `${s.from.replace('_', ' ')} → ${s.to.replace('_', ' ')}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
};
const unique = (items: string[]) => [...new Set(items)];
const joined = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);
const lastStatus = (row: ScorecardRow) => row.status[row.status.length - 1];
/** Between the reasons of a step's two stages. */
const STAGE_SEPARATOR = '; ';

/** Why a step has no data this week, from the reasons of its two stages (null: both have data). */
export function stepGap(stages: { name: string; reason: string | null | undefined }[]): string | null {
  const missing = stages.filter((s) => s.reason);
  if (missing.length === 0) return null;
  return missing.map((s) => `${s.name} has no data this week (${s.reason})`).join(STAGE_SEPARATOR);
}

/**
 * The sentence beside the bottleneck: why none can be named, or, when one was, which steps could
 * not be judged for lack of data. Null when every step was judged and one was named.
 */
export function bottleneckNote(bottleneck: Bottleneck | null, steps: JourneyStep[], rows: ScorecardRow[]): string | null {
  // A stage between two steps is named once.
  const gaps = unique(steps.flatMap((s) => (s.no_data ? s.no_data.split(STAGE_SEPARATOR) : [])));
  if (bottleneck) return gaps.length ? `Judged only on the steps with data this week: ${gaps.join('; ')}.` : null;
  if (steps.length === 0) return 'No bottleneck: the journey needs at least two stages to have a step.';
  const parts = [...gaps];
  const judged = steps.filter((s) => !s.no_data);
  const unmeasured = judged.filter((s) => s.actual_rate === null);
  if (unmeasured.length) parts.push(`nobody reached the first stage of ${joined(unmeasured.map(stepName))} this week, so it has no conversion`);
  const onTarget = judged.filter((s) => s.actual_rate !== null && s.target_rate !== null);
  if (onTarget.length) parts.push(`${joined(onTarget.map(stepName))} ${onTarget.length === 1 ? 'converts' : 'convert'} at or above target`);
  const offTrack = rows.filter((r) => lastStatus(r) === 'off_track').map((r) => r.name);
  if (offTrack.length) parts.push(`off track all the same: ${joined(offTrack)}`);
  if (parts.length === 0) parts.push('no step has a conversion this week');
  return `No bottleneck: ${parts.join('; ')}.`;
}

/** Why nobody is CEO of the week (null when somebody is). */
export function ceoNote(ceo: CeoOfTheWeek | null, rows: ScorecardRow[]): string | null {
  if (ceo) return null;
  const offTrack = rows.filter((r) => lastStatus(r) === 'off_track');
  const noData = rows.filter((r) => lastStatus(r) === 'no_data').map((r) => r.name);
  const parts: string[] = [];
  if (offTrack.length) parts.push(`the rows off track (${joined(offTrack.map((r) => r.name))}) have no owner`);
  else parts.push(noData.length ? 'no row with data is off track' : 'no row is off track');
  if (noData.length) parts.push(`no data this week for ${joined(noData)}`);
  return `No CEO of the week: ${parts.join('; ')}.`;
}
