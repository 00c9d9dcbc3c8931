/**
 * The event catalogue (`truenorth events`) and truenorth.yaml checked against it (`lint`, report
 * warnings), on the demo company's database and on both engines.
 */
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE_CAPABILITIES } from '../src/engine/capabilities.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { configNames } from '../src/config/names.js';
import { parseConfig } from '../src/config/load.js';
import { suggestNames } from '../src/model/suggest.js';
import { normalizeMessage } from '../src/engine/ingest/normalize.js';
import { eventCatalogue, PROPERTY_SAMPLE_PER_EVENT, type EventCatalogue } from '../src/reports/catalogue.js';
import type { EventsReport } from '../src/app/reads/beyond.js';
import { reportContext } from '../src/reports/context.js';
import { demoCompany } from './helpers/beyond.js';
import { expectSameAnswers, loadBoth, openChdb } from './helpers/engines.js';
import { modelFromConfig } from '../src/config/model.js';

let db: string;
let config: string;
let events: string;
const scratch = mkdtempSync(join(tmpdir(), 'truenorth-catalogue-'));

beforeAll(async () => {
  const demo = await demoCompany();
  await demo.cleanup(); // only its files: the CLI opens the database itself
  events = demo.summary.files.events;
  config = demo.summary.files.config;
  db = join(config, '..', 'demo.duckdb');
}, 300_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

/** Runs the CLI in this process; answers its exit code and what it printed. */
async function truenorth(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void lines.push(parts.join(' ')));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk).replace(/\n$/, '')) > 0);
  const code = await main(['node', 'truenorth', '--db', db, ...args]);
  process.exitCode = undefined;
  vi.restoreAllMocks();
  return { code, out: lines.join('\n') };
}

