/** The people behind a number: the actors or accounts any count of the dashboard counts. */
import { z } from 'zod';
import { InputError } from '../../errors.js';
import { STAGES, type StageName } from '../../model/metrics.js';
import { resolveRange, periodContaining } from '../../reports/params.js';
import { MRR_MOVEMENTS, PEOPLE_KINDS, peopleReport, type PeopleKind, type PeopleSpec } from '../../reports/people.js';
import type { MrrMovement } from '../../reports/mrr.js';
import { defineRead, type ReadContext } from '../operation.js';
import { choice, flag, text, wholeNumber } from '../params.js';
import { label } from '../wire.js';
import { leadingCohortParams, leadingOptions } from './beyond.js';
import { retentionInputs, retentionParams } from './journey.js';

export const DEFAULT_PEOPLE_LIMIT = 100;
export const MAX_PEOPLE_LIMIT = 1000;

const words = (values: readonly string[]) => values.join(' | ');

const params = z.object({
  of: z.string({ error: 'required' }).max(20, { error: 'too long' }).describe(`the number the list is behind: ${words(PEOPLE_KINDS)}`),
  ...retentionParams,
  outcome: leadingCohortParams.outcome,
  within: leadingCohortParams.within,
  stage: text(`of=stage: the journey stage, ${words(STAGES)}`),
  week: text('of=stage (and of=mrr by week, of=pql): the week, like 2026-W46 or any day in it'),
  month: text('of=mrr: the month, like 2026-11 or any day in it'),
  step: wholeNumber('of=funnel: the step, 1 for the first', 1, 100),
  dropped: flag('of=funnel: those who reached the step and not the next, within the window'),
  cohort: text('of=retention: the cohort, like 2026-W45 or 2026-10 (or any day in it)'),
  periodsAfter: wholeNumber("of=retention: the cell, in periods after the cohort's own (0)", 0, 1000),
  movement: text(`of=mrr: ${words(MRR_MOVEMENTS)}`),
  event: text('of=indicator: the behaviour\'s event'),
  atLeast: wholeNumber('of=indicator: the behaviour\'s threshold, at least n times (default 1)', 1, 1_000_000),
  group: choice(['did', 'did-not'], 'did', 'of=indicator: did | did-not'),
  limit: wholeNumber(`rows per page (default ${DEFAULT_PEOPLE_LIMIT}, at most ${MAX_PEOPLE_LIMIT})`, 1, MAX_PEOPLE_LIMIT),
  offset: wholeNumber('rows to skip (default 0)', 0),
});

type Params = z.output<typeof params>;

export const people = defineRead({
  name: 'people',
  summary: 'The people or accounts behind a number (a weekly stage cell, a funnel step or its drop-offs, a retention cell, an MRR movement, PQLs, at-risk accounts, an indicator\'s groups), a page at a time, with traits and last activity',
  params,
  run: (ctx, p) => peopleReport(ctx, peopleSpec(ctx, p), { limit: p.limit ?? DEFAULT_PEOPLE_LIMIT, offset: p.offset ?? 0 }),
});

function need<K extends keyof Params>(p: Params, key: K, of: PeopleKind): NonNullable<Params[K]> {
  const value = p[key];
  if (value === undefined || value === null || value === '') throw new InputError(`${label(p, key)}: required with ${label(p, 'of')} ${of}`);
  return value as NonNullable<Params[K]>;
}

function oneOf<T extends string>(p: Params, key: keyof Params, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(`${label(p, key)}: expected ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}

/** The parameters of one kind of list, checked: what the number it is behind was computed with. */
export function peopleSpec(ctx: ReadContext, p: Params): PeopleSpec {
  const of = oneOf(p, 'of', p.of, PEOPLE_KINDS);
  switch (of) {
    case 'stage': {
      const stage = oneOf<StageName>(p, 'stage', need(p, 'stage', of), STAGES);
      return { of, stage, week: periodContaining(p, 'week', need(p, 'week', of), ctx.model, 'week'), segment: p.segment };
    }
    case 'funnel':
      return { of, range: resolveRange(p, ctx.model, ctx.asOf, 'week'), segment: p.segment, step: need(p, 'step', of), dropped: p.dropped };
    case 'retention': {
      const { range, definition, segment, periodZero } = retentionInputs(ctx, p);
      const cohort = periodContaining(p, 'cohort', need(p, 'cohort', of), ctx.model, p.period).startDate;
      return { of, range, definition, segment, periodZero, cohort, offset: need(p, 'periodsAfter', of) };
    }
    case 'mrr': {
      const movement = oneOf<MrrMovement>(p, 'movement', need(p, 'movement', of), MRR_MOVEMENTS);
      const period = p.week ? periodContaining(p, 'week', p.week, ctx.model, 'week') : periodContaining(p, 'month', need(p, 'month', of), ctx.model, 'month');
      return { of, period, movement };
    }
    case 'pql':
      return { of, range: p.week ? periodContaining(p, 'week', p.week, ctx.model, 'week') : resolveRange(p, ctx.model, ctx.asOf, 'week') };
    case 'risk':
      return { of };
    case 'indicator':
      return { of, leading: leadingOptions(ctx, p), event: need(p, 'event', of), atLeast: p.atLeast ?? 1, did: p.group === 'did' };
  }
}
