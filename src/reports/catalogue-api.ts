/**
 * `truenorth events [--json]` and `GET /api/v1/events`: the event catalogue, and truenorth.yaml
 * checked against it (`config_checks`). One object for the CLI, the API and the dashboard's Data page.
 */
import type { Config } from '../config/schema/index.js';
import type { ReadRoute } from '../server/read-api.js';
import { eventCatalogue, type EventCatalogue } from './catalogue.js';
import { ALL_SECTIONS, checkConfigNames, unknownEventWarnings, type ConfigFinding } from './config-check.js';
import type { ReportContext } from './context.js';

export interface EventsReport extends EventCatalogue {
  /** Every event, property and trait named in truenorth.yaml that the store does not hold. */
  config_checks: ConfigFinding[];
}

export async function eventsReport(ctx: ReportContext, config?: Config): Promise<EventsReport> {
  const catalogue = await eventCatalogue(ctx);
  return { ...catalogue, config_checks: config ? checkConfigNames(config, catalogue) : [] };
}

export const CATALOGUE_READ_ROUTES: ReadRoute[] = [
  {
    name: 'events',
    summary: 'The event catalogue: every event name with count, distinct senders, first and last seen, sources and common property keys; user and account trait keys; the config checked against them',
    params: ['checks'],
    // checks=1: only the config's event names the store lacks, from one cheap query (the dashboard's banner).
    run: async (ctx, flags, config) => (flags.checks === '1' || flags.checks === true)
      ? { config_checks: config ? await unknownEventWarnings(ctx, config, ALL_SECTIONS) : [] }
      : eventsReport(ctx, config),
  },
];
