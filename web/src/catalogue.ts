/**
 * The event catalogue as `GET /api/v1/events` returns it: type-only aliases of what the catalogue's
 * `events` read answers (src/app/reads/beyond.ts), so the page cannot drift from the server.
 */
import type { EventsReport as ServerEventsReport } from '../../src/app/reads/beyond.js';

export type EventsReport = ServerEventsReport;
export type CatalogueEvent = EventsReport['events'][number];
export type ConfigFinding = EventsReport['config_checks'][number];
