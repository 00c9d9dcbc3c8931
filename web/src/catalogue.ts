/** The event catalogue as `GET /api/v1/events` returns it (src/app/reads/beyond.ts). */
export interface ConfigFinding {
  level: 'error' | 'warn';
  rule: 'unknown-event' | 'unknown-property' | 'unknown-trait';
  path: string;
  name: string;
  message: string;
  suggestions: string[];
}

export interface CatalogueEvent {
  event: string;
  count: number;
  actors: number;
  first_seen: string;
  last_seen: string;
  sources: string[];
  sampled: number;
  properties: { key: string; share: number }[];
}

export interface EventsReport {
  total_events: number;
  actors_exact: boolean;
  property_sample_per_event: number;
  events: CatalogueEvent[];
  user_traits: { key: string; count: number }[];
  account_traits: { key: string; count: number }[];
  config_checks: ConfigFinding[];
}
