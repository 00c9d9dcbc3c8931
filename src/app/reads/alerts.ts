/** The alerts firing now, or at the end of a past week (docs/alerts.md). */
import { z } from 'zod';
import type { Config } from '../../config/schema/index.js';
import { addPeriods, parsePeriod, startOfLocalDate } from '../../model/time.js';
import { evaluateAlerts } from '../../reports/alerts.js';
import type { LinkedAlert } from '../../reports/alerts-text.js';
import type { ReportContext } from '../../reports/context.js';
import { dashboardWeekUrl } from '../../reports/digest.js';
import { alertInputs } from '../alert-inputs.js';
import { defineRead } from '../operation.js';
import { asOf, week } from '../params.js';

export interface AlertsReport {
  /** The last complete day judged and its week. */
  day: string;
  week: string;
  /** Each with a link to the dashboard's week when a public URL is configured. */
  alerts: LinkedAlert[];
}

/** The dashboard's address for links: `alerts.public_url`, else the digest's. */
export function alertsPublicUrl(config: Config): string | undefined {
  return config.alerts.public_url ?? config.digest?.public_url;
}

/** Evaluates every configured kind as of `ctx.asOf`, or as of the end of `week` when that is earlier. */
export async function computeAlerts(ctx: ReportContext, config: Config, params: { week?: string } = {}): Promise<AlertsReport> {
  const time = ctx.model.time;
  const end = params.week ? startOfLocalDate(addPeriods(parsePeriod(params.week, time.weekStart).start, 'week', 1), time.timezone) : ctx.asOf;
  const at = { ...ctx, asOf: Math.min(end, ctx.asOf) };
  const inputs = await alertInputs(at, config);
  const publicUrl = alertsPublicUrl(config);
  const alerts = evaluateAlerts(inputs, config.alerts).map((a) => ({ ...a, link: publicUrl ? dashboardWeekUrl(publicUrl, a.week) : null }));
  return { day: inputs.dates[inputs.dates.length - 1], week: inputs.week, alerts };
}

export const alerts = defineRead({
  name: 'alerts',
  summary: 'The alerts firing: rows off pace, anomalies against the same weekday, funnel steps and retention cohorts below their recent past',
  params: z.object({ week: week.describe('judge as of the end of this week, e.g. 2026-W47 (default: now)'), asOf }),
  run: (ctx, params) => computeAlerts(ctx, ctx.config, params),
});
