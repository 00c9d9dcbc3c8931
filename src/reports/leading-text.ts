/** The leading indicators in words: the outcome's event, the sentence per indicator, lifts and percentages. */
import type { Condition, EventSelector, FilterOperator } from '../model/metrics.js';
import { eventsLabel } from '../model/metrics.js';

const OPERATOR_WORDS: Record<Exclude<FilterOperator, 'exists'>, string> = {
  eq: 'is', ne: 'is not', in: 'is one of', nin: 'is none of', gt: 'is above', gte: 'is at least', lt: 'is below', lte: 'is at most', contains: 'contains',
};

/** `channel is not self`, `plan is one of team, business`, `coupon is set`: a filter in words. */
export function conditionText(c: Condition): string {
  if (c.op === 'exists') return `${c.property} ${c.value === false ? 'is not set' : 'is set'}`;
  return `${c.property} ${OPERATOR_WORDS[c.op]} ${Array.isArray(c.value) ? c.value.join(', ') : String(c.value)}`;
}

/** `Message Sent (channel is not self)`: an event and its filters, for people. */
export function describeSelector(selector: EventSelector): string {
  if (selector.where.length === 0) return eventsLabel(selector.events);
  return `${eventsLabel(selector.events)} (${selector.where.map(conditionText).join(' and ')})`;
}

/** What a leading indicator's sentence says (fields as on the indicator). */
export interface SentenceFacts {
  event: string;
  at_least: number;
  within_days: number;
  did_rate: number;
  did_not_rate: number;
  lift: number | null;
  coverage: number;
}

/** "Users who do Invite Sent ≥ 3 times in their first 7 days retain 2.4× as often (41 % vs 17 %, 28 % of users)." */
export function sentence(i: SentenceFacts, verb: string): string {
  const times = i.at_least === 1 ? '' : ` ≥ ${i.at_least} times`;
  const window = `in their first ${formatDays(i.within_days)}`;
  const how = i.lift === null
    ? `${verb} while nobody else does`
    : i.lift >= 1 ? `${verb} ${formatLift(i.lift)} as often` : `${verb} only ${formatLift(i.lift)} as often`;
  return `Users who do ${i.event}${times} ${window} ${how} (${pct(i.did_rate)} vs ${pct(i.did_not_rate)}, ${pct(i.coverage)} of users).`;
}

function formatDays(days: number): string {
  if (Number.isInteger(days)) return days === 1 ? 'day' : `${days} days`;
  const hours = Math.round(days * 24);
  return `${hours} hours`;
}

export function formatLift(lift: number): string {
  return `${lift >= 10 ? lift.toFixed(0) : lift.toFixed(1)}×`;
}

export function pct(rate: number): string {
  const p = rate * 100;
  if (p === 0 || p >= 10) return `${Math.round(p)} %`;
  return `${p.toFixed(1)} %`;
}
