/**
 * truenorth.yaml checked against the names a store holds: every event, property and trait name the
 * config names (names.ts) is looked up. An event the store has never seen is an error (its numbers
 * would be silent zeros); a property or trait no sampled row carries is a warning. Each finding names
 * the key path and the stored names it probably meant. `app/config-check.ts` reads the names.
 */
import { didYouMeanText, suggestNames } from '../model/suggest.js';
import { formatPath } from './load.js';
import { configNames, type ConfigName } from './names.js';
import type { Config } from './schema/index.js';

export interface ConfigFinding {
  level: 'error' | 'warn';
  rule: 'unknown-event' | 'unknown-property' | 'unknown-trait';
  /** Dotted key path in truenorth.yaml. */
  path: string;
  /** The name as the config writes it. */
  name: string;
  message: string;
  /** Stored names it probably meant, closest first. */
  suggestions: string[];
}

/** What the checks read from the catalogue (an EventCatalogue is one): names, and how many events the keys came from. */
export interface StoredNames {
  events: { event: string; sampled: number; properties: { key: string }[] }[];
  user_traits: { key: string }[];
  account_traits: { key: string }[];
}

function eventFinding(named: ConfigName, known: readonly string[]): ConfigFinding {
  const written = !named.defaulted;
  const suggestions = suggestNames(named.name, known);
  const fallback = known.length === 0 ? '; the store holds no events yet' : '';
  return {
    level: written ? 'error' : 'warn',
    rule: 'unknown-event',
    path: formatPath(named.path),
    name: named.name,
    message: `no "${named.name}" events in the store${written ? '' : ' (the default)'}, so everything computed from it would be 0${didYouMeanText(suggestions)}${fallback}`,
    suggestions,
  };
}

function propertyFinding(named: ConfigName, stored: StoredNames, sampled: number): ConfigFinding | undefined {
  const events = stored.events.filter((e) => named.events?.includes(e.event));
  if (events.length === 0) return undefined; // the unknown event is the finding
  const keys = new Set(events.flatMap((e) => e.properties.map((p) => p.key)));
  if (keys.has(named.name)) return undefined;
  const suggestions = suggestNames(named.name, keys);
  return {
    level: 'warn',
    rule: 'unknown-property',
    path: formatPath(named.path),
    name: named.name,
    message: `no "${events.map((e) => e.event).join('" or "')}" event read (${sampled} sampled) carries a property "${named.name}"${didYouMeanText(suggestions)}`,
    suggestions,
  };
}

function traitFinding(named: ConfigName, stored: StoredNames): ConfigFinding | undefined {
  const tables = named.table === 'users' ? [stored.user_traits] : named.table === 'accounts' ? [stored.account_traits] : [stored.user_traits, stored.account_traits];
  const keys = tables.flat().map((t) => t.key);
  if (keys.length === 0 || keys.includes(named.name)) return undefined; // no traits at all: nothing to compare with yet
  const suggestions = suggestNames(named.name, keys);
  const holder = named.table === 'accounts' ? 'account' : named.table === 'users' ? 'user' : 'user or account';
  return {
    level: 'warn',
    rule: 'unknown-trait',
    path: formatPath(named.path),
    name: named.name,
    message: `no ${holder} has a trait "${named.name}"${didYouMeanText(suggestions)}`,
    suggestions,
  };
}

export function checkConfigNames(config: Config, stored: StoredNames): ConfigFinding[] {
  const eventNames = stored.events.map((e) => e.event);
  const held = new Set(eventNames);
  const findings: ConfigFinding[] = [];
  for (const named of configNames(config)) {
    if (named.kind === 'event') {
      if (!held.has(named.name)) findings.push(eventFinding(named, eventNames));
    } else if (named.kind === 'property') {
      const sampled = stored.events.filter((e) => named.events?.includes(e.event)).reduce((n, e) => n + e.sampled, 0);
      const finding = propertyFinding(named, stored, sampled);
      if (finding) findings.push(finding);
    } else {
      const finding = traitFinding(named, stored);
      if (finding) findings.push(finding);
    }
  }
  return findings;
}
