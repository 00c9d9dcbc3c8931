/** Why a scorecard row moved: the read behind `truenorth why`, `GET /api/v1/why` and the dashboard's why panel. */
import { z } from 'zod';
import { scorecardRowsFromConfig } from '../../config/model.js';
import { InputError } from '../../errors.js';
import { didYouMean } from '../../model/suggest.js';
import { whyOfScorecardRow } from '../../reports/why.js';
import { defineRead } from '../operation.js';
import { asOf, text, week } from '../params.js';
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
    // Refused before anything is read: the rows come from truenorth.yaml.
    const ids = scorecardRowsFromConfig(ctx.config).map((r) => r.id);
    if (!params.row) throw new InputError(`name a scorecard row: ${ids.join(', ')}`);
    if (!ids.includes(params.row)) throw new InputError(`no scorecard row "${params.row}"${didYouMean(params.row, ids)}; the rows are ${ids.join(', ')}`);
    const card = await computeScorecard(ctx, ctx.config, { week: params.week, weeks: 2 });
    return whyOfScorecardRow(ctx, card.weeks[card.weeks.length - 1], card.rows.find((r) => r.id === params.row)!);
  },
});
