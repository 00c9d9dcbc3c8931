import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import { listCheckins, listIdeas, reviewNotes } from '../src/engine/workspace.js';
import { addCheckin, addIdea, addReviewNote } from '../src/engine/duckdb/team.js';
import { buildDigest, digestHtml, digestMarkdown, digestSlackBody } from '../src/reports/digest.js';
import { okrProgress } from '../src/reports/okrs.js';
import { scorecardProviders } from '../src/reports/providers.js';
import { scorecardReport } from '../src/reports/scorecard-report.js';
import { postWebhook } from '../src/reports/ritual.js';
import { digestSender } from '../src/server/digest-schedule.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contextFor, seg, storeFrom } from './helpers/fixture-store.js';
import { healthModelFromConfig, scorecardModelFromConfig } from '../src/config/model.js';

const CONFIG = `
product: Ritual
journey:
  visit: { event: Page Viewed }
  signup: { event: Signed Up, owner: maya@x, target_rate: 0.5 }
  setup: { event: Workspace Created, owner: li@x, target_rate: 0.8 }
north_star: { name: Messages, event: Message Sent, measure: count, frequency: week, owner: ceo@x, target: { gte: 1 } }
health:
  cash_balance: { owner: cfo@x, target: { gte: 50000 } }
okrs:
  - objective: Activate more teams
    due: 2026-12-31
    key_results:
      - { metric: journey.setup, from: 0.2, to: 0.6 }
      - { metric: north_star, from: 10, to: 0 }
`;

// W46 (Nov 9–15): four visitors, two sign up (50 %: on target), one sets up (50 % against 80 %).
const events = [
  ...['v1', 'v2', 'v3', 'v4'].map((a, i) => seg.page({ anonymousId: a }, `2026-11-1${i}T10:00:00Z`)),
  seg.track('Signed Up', { userId: 'u1', anonymousId: 'v1' }, '2026-11-10T11:00:00Z'),
  seg.track('Signed Up', { userId: 'u2', anonymousId: 'v2' }, '2026-11-11T11:00:00Z'),
  seg.track('Workspace Created', { userId: 'u1' }, '2026-11-10T12:00:00Z'),
  seg.track('Message Sent', { userId: 'u1' }, '2026-11-10T13:00:00Z'),
  seg.track('Message Sent', { userId: 'u1' }, '2026-11-03T13:00:00Z'),
  seg.track('Message Sent', { userId: 'u1' }, '2026-11-04T13:00:00Z'),
];

let store: DuckDbStore;
beforeAll(async () => {
  store = await storeFrom(events);
  // cash entered for W46, corrected once (the correction wins, history kept).
  await store.run(`INSERT INTO manual_values VALUES ('cash_balance', '2026-W46', 40000, 'cfo@x', TIMESTAMP '2026-11-16 09:00:00', 'first entry')`);
  await store.run(`INSERT INTO manual_values VALUES ('cash_balance', '2026-W46', 120000, 'cfo@x', TIMESTAMP '2026-11-16 10:00:00', 'corrected')`);
});
afterAll(() => store.close());

