/** The weekly ritual: scorecard, OKRs, digest, review notes, the ideas board. */
import { z } from 'zod';
import type { Config } from '../../config/schema/index.js';
import { capabilityGap, readerCapabilities } from '../../engine/capabilities.js';
import type { SqlEngine } from '../../engine/sql-engine.js';
import { listCheckins, listIdeas, reviewNotes } from '../../engine/workspace.js';
import { TruenorthError } from '../../errors.js';
import type { ReportContext } from '../../reports/context.js';
import { buildDigest, type Digest } from '../../reports/digest.js';
import { okrProgress } from '../../reports/okrs.js';
import { defineRead } from '../operation.js';
import { asOf, week, wholeNumber } from '../params.js';
import { scorecardReport, type ScorecardReport } from '../../reports/scorecard-report.js';
import { healthModelFromConfig, scorecardModelFromConfig } from '../../config/model.js';
import { scorecardProviders } from '../../reports/providers.js';
import { whyOfScorecardRow } from '../../reports/why.js';
import { paceReport } from '../../reports/pace-of-rows.js';
import { SCORECARD_SECTIONS, unknownEventWarnings } from '../config-check.js';

/** The team's tables (check-ins, review notes, ideas), read on any reader of a store that has them; else empty. */
export async function fromWorkspace<T>(engine: SqlEngine, read: (engine: SqlEngine) => Promise<T[]>): Promise<T[]> {
  return capabilityGap(readerCapabilities(engine), 'team_tables') === undefined ? read(engine) : [];
}

/** The weekly ritual's scorecard: computed rows with the health and hand-entered rows beside them. */
export async function computeScorecard(ctx: ReportContext, config: Config, options: { week?: string; weeks?: number } = {}): Promise<ScorecardReport> {
  return scorecardReport(ctx, scorecardModelFromConfig(config), { week: options.week, weeks: options.weeks }, {
    ...scorecardProviders(ctx, healthModelFromConfig(config)),
    warnings: () => unknownEventWarnings(ctx, config, SCORECARD_SECTIONS),
  });
}

const weeks = wholeNumber('how many weeks (default: scorecard.weeks, 13)', 1, 104);

export const scorecard = defineRead({
  name: 'scorecard',
  summary: 'The weekly scorecard: rows with owners, targets, values and status per week; bottleneck, CEO of the week, praise',
  params: z.object({ week: week.describe('the last week shown, e.g. 2026-W47 (default: the last complete week)'), weeks, asOf }),
  run: (ctx, params) => computeScorecard(ctx, ctx.config, params),
});

export const pace = defineRead({
  name: 'pace',
  summary: 'Pace to target in the unfinished week: each row\'s value so far, its projected week\'s end, on or off pace, and who owns it',
  params: z.object({ asOf }),
  run: (ctx) => paceReport(ctx, scorecardModelFromConfig(ctx.config)),
});

export const okrs = defineRead({
  name: 'okrs',
  summary: 'Objectives and key results: progress computed from the scorecard, with check-ins',
  params: z.object({ week: week.describe('measure as of this week (default: the last complete week)'), asOf }),
  async run(ctx, params) {
    if (ctx.config.okrs.length === 0) throw new TruenorthError('not_found', 'no okrs in truenorth.yaml; add an `okrs:` section');
    const card = await computeScorecard(ctx, ctx.config, params);
    const checkins = await fromWorkspace(ctx.engine, listCheckins);
    return { week: card.weeks[card.weeks.length - 1], objectives: okrProgress(ctx.config.okrs, card, checkins) };
  },
});

/** The weekly review: the scorecard with the OKRs, the week's notes and the ideas board. */
export async function composeDigest(ctx: ReportContext, config: Config, params: { week?: string } = {}): Promise<Digest> {
  const card = await computeScorecard(ctx, config, params);
  const last = card.weeks[card.weeks.length - 1];
  const [checkins, notes, ideas] = await Promise.all([
    fromWorkspace(ctx.engine, listCheckins), fromWorkspace(ctx.engine, (s) => reviewNotes(s, last)), fromWorkspace(ctx.engine, listIdeas),
  ]);
  const digest = buildDigest(config.product, card, okrProgress(config.okrs, card, checkins), notes, ideas);
  for (const entry of digest.off_track) {
    const row = card.rows.find((r) => r.id === entry.id)!;
    entry.why = (await whyOfScorecardRow(ctx, last, row)).sentence;
  }
  return digest;
}

export const digest = defineRead({
  name: 'digest',
  summary: 'The weekly review as JSON: scorecard, bottleneck, CEO of the week, praise, off-track rows, OKRs, notes, ideas',
  params: z.object({ week: week.describe('the week reviewed (default: the last complete week)'), asOf }),
  run: (ctx, params) => composeDigest(ctx, ctx.config, params),
});

export const notes = defineRead({
  name: 'notes',
  summary: 'Review notes on scorecard rows, for one week or all',
  params: z.object({ week: week.describe('the week (default: every week)'), asOf }),
  needs: ['team_tables'],
  run: async (ctx, params) => ({ week: params.week ?? null, notes: await reviewNotes(ctx.engine, params.week) }),
});

export const ideas = defineRead({
  name: 'ideas',
  summary: 'The ideas board: every idea with its team, owner, status and the row it should move',
  params: z.object({ asOf }),
  needs: ['team_tables'],
  run: async (ctx) => ({ ideas: await listIdeas(ctx.engine) }),
});
