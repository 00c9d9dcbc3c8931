/** Why a scorecard row moved: the read behind `truenorth why`, `GET /api/v1/why` and the dashboard's why panel. */
import { z } from 'zod';
import { InputError } from '../../errors.js';
import { didYouMean } from '../../model/suggest.js';
import { whyOfScorecardRow } from '../../reports/why.js';
import { defineRead } from '../operation.js';
import { asOf, text, week } from '../params.js';
import { label } from '../wire.js';
import { computeScorecard } from './ritual.js';

export const why = defineRead({
  name: 'why',
  summary: 'Why a scorecard row moved week over week: by segment (mix vs rate), and along the metric tree',
  params: z.object({
    row: text('the scorecard row: north_star, journey.<stage>, health.<name> or a metric id'),
    week: week.describe('the week explained, against the week before (default: the last complete week)'),
    asOf,
  }),
  async run(ctx, params) {
    const card = await computeScorecard(ctx, ctx.config, { week: params.week, weeks: 2 });
    const ids = card.rows.map((r) => r.id);
    if (!params.row) throw new InputError(`${label(params, 'row')}: name a scorecard row, one of ${ids.join(', ')}`);
    const row = card.rows.find((r) => r.id === params.row);
    if (!row) throw new InputError(`${label(params, 'row')}: no scorecard row "${params.row}"${didYouMean(params.row, ids)}; the rows are ${ids.join(', ')}`);
    return whyOfScorecardRow(ctx, card.weeks[card.weeks.length - 1], row);
  },
});