describe('scorecard on computed data', () => {
  it('finds the bottleneck, its owner as CEO of the week, and praises owners on target', async () => {
    const ctx = contextFor(store, CONFIG, '2026-11-18T12:00:00Z');
    const config = parseConfig(CONFIG);
    const r = await scorecardReport(ctx, scorecardModelFromConfig(config), { weeks: 2 }, scorecardProviders(ctx, healthModelFromConfig(config)));
    expect(r.weeks).toEqual(['2026-W45', '2026-W46']);
    expect(r.rows.map((row) => [row.id, row.values, row.status])).toEqual([
      ['north_star', [2, 1], ['on_track', 'on_track']],
      // W45 ends before the first visit, signup and setup events (Nov 10–11): no data, not zero.
      ['journey.visit', [null, 4], ['no_data', 'no_target']],
      ['journey.signup', [null, 2], ['no_data', 'no_target']],
      ['journey.setup', [null, 1], ['no_data', 'no_target']],
      ['health.cash_balance', [null, 120000], ['no_data', 'on_track']],
    ]);
    expect(r.rows[0].trend).toBe(-0.5);
    expect(r.rows[4].source).toBe('manual');
    expect(r.journey_steps).toEqual([
      { from: 'visit', to: 'signup', actual_rate: 0.5, target_rate: 0.5, owner: 'maya@x' },
      { from: 'signup', to: 'setup', actual_rate: 0.5, target_rate: 0.8, owner: 'li@x' },
    ]);
    expect(r.bottleneck).toMatchObject({ from_stage: 'signup', stage: 'setup', owner: 'li@x', basis: 'target' });
    expect(r.bottleneck!.sentence).toBe('Signup → setup converts 50.0 % against a 80.0 % target; fixing it would multiply setups by 1.6.');
    expect(r.ceo_of_the_week).toMatchObject({ owner: 'li@x', metric: 'journey.setup' });
    expect(r.praise).toEqual([{ owner: 'ceo@x', metric: 'north_star' }, { owner: 'cfo@x', metric: 'health.cash_balance' }]);
    expect(r.rows[2].reasons).toEqual(['before the first `Signed Up` event (2026-11-10)', null]);
    expect(r.rows[2].baseline).toEqual({ mean_last_4_weeks: 2, suggested_target: { gte: 2 } });
  });

  it('computes OKR progress for increasing and decreasing key results', async () => {
    const ctx = contextFor(store, CONFIG, '2026-11-18T12:00:00Z');
    const config = parseConfig(CONFIG);
    const r = await scorecardReport(ctx, scorecardModelFromConfig(config), { weeks: 2 }, scorecardProviders(ctx, healthModelFromConfig(config)));
    await addCheckin(store, { objective: 'Activate more teams', key_result: 'journey.setup', week: '2026-W46', note: 'onboarding checklist shipped', confidence: 0.6, author: 'li@x' });
    const [okr] = okrProgress(config.okrs, r, await listCheckins(store));
    // setup rate 0.5 from 0.2 towards 0.6: 0.75. North Star 1 from 10 towards 0: 0.9.
    expect(okr.key_results.map((k) => [k.metric, k.measure, k.current, k.progress, k.status])).toEqual([
      ['journey.setup', 'rate', 0.5, 0.75, 'in_progress'],
      ['north_star', 'value', 1, 0.9, 'in_progress'],
    ]);
    expect(okr.progress).toBeCloseTo(0.825, 12);
    expect(okr.checkins.map((c) => c.note)).toEqual(['onboarding checklist shipped']);
  });

  it('renders the digest and posts a Slack-compatible body to a webhook', async () => {
    const ctx = contextFor(store, CONFIG, '2026-11-18T12:00:00Z');
    const config = parseConfig(CONFIG);
    const r = await scorecardReport(ctx, scorecardModelFromConfig(config), { weeks: 2 }, scorecardProviders(ctx, healthModelFromConfig(config)));
    await addReviewNote(store, { week: '2026-W46', row_id: 'journey.setup', note: 'the invite email bounced <all week>', author: 'li@x' });
    await addIdea(store, { team: 'Product', idea: 'Template workspaces', owner: 'li@x' });
    const digest = buildDigest(config.product, r, okrProgress(config.okrs, r), await reviewNotes(store, '2026-W46'), await listIdeas(store));
    expect(digest.week).toBe('2026-W46');
    expect(digest.off_track).toEqual([]);
    const md = digestMarkdown(digest);
    expect(md).toContain('**Bottleneck:** Signup → setup converts 50.0 % against a 80.0 % target');
    expect(md).toContain('**CEO of the week:** li@x (journey.setup)');
    expect(md).toContain('| 🟢 | Cash balance | cfo@x | $120,000 | ≥ $50,000 |');
    expect(md).toContain('- [product] Template workspaces — li@x (proposed)');
    const html = digestHtml(digest);
    expect(html).toContain('<td align="right">$120,000</td>');
    expect(html).toContain('the invite email bounced &lt;all week&gt;');
    expect(html).not.toContain('<all week>');

    const received: unknown[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => { received.push(JSON.parse(body)); res.end('ok'); });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await postWebhook(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, digestSlackBody(digest));
    } finally {
      server.close();
    }
    expect(received).toHaveLength(1);
    const body = received[0] as { text: string; blocks: { type: string; text: { text: string } }[] };
    expect(body.text).toBe('Ritual 2026-W46: Signup → setup converts 50.0 % against a 80.0 % target; fixing it would multiply setups by 1.6.');
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Ritual: weekly review 2026-W46' } });
    expect(body.blocks.some((b) => b.text?.text === '*CEO of the week:* li@x (journey.setup)')).toBe(true);
  });

  it('the scheduled sender composes the digest of the last complete week from the store', async () => {
    const config = parseConfig(CONFIG);
    const out = join(mkdtempSync(join(tmpdir(), 'tn-digest-')), 'review.md');
    const sender = digestSender(config, { day: 'monday', hour: 9, format: 'md', out }, (asOf) => contextFor(store, CONFIG, new Date(asOf).toISOString()), undefined);
    const line = await sender.send(Date.parse('2026-11-16T09:00:00Z'));
    expect(line).toBe(`sent the 2026-W46 digest to ${out}`);
    const md = readFileSync(out, 'utf8');
    expect(md).toContain('# Ritual: weekly review 2026-W46');
    expect(md).toContain('**CEO of the week:** li@x (journey.setup)');
  });
});
