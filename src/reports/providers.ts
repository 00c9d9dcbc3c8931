import type { Config } from '../config/schema.js';
import type { Period } from '../model/time.js';
import type { ReportContext } from './context.js';
import { run } from './context.js';
import type { ScorecardProviders, WeeklyValues } from './scorecard-report.js';

/** Current hand-entered value per (key, week): the latest entry wins; history stays in the table. */
export async function manualWeekly(ctx: ReportContext, keys: string[], weeks: Period[]): Promise<WeeklyValues> {
  if (keys.length === 0) return {};
  const rows = await run<{ metric: string; period: string; value: number | null; entered_at: unknown }>(ctx, {
    sql: 'SELECT metric, period, value, entered_at FROM manual_values ORDER BY entered_at',
    params: {},
  });
  const latest = new Map<string, number | null>();
  for (const r of rows) latest.set(`${r.metric}\u0000${r.period}`, r.value);
  const out: WeeklyValues = {};
  for (const key of keys) {
    const values = weeks.map((w) => latest.get(`${key}\u0000${w.name}`) ?? null);
    if (values.some((v) => v !== null)) out[key] = values;
  }
  return out;
}

export function scorecardProviders(ctx: ReportContext, _config: Config): ScorecardProviders {
  return { manual: (keys, weeks) => manualWeekly(ctx, keys, weeks) };
}