/** The demo's config with one text replaced, in a file of its own. */
function configWith(from: string, to: string): string {
  const text = readFileSync(config, 'utf8');
  expect(text).toContain(from);
  const file = join(scratch, `typo-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text.replace(from, to));
  return file;
}

describe('truenorth events on the demo company', () => {
  it('matches a brute-force count of the generated events file: count, distinct senders, first and last seen', async () => {
    // Every line through the ingest normaliser; the first copy of a message id wins, as in the store.
    const seen = new Set<string>();
    const expected = new Map<string, { count: number; senders: Set<string>; first: number; last: number }>();
    for (const line of readFileSync(events, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const result = normalizeMessage(JSON.parse(line));
      if (!result.ok) continue;
      for (const m of result.messages) {
        if (m.kind !== 'event' || seen.has(m.id)) continue;
        seen.add(m.id);
        const e = expected.get(m.event) ?? { count: 0, senders: new Set<string>(), first: Infinity, last: -Infinity };
        e.count++;
        e.senders.add((m.userId ?? m.anonymousId)!);
        e.first = Math.min(e.first, m.timestamp);
        e.last = Math.max(e.last, m.timestamp);
        expected.set(m.event, e);
      }
    }
    const { code, out } = await truenorth(['--config', config, 'events', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as EventsReport;
    expect(report.actors_exact).toBe(true);
    expect(report.total_events).toBe(seen.size);
    const got = Object.fromEntries(report.events.map((e) => [e.event, [e.count, e.actors, e.first_seen, e.last_seen]]));
    const want = Object.fromEntries([...expected].map(([name, e]) => [name, [e.count, e.senders.size, new Date(e.first).toISOString(), new Date(e.last).toISOString()]]));
    expect(got).toEqual(want);
    expect(Object.keys(want).length).toBeGreaterThan(10);
    // Most common property keys, counted over every event on DuckDB (the summary kept at write
    // time), the commonest names included; trait keys with their counts.
    const pages = report.events.find((e) => e.event === 'Page Viewed')!;
    expect(pages.count).toBeGreaterThan(PROPERTY_SAMPLE_PER_EVENT * 2);
    expect(pages.sampled).toBe(pages.count);
    expect(pages.properties.slice(0, 3).map((p) => [p.key, p.share])).toEqual([['path', 1], ['title', 1], ['url', 1]]);
    expect(report.user_traits.map((t) => t.key)).toContain('role');
    expect(report.account_traits.find((t) => t.key === 'plan')?.count).toBeGreaterThan(0);
    expect(report.config_checks).toEqual([]);
  });
});

describe('truenorth.yaml checked against the stored names', () => {
  it('a typo in a stage event makes lint fail, naming the key path, the line and the stored name meant', async () => {
    const file = configWith('event: Workspace Created', 'event: Workspace Craeted');
    const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('Workspace Craeted')) + 1;
    const { code, out } = await truenorth(['--config', file, 'lint']);
    expect(code).toBe(1);
    expect(out).toContain(`error journey.setup.event (line ${line}): no "Workspace Craeted" events in the store, so everything computed from it would be 0 (did you mean "Workspace Created"?)`);
    const json = JSON.parse((await truenorth(['--config', file, 'lint', '--json'])).out) as { findings: { level: string; path: string; line: number; rule: string }[] };
    expect(json.findings.filter((f) => f.level === 'error')).toEqual([expect.objectContaining({ rule: 'unknown-event', path: 'journey.setup.event', line })]);
  });

  it('never says "pass measurable" for a North Star whose event has no rows; a wrong property is a warning', async () => {
    const file = configWith('  event: Message Sent\n', '  event: message_sent\n');
    const { code, out } = await truenorth(['--config', file, 'lint']);
    expect(code).toBe(1);
    expect(out).toMatch(/error north_star\.event \(line \d+\): no "message_sent" events .*did you mean "Message Sent"/);
    expect(out).toContain('warn            measurable: the store holds no message_sent events');
    expect(out).not.toMatch(/pass +measurable/);
    const property = configWith('score: score }', 'score: scroe }');
    const warned = await truenorth(['--config', property, 'lint']);
    expect(warned.code).toBe(0);
    expect(warned.out).toMatch(/warn {2}surveys\.nps\.score \(line \d+\): no "NPS Submitted" event read \(\d+ sampled\) carries a property "scroe" \(did you mean "score"\?\)/);
  });

  it('puts a warning in the scorecard, funnel and North Star JSON for an event name the store lacks', async () => {
    const file = configWith('event: Workspace Created', 'event: workspace_created');
    const card = JSON.parse((await truenorth(['--config', file, 'scorecard', '--json'])).out) as { warnings: { path: string; name: string; suggestions: string[] }[] };
    expect(card.warnings).toEqual([expect.objectContaining({ path: 'journey.setup.event', name: 'workspace_created', suggestions: ['Workspace Created'] })]);
    const funnel = JSON.parse((await truenorth(['--config', file, 'funnel', '--json'])).out) as { warnings: { path: string }[] };
    expect(funnel.warnings.map((w) => w.path)).toEqual(['journey.setup.event']);
    const northStar = JSON.parse((await truenorth(['--config', file, 'north-star', '--json'])).out) as { warnings: unknown[] };
    expect(northStar.warnings).toEqual([]);
  });

  it('suggests stored names across case, separators, prefixes and typos', () => {
    const stored = ['user_signed_up', 'project_created', 'Message Sent', 'Page Viewed'];
    expect(suggestNames('Signed Up', stored)).toEqual(['user_signed_up']);
    expect(suggestNames('project_craeted', stored)).toEqual(['project_created']);
    expect(suggestNames('message_sent', stored)).toEqual(['Message Sent']);
    expect(suggestNames('Viewed Page', stored)).toEqual(['Page Viewed']);
    expect(suggestNames('Invoice Paid', stored)).toEqual([]);
  });

  it('walks every place the config names an event, taking one name or a list', () => {
    const parsed = parseConfig(readFileSync(config, 'utf8'));
    (parsed.journey.signup as { event: unknown }).event = ['Signed Up', 'user_signed_up'];
    const named = configNames(parsed);
    const paths = named.filter((n) => n.kind === 'event').map((n) => n.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining([
      'journey.signup.event.0', 'journey.signup.event.1', 'journey.setup.event', 'north_star.event', 'metrics.0.event',
      'surveys.nps.event', 'risk.support_tickets.event',
    ]));
    expect(named.find((n) => n.path.join('.') === 'surveys.pmf.answer')).toMatchObject({ kind: 'property', name: 'response', events: ['Survey Answered'] });
  });
});

describe('the catalogue on both engines', () => {
  it('is the same on DuckDB and ClickHouse, each counting the keys of every event; aggregated from the events, a common name\'s keys are sampled', async () => {
    const { store: ch, cleanup } = await openChdb();
    try {
      // More than twice the sample size under one name, so aggregating from the events samples its keys.
      const batch = Array.from({ length: PROPERTY_SAMPLE_PER_EVENT * 2 + 500 }, (_, i) => ({
        type: 'track', event: 'Message Sent', userId: `u${i % 97}`, messageId: `m${i}`, timestamp: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
        properties: i % 3 === 0 ? { channel: 'general', rare: true } : { channel: 'random' },
      }));
      const rest = [
        { type: 'page', anonymousId: 'a1', messageId: 'p1', timestamp: '2026-01-02T00:00:00Z', properties: { path: '/' } },
        { type: 'identify', userId: 'u1', traits: { role: 'pm' }, messageId: 'i1', timestamp: '2026-01-02T00:00:00Z' },
        { type: 'group', userId: 'u1', groupId: 'acme', traits: { plan: 'team', seats: 5 }, messageId: 'g1', timestamp: '2026-01-02T00:00:00Z' },
      ];
      const { duck } = await loadBoth(ch, [batch, rest]);
      const model = modelFromConfig(parseConfig(readFileSync(config, 'utf8')));
      const [d, c]: EventCatalogue[] = await Promise.all([eventCatalogue(reportContext(duck, model)), eventCatalogue(reportContext(ch, model))]);
      await duck.close();
      // Both keep the catalogue at write time: the same answer, key shares included.
      expectSameAnswers(c, d);
      const sent = d.events.find((e) => e.event === 'Message Sent')!;
      expect(sent).toMatchObject({ count: batch.length, actors: 97, sources: ['test'], sampled: batch.length });
      const rare = batch.filter((m) => 'rare' in m.properties).length;
      expect(sent.properties).toEqual([{ key: 'channel', share: 1 }, { key: 'rare', share: rare / batch.length }]);
      // An engine that kept no catalogue would aggregate the events: beyond the sample size the key
      // shares differ by the sampling error only, all else is equal.
      const table = ENGINE_CAPABILITIES.clickhouse as Record<string, unknown>;
      table.catalogue_summary = { gap: 'no catalogue kept here' };
      let aggregated: EventCatalogue;
      try {
        aggregated = await eventCatalogue(reportContext(ch, model));
      } finally {
        table.catalogue_summary = true;
      }
      const withoutKeys = (cat: EventCatalogue, name: string) => ({ ...cat, events: cat.events.map((e) => (e.event === name ? { ...e, sampled: 0, properties: [] } : e)) });
      expectSameAnswers(withoutKeys(aggregated, 'Message Sent'), withoutKeys(d, 'Message Sent'));
      const sampled = aggregated.events.find((e) => e.event === 'Message Sent')!;
      expect(sampled.sampled).toBeLessThan(sampled.count);
      expect(sampled.properties.map((p) => p.key)).toEqual(['channel', 'rare']);
      expect(Math.abs(sampled.properties[1].share - 1 / 3)).toBeLessThan(0.03);
      expect(d.user_traits).toEqual([{ key: 'role', count: 1 }]);
      expect(d.account_traits).toEqual([{ key: 'plan', count: 1 }, { key: 'seats', count: 1 }]);
    } finally {
      await cleanup();
    }
  }, 120_000);
});
