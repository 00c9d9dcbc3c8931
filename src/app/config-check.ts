/**
 * The config's names checked against what the store holds, for the reports that carry warnings and
 * for `lint` (config/name-check.ts does the checking).
 */
import { checkConfigNames, type ConfigFinding, type StoredNames } from '../config/name-check.js';
import { configNames } from '../config/names.js';
import type { Config } from '../config/schema/index.js';
import { compileEventNames } from '../query/plans/catalogue.js';
import { eventCatalogue } from '../reports/catalogue.js';
import { run, type ReportContext } from '../reports/context.js';
import { keptEventNames } from '../reports/no-data.js';

/** Report sections by the key paths they read. */
export const SCORECARD_SECTIONS = ['north_star', 'journey', 'metrics'];
export const ALL_SECTIONS = ['journey', 'north_star', 'metrics', 'surveys', 'heart', 'retention', 'risk'];

/**
 * The warnings a report carries: its config's event names the store does not hold, under the given
 * key-path prefixes (`journey`, `north_star`, `metrics[2]`). On a server, the names it keeps up to
 * date with each write; elsewhere one cheap query (on DuckDB, from the catalogue summary).
 */
export async function unknownEventWarnings(ctx: ReportContext, config: Config, sections: readonly string[]): Promise<ConfigFinding[]> {
  const names = await keptEventNames(ctx) ?? (await run<{ event: string }>(ctx, compileEventNames(ctx.query))).map((r) => r.event);
  const stored: StoredNames = { events: names.map((event) => ({ event, properties: [], sampled: 0 })), user_traits: [], account_traits: [] };
  const under = (path: string) => sections.some((s) => path === s || path.startsWith(`${s}.`) || path.startsWith(`${s}[`));
  return checkConfigNames(config, stored)
    .filter((f) => f.rule === 'unknown-event' && under(f.path))
    .map((f) => ({ ...f, level: 'warn' as const }));
}

/** For `lint`: every name checked against the catalogue, and how many events the North Star counts from. */
export async function storedNamesEvidence(ctx: ReportContext, config: Config): Promise<{ findings: ConfigFinding[]; northStarEvents: number }> {
  const catalogue = await eventCatalogue(ctx);
  const northStar = new Set(configNames(config).filter((n) => n.kind === 'event' && n.path[0] === 'north_star').map((n) => n.name));
  const northStarEvents = catalogue.events.filter((e) => northStar.has(e.event)).reduce((n, e) => n + e.count, 0);
  return { findings: checkConfigNames(config, catalogue), northStarEvents };
}

/** A report with the warnings for the config sections it reads (`warnings`: empty when every name is stored). */
export async function withConfigWarnings<T extends object>(
  ctx: ReportContext, config: Config | undefined, sections: readonly string[], report: T,
): Promise<T & { warnings: ConfigFinding[] }> {
  return { ...report, warnings: config ? await unknownEventWarnings(ctx, config, sections) : [] };
}

/** The config section a series report reads: the North Star, or the metric asked for. */
export function seriesSection(config: Config | undefined, metricId: string | undefined): string {
  if (!metricId || !config) return 'north_star';
  return `metrics[${config.metrics.findIndex((m) => m.id === metricId)}]`;
}
