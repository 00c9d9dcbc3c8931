import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { generateDemo, type DemoSummary } from '../src/demo/index.js';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const WEEKS = 12;
const END = Date.parse('2026-11-16T00:00:00Z');
const START = END - WEEKS * WEEK;

const root = mkdtempSync(join(tmpdir(), 'truenorth-demo-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Json = Record<string, any>;

/** A message reduced to what the checks need, computed plainly from the Segment or PostHog shape. */
interface Msg {
  id: string;
  ts: number;
  name: string;
  user: string | null;
  account: string | null;
  props: Json;
  traits: Json | null;
}

function read(file: string): Msg[] {
  return readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => {
    const m = JSON.parse(line) as Json;
    if (typeof m.type === 'string') {
      const name = m.type === 'track' ? m.event : m.type === 'page' ? 'Page Viewed' : `$${m.type}`;
      return {
        id: m.messageId, ts: Date.parse(m.timestamp), name, user: m.userId ?? null,
        account: m.groupId ?? m.context?.groupId ?? null, props: m.properties ?? {}, traits: m.traits ?? null,
      };
    }
    const p = m.properties ?? {};
    const identified = p.$is_identified === true || m.event === '$identify' || m.event === '$groupidentify';
    return {
      id: m.uuid, ts: Date.parse(m.timestamp), name: m.event === '$pageview' ? 'Page Viewed' : m.event,
      user: identified ? m.distinct_id : null, account: p.$groups?.company ?? p.$group_key ?? null, props: p,
      traits: m.event === '$identify' ? p.$set : null,
    };
  });
}

const week = (ts: number) => Math.floor((ts - START) / WEEK);

function pearson(x: number[], y: number[]): number {
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  x.forEach((xi, i) => {
    sxy += (xi - mx) * (y[i] - my);
    sxx += (xi - mx) ** 2;
    syy += (y[i] - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

describe('generateDemo', () => {
  let summary: DemoSummary;
  let msgs: Msg[];
  let lines: string[];

  beforeAll(async () => {
    summary = await generateDemo({ outDir: join(root, 'main'), users: 2000, weeks: WEEKS, seed: 42 });
    lines = readFileSync(summary.files.events, 'utf8').trimEnd().split('\n');
    msgs = read(summary.files.events);
  });

  it('is deterministic: same seed, same bytes; another seed, other data', async () => {
    const opts = { users: 300, weeks: WEEKS };
    const a = await generateDemo({ ...opts, outDir: join(root, 'a'), seed: 7 });
    const b = await generateDemo({ ...opts, outDir: join(root, 'b'), seed: 7 });
    const c = await generateDemo({ ...opts, outDir: join(root, 'c'), seed: 8 });
    for (const key of ['events', 'subscriptions', 'config', 'manual'] as const) {
      expect(readFileSync(b.files[key]).equals(readFileSync(a.files[key])), key).toBe(true);
    }
    expect(readFileSync(c.files.events).equals(readFileSync(a.files.events))).toBe(false);
    expect(c.planted).not.toEqual(a.planted);
  });

  it('writes valid JSON lines with unique ids, ISO millisecond timestamps, in time order', () => {
    expect(lines.length).toBe(summary.counts.events);
    const ids = new Set<string>();
    const problems: string[] = [];
    let previous = -Infinity;
    lines.forEach((line, i) => {
      const m = JSON.parse(line) as Json;
      const id = m.messageId ?? m.uuid;
      if (typeof id !== 'string' || id.length === 0) problems.push(`line ${i + 1}: no id`);
      ids.add(id);
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(m.timestamp)) problems.push(`line ${i + 1}: timestamp ${m.timestamp}`);
      const ts = Date.parse(m.timestamp);
      if (!(ts >= previous && ts >= START && ts < END)) problems.push(`line ${i + 1}: out of order or range`);
      previous = ts;
    });
    expect(problems.slice(0, 5)).toEqual([]);
    expect(ids.size).toBe(lines.length);
  });

  it('mixes Segment and ~10 % PostHog shapes', () => {
    const posthog = lines.filter((l) => l.startsWith('{"event":')).length / lines.length;
    expect(posthog).toBeGreaterThan(0.05);
    expect(posthog).toBeLessThan(0.2);
    const kinds = new Set(msgs.map((m) => m.name).filter((n) => n.startsWith('$')));
    for (const kind of ['$identify', '$group', '$alias', '$groupidentify']) expect(kinds).toContain(kind);
    expect(lines.some((l) => l.includes('"$current_url"'))).toBe(true);
  });

  it('plants the setup bottleneck: few signups set up, most who set up send a message', () => {
    const signups = new Map<string, number>();
    const setup = new Set<string>();
    const first = new Set<string>();
    for (const m of msgs) if (m.name === 'Signed Up' && m.user) signups.set(m.user, m.ts);
    for (const m of msgs) {
      if (!m.user || !signups.has(m.user)) continue;
      if (m.name === 'Workspace Created') setup.add(m.user);
      if (m.name === 'Message Sent' && setup.has(m.user)) first.add(m.user);
    }
    expect(signups.size).toBe(2000);
    const setupRate = setup.size / signups.size;
    expect(setupRate).toBeGreaterThan(0.15);
    expect(setupRate).toBeLessThan(0.25);
    expect(first.size / setup.size).toBeGreaterThan(0.6);
    expect(summary.planted.bottleneck.stage).toBe('setup');
    const ratios = summary.planted.bottleneck.steps.map((s) => s.ratio);
    expect(Math.max(...ratios)).toBe(summary.planted.bottleneck.steps.find((s) => s.stage === 'setup')!.ratio);
    expect(ratios.filter((r) => r > 1.2)).toHaveLength(1);
  });

  it('plants the aha moment: >= 3 invites in the first 7 days retain >= 2x as well in week 4', () => {
    const users = new Map<string, { signup: number; invites: number; searches: number; retained: boolean }>();
    for (const m of msgs) if (m.name === 'Signed Up' && m.user) users.set(m.user, { signup: m.ts, invites: 0, searches: 0, retained: false });
    for (const m of msgs) {
      const u = m.user ? users.get(m.user) : undefined;
      if (!u) continue;
      if (m.name === 'Invite Sent' && m.ts < u.signup + 7 * DAY) u.invites++;
      if (m.name === 'Search Performed' && m.ts < u.signup + 7 * DAY) u.searches++;
      if (m.name === 'Message Sent' && m.props.channel !== 'self' && week(m.ts) === week(u.signup) + 4) u.retained = true;
    }
    const observable = [...users.values()].filter((u) => week(u.signup) + 4 < WEEKS);
    const rate = (group: typeof observable) => group.filter((u) => u.retained).length / group.length;
    const did = observable.filter((u) => u.invites >= 3);
    const didNot = observable.filter((u) => u.invites < 3);
    const coverage = did.length / observable.length;
    expect(coverage).toBeGreaterThan(0.22);
    expect(coverage).toBeLessThan(0.38);
    expect(rate(did)).toBeGreaterThanOrEqual(2 * rate(didNot));
    // The generator's own measurement agrees with the one made here from the file.
    expect(summary.planted.aha_moment.did_rate).toBeCloseTo(rate(did), 2);
    expect(summary.planted.aha_moment.did_not_rate).toBeCloseTo(rate(didNot), 2);
    // The decoy is common in week 1 and says nothing about retention.
    const searched = observable.filter((u) => u.searches >= 1);
    expect(searched.length / observable.length).toBeGreaterThan(0.75);
    const decoyLift = rate(searched) / rate(observable.filter((u) => u.searches === 0));
    expect(decoyLift).toBeGreaterThan(0.75);
    expect(decoyLift).toBeLessThan(1.33);
  });

  it('makes weekly integrations lead the North Star by one week', () => {
    const integrations = new Array<number>(WEEKS).fill(0);
    const northStar = new Array<number>(WEEKS).fill(0);
    for (const m of msgs) {
      if (m.name === 'Integration Connected') integrations[week(m.ts)]++;
      if (m.name === 'Message Sent' && m.props.channel !== 'self') northStar[week(m.ts)]++;
    }
    expect(northStar).toEqual(summary.planted.driver.north_star_weekly);
    // Week-over-week changes, to look past the shared growth trend.
    const change = (xs: number[]) => xs.slice(1).map((x, i) => x - xs[i]);
    const corr = (lag: number) => pearson(change(integrations).slice(0, WEEKS - 1 - lag), change(northStar).slice(lag));
    const byLag = [0, 1, 2, 3].map(corr);
    expect(Math.max(...byLag)).toBe(byLag[1]);
    expect(byLag[1]).toBeGreaterThan(0.7);
  });

  it('makes ideal users convert better', () => {
    const ideal = new Map<string, boolean>();
    for (const m of msgs) {
      if (m.traits && m.user && m.traits.role !== undefined) {
        ideal.set(m.user, ['engineer', 'pm'].includes(m.traits.role) && m.traits.company_size >= 10);
      }
    }
    const setup = new Set(msgs.filter((m) => m.name === 'Workspace Created').map((m) => m.user));
    const rate = (want: boolean) => {
      const group = [...ideal].filter(([, isIdeal]) => isIdeal === want).map(([user]) => user);
      return group.filter((u) => setup.has(u)).length / group.length;
    };
    expect(ideal.size).toBe(2000);
    expect(rate(true)).toBeGreaterThan(1.4 * rate(false));
    const { ideal: i, other: o } = summary.planted.ideal_users;
    for (const step of ['setup', 'first_strike', 'kui', 'upgrade']) expect(i[step]).toBeGreaterThan(o[step]);
  });

  it('writes a ledger consistent with the subscription events', () => {
    const [header, ...rows] = readFileSync(summary.files.subscriptions, 'utf8').trimEnd().split('\n');
    expect(header).toBe('account_id,effective_at,mrr,plan,currency');
    expect(rows.length).toBe(summary.counts.ledger_rows);
    expect(rows.length).toBeGreaterThan(10);
    const started = new Map<string, Set<string>>();
    const cancelled = new Map<string, Set<string>>();
    for (const m of msgs) {
      const into = m.name === 'Subscription Started' ? started : m.name === 'Subscription Cancelled' ? cancelled : undefined;
      if (!into || !m.account) continue;
      const days = into.get(m.account) ?? new Set<string>();
      days.add(new Date(m.ts).toISOString().slice(0, 10));
      into.set(m.account, days);
    }
    const previous = new Map<string, number>();
    let lastTime = '';
    for (const row of rows) {
      const [account, effectiveAt, mrrText, plan, currency] = row.split(',');
      const mrr = Number(mrrText);
      expect(Number.isFinite(mrr)).toBe(true);
      expect(mrr).toBeGreaterThanOrEqual(0);
      expect(plan).toMatch(/^(team|business|business-annual)$/);
      expect(currency).toBe('USD');
      expect(effectiveAt >= lastTime).toBe(true);
      lastTime = effectiveAt;
      expect(started.has(account), account).toBe(true);
      const day = effectiveAt.slice(0, 10);
      if (!(previous.get(account)! > 0) && mrr > 0) expect(started.get(account)!.has(day)).toBe(true);
      if (previous.get(account)! > 0 && mrr === 0) expect(cancelled.get(account)?.has(day)).toBe(true);
      previous.set(account, mrr);
    }
  });

  it('writes a truenorth.yaml with the six journey stages and the planted targets', () => {
    const config = parseYaml(readFileSync(summary.files.config, 'utf8'));
    expect(config.product).toBe('Acme Chat');
    expect(Object.keys(config.journey)).toEqual(['visit', 'signup', 'setup', 'first_strike', 'kui', 'upgrade']);
    for (const stage of Object.values(config.journey) as Json[]) expect(stage.owner).toMatch(/@acme\.io$/);
    expect(config.journey.setup.target_rate).toBe(0.6);
    expect(config.journey.kui).toMatchObject({ event: 'Message Sent', at_least: 50, within: '14d' });
    expect(config.north_star.where).toEqual({ channel: { ne: 'self' } });
    expect(config.ideal_user).toEqual({ role: { in: ['engineer', 'pm'] }, company_size: { gte: 10 } });
    expect(config.metrics.map((m: Json) => m.id)).toContain('integrations_connected');
    expect(config.scorecard.weeks).toBe(13);
  });

  it('writes hand-entered weekly numbers', () => {
    const [header, ...rows] = readFileSync(summary.files.manual, 'utf8').trimEnd().split('\n');
    expect(header).toBe('metric,week,value,entered_by,note');
    expect(rows).toHaveLength(3 * WEEKS);
    const metrics = new Set(rows.map((r) => r.split(',')[0]));
    expect([...metrics].sort()).toEqual(['burn', 'cash_balance', 'sales_marketing_spend']);
    for (const r of rows) expect(r).toMatch(/^\w+,\d{4}-W\d\d,\d+,cfo@acme\.io,/);
  });

  it('rejects fewer than 12 weeks and a malformed end date', async () => {
    await expect(generateDemo({ outDir: join(root, 'x'), weeks: 8 })).rejects.toThrow(/weeks/);
    await expect(generateDemo({ outDir: join(root, 'y'), endDate: '2026-13-01' })).rejects.toThrow(/endDate/);
  });
});
