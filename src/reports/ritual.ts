import type { Config } from '../config/schema/index.js';
import { listCheckins, listIdeas, reviewNotes } from '../engine/workspace.js';
import { InputError, TruenorthError } from '../errors.js';
import { named, parsePeriod } from '../model/time.js';
import type { ReportContext } from './context.js';
import { buildDigest, type Digest } from './digest.js';
import { okrProgress } from './okrs.js';
import { scorecardProviders } from './providers.js';
import { scorecardReport, type ScorecardReport } from './scorecard-report.js';
import { wholeNumber } from '../model/whole-number.js';
import { healthModelFromConfig, scorecardModelFromConfig } from '../config/model.js';
import { SCORECARD_SECTIONS, unknownEventWarnings } from './config-check.js';

/** The weekly ritual's reports: the scorecard with health and hand-entered rows, and the digest. */
export interface RitualFlags {
  week?: string;
  weeks?: string;
}

export function weeksOption(text: string | undefined): number | undefined {
  return text === undefined ? undefined : wholeNumber(text, '--weeks', 1, 104);
}

export function checkWeek(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const parsed = named('--week', () => parsePeriod(text));
  if (parsed.frequency !== 'week') throw new InputError(`--week: expected a week like 2026-W47, got ${JSON.stringify(text)}`);
  return text;
}

export async function computeScorecard(ctx: ReportContext, config: Config, flags: RitualFlags = {}): Promise<ScorecardReport> {
  return scorecardReport(ctx, scorecardModelFromConfig(config), { week: checkWeek(flags.week), weeks: weeksOption(flags.weeks) }, {
    ...scorecardProviders(ctx, healthModelFromConfig(config)),
    warnings: () => unknownEventWarnings(ctx, config, SCORECARD_SECTIONS),
  });
}

export async function composeDigest(ctx: ReportContext, config: Config, flags: RitualFlags = {}): Promise<Digest> {
  const scorecard = await computeScorecard(ctx, config, flags);
  const store = ctx.engine;
  const week = scorecard.weeks[scorecard.weeks.length - 1];
  const [checkins, notes, ideas] = await Promise.all([listCheckins(store), reviewNotes(store, week), listIdeas(store)]);
  return buildDigest(config.product, scorecard, okrProgress(config, scorecard, checkins), notes, ideas);
}

/** POSTs a JSON body (a Slack-compatible digest) to a webhook; the URL is never printed, only its origin. */
export async function postWebhook(url: string, body: unknown): Promise<void> {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    throw new InputError('webhook: not a URL');
  }
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new TruenorthError('input', `webhook: could not reach ${origin} (${(e as Error).message})`);
  }
  if (!response.ok) throw new TruenorthError('input', `webhook: ${origin} answered ${response.status}`);
}
