import type { Config } from '../config/schema/index.js';
import { InputError, TruenorthError } from '../errors.js';
import { healthModelFromConfig, scorecardModelFromConfig } from '../config/model.js';
import { SCORECARD_SECTIONS, unknownEventWarnings } from './config-check.js';
import type { ReportContext } from './context.js';
import { scorecardProviders } from './providers.js';
import { scorecardReport, type ScorecardReport } from './scorecard-report.js';

/** The weekly ritual's scorecard: computed rows with the health and hand-entered rows beside them. */
export async function computeScorecard(ctx: ReportContext, config: Config, options: { week?: string; weeks?: number } = {}): Promise<ScorecardReport> {
  return scorecardReport(ctx, scorecardModelFromConfig(config), { week: options.week, weeks: options.weeks }, {
    ...scorecardProviders(ctx, healthModelFromConfig(config)),
    warnings: () => unknownEventWarnings(ctx, config, SCORECARD_SECTIONS),
  });
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
