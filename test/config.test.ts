import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../src/config/load.js';
import { parseDuration } from '../src/model/time.js';
import { exampleConfigYaml } from '../src/config/template.js';
import { ConfigError } from '../src/errors.js';
import { healthModelFromConfig, modelFromConfig, scorecardRowsFromConfig } from '../src/config/model.js';
import { lintConfig, northStarChecks } from '../src/config/lint.js';

const lines = (...rows: string[]) => rows.join('\n') + '\n';

/** A config that every lint rule is happy with: 10 rows, one owner each, no owner above 3. */
const CLEAN = lines(
  'product: Acme Chat',
  'timezone: Europe/Paris',
  'stage: growth',
  'business_model: b2b',
  'ideal_user: { role: { in: [engineer, pm] }, company_size: { gte: 10 } }',
  'journey:',
  '  visit:        { event: Page Viewed }',
  '  signup:       { event: Signed Up, owner: maya@acme.io, target: { gte: 400 } }',
  '  setup:        { event: Workspace Created, owner: li@acme.io, target: { gte: 200 }, target_rate: 0.5 }',
  '  first_strike: { event: Message Sent, owner: li@acme.io, target: { gte: 150 } }',
  '  kui:          { event: Message Sent, at_least: 50, within: 14d, owner: sam@acme.io, target: { gte: 60 } }',
  '  upgrade:      { event: Subscription Started, owner: sam@acme.io, target: { gte: 20 } }',
  'north_star:',
  '  name: Messages sent per week',
  '  event: Message Sent',
  '  where: { channel: { ne: self } }',
  '  measure: count',
  '  frequency: week',
  '  drives: health.mrr',
  '  owner: ceo@acme.io',
  '  target: { gte: 120000 }',
  'metrics:',
  '  - { id: active_teams, event: Message Sent, measure: unique_accounts, frequency: week, drives: north_star, owner: li@acme.io, target: { gte: 100 } }',
  'health:',
  '  mrr:           { owner: cfo@acme.io, target: { gte: 50000 } }',
  '  revenue_churn: { owner: cfo@acme.io, target: { lte: 0.02 } }',
  'surveys:',
  '  pmf: { event: Survey Answered, answer: response }',
  '  nps: { event: NPS Submitted, score: score }',
  'okrs:',
  '  - objective: Accelerate new user activation',
  '    due: 2026-12-31',
  '    key_results: [ { metric: journey.setup, from: 0.25, to: 0.40 } ]',
);

/** The smallest valid config: line numbers below count from here. */
const MINIMAL = [
  'product: Acme', //                                                                         1
  'journey:', //                                                                              2
  '  visit: { event: Page Viewed }', //                                                       3
  '  signup: { event: Signed Up, owner: maya }', //                                           4
  'north_star: { name: Messages, event: Message Sent, measure: count, frequency: week }', //  5
];
const minimal = (...extra: string[]) => lines(...MINIMAL, ...extra);
const replaceLine = (n: number, row: string) => lines(...MINIMAL.map((line, i) => (i === n - 1 ? row : line)));

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig: a valid config', () => {
  it('parses the full config and applies defaults', () => {
    const config = parseConfig(CLEAN);
    expect(config.product).toBe('Acme Chat');
    expect(config.timezone).toBe('Europe/Paris');
    expect(config.week_start).toBe('monday');
    expect(config.conversion_window).toBe(14);
    expect(config.journey.kui).toEqual({ event: 'Message Sent', at_least: 50, within: 14, owner: 'sam@acme.io', target: { gte: 60 } });
    expect(config.journey.setup?.target_rate).toBe(0.5);
    expect(config.ideal_user).toEqual({ role: { in: ['engineer', 'pm'] }, company_size: { gte: 10 } });
    expect(config.north_star).toMatchObject({ measure: 'count', frequency: 'week', drives: ['health.mrr'], target: { gte: 120000 } });
    expect(config.metrics[0]).toMatchObject({ id: 'active_teams', source: 'computed', drives: 'north_star' });
    expect(config.health.mrr).toEqual({ owner: 'cfo@acme.io', target: { gte: 50000 }, source: 'computed' });
    expect(config.gross_margin).toBe(0.8);
    expect(config.okrs[0].due).toBe('2026-12-31');
    expect(config.okrs[0].key_results).toEqual([{ metric: 'journey.setup', from: 0.25, to: 0.4 }]);
    expect(config.scorecard).toEqual({ weeks: 13 });
    expect(config.retention).toEqual({ event: 'Message Sent', where: { channel: { ne: 'self' } } });
    expect(config.database).toEqual({});
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8765 });
  });

  it('fills every default on the minimal config', () => {
    const config = parseConfig(minimal());
    expect(config).toMatchObject({
      timezone: 'UTC',
      week_start: 'monday',
      conversion_window: 14,
      metrics: [],
      health: {},
      gross_margin: 0.8,
      surveys: {},
      okrs: [],
      scorecard: { weeks: 13 },
      retention: { event: 'Message Sent' },
      server: { host: '127.0.0.1', port: 8765 },
    });
    expect(config.stage).toBeUndefined();
    expect(config.ideal_user).toBeUndefined();
  });

  it('normalises durations to days and time zones to their canonical name', () => {
    const config = parseConfig(
      minimal('conversion_window: 36h', 'timezone: europe/paris').replace('owner: maya', 'owner: maya, within: 2w'),
    );
    expect(config.conversion_window).toBe(1.5);
    expect(config.journey.signup.within).toBe(14);
    expect(config.timezone).toBe('Europe/Paris');
  });

  it('defaults cash_balance to manual and accepts custom manual health entries', () => {
    const config = parseConfig(minimal('health:', '  cash_balance: { owner: cfo }', '  bookings: { source: manual, owner: cfo }'));
    expect(config.health.cash_balance.source).toBe('manual');
    expect(config.health.bookings.source).toBe('manual');
  });

  it('takes every filter operator, several per property', () => {
    const config = parseConfig(
      minimal(
        'ideal_user:',
        '  seats: { gte: 5, lt: 500 }',
        '  plan: { nin: [free], ne: trial }',
        '  email: { exists: true, contains: "@" }',
        '  "context.groupId": { eq: 42 }',
      ),
    );
    expect(config.ideal_user?.seats).toEqual({ gte: 5, lt: 500 });
    expect(config.ideal_user?.['context.groupId']).toEqual({ eq: 42 });
  });
  it('resolves YAML anchors and merge keys', () => {
    const config = parseConfig(
      lines(...MINIMAL.slice(0, 3), '  signup: { event: Signed Up, owner: &cfo cfo@acme.io }', MINIMAL[4], 'health:', '  mrr: &money { owner: *cfo, target: { gte: 1 } }', '  arpc: { <<: *money }'),
    );
    expect(config.health.arpc).toEqual({ owner: 'cfo@acme.io', target: { gte: 1 }, source: 'computed' });
  });
});

describe('parseConfig: invalid configs give one error with file, line and key path', () => {
  const cases: [string, string, string][] = [
    [
      'a bad duration',
      lines(...MINIMAL.slice(0, 4), '  kui: { event: Message Sent, at_least: 50, within: two weeks }', MINIMAL[4]),
      'truenorth.yaml:line 5 journey.kui.within: expected a duration like 14d, got "two weeks"',
    ],
    [
      'a duration without a unit',
      minimal('conversion_window: 14'),
      'truenorth.yaml:line 6 conversion_window: expected a duration like 14d, got 14 (add a unit: 14d)',
    ],
    [
      'a typo in a top-level key',
      replaceLine(2, 'jorney:'),
      'truenorth.yaml:line 2 jorney: unknown key "jorney" (did you mean "journey"?)',
    ],
    [
      'an unknown target operator',
      replaceLine(4, '  signup: { event: Signed Up, owner: maya, target: { gt: 400 } }'),
      'truenorth.yaml:line 4 journey.signup.target.gt: unknown target operator "gt" (did you mean "gte"?); use { gte: n }, { lte: n } or { between: [lo, hi] }',
    ],
    [
      'a target range the wrong way round',
      replaceLine(4, '  signup: { event: Signed Up, target: { between: [500, 100] } }'),
      'truenorth.yaml:line 4 journey.signup.target.between: expected [lo, hi] with lo ≤ hi, got [500, 100]',
    ],
    [
      'a target with two operators',
      replaceLine(4, '  signup: { event: Signed Up, target: { gte: 1, lte: 2 } }'),
      'truenorth.yaml:line 4 journey.signup.target: expected exactly one of gte, lte or between; for a range use { between: [lo, hi] }',
    ],
    [
      'a bad time zone',
      minimal('timezone: Mars/Olympus'),
      'truenorth.yaml:line 6 timezone: expected an IANA time zone like UTC or Europe/Paris, got "Mars/Olympus"',
    ],
    [
      'a duplicate key',
      minimal('journey: {}'),
      'truenorth.yaml:line 6 journey: duplicate key "journey"',
    ],
    [
      'a duplicate key inside a flow mapping',
      replaceLine(3, '  visit: { event: Page Viewed, event: Visit }'),
      'truenorth.yaml:line 3 journey.visit.event: duplicate key "event"',
    ],
    [
      'a YAML syntax error',
      replaceLine(3, '  visit: { event: Page Viewed'),
      'truenorth.yaml:line 4: invalid YAML: Flow map in block collection must be sufficiently indented and end with a }',
    ],
    [
      'a missing required journey.signup',
      lines(...MINIMAL.filter((_, i) => i !== 3)),
      'truenorth.yaml:line 2 journey.signup: is required',
    ],
    [
      'an unknown journey stage',
      minimal().replace('  signup:', '  sign_up:'),
      'truenorth.yaml:line 4 journey.sign_up: unknown journey stage "sign_up" (did you mean "signup"?); the stages are visit, signup, setup, first_strike, kui or upgrade',
    ],
    [
      'an unknown filter operator',
      minimal('ideal_user:', '  role: { equals: engineer }'),
      'truenorth.yaml:line 7 ideal_user.role.equals: unknown operator "equals" (did you mean "eq"?); use eq, ne, in, nin, gt, gte, lt, lte, contains or exists',
    ],
    [
      'a filter without an operator',
      minimal('ideal_user:', '  role: engineer'),
      'truenorth.yaml:line 7 ideal_user.role: expected a condition like { eq: "engineer" }, got "engineer"',
    ],
    [
      'an over-long property name',
      minimal('ideal_user:', `  ${'p'.repeat(201)}: { exists: true }`),
      `truenorth.yaml:line 7 ideal_user.${'p'.repeat(201)}: property names must be at most 200 characters`,
    ],
    [
      'a bad measure',
      replaceLine(5, 'north_star: { name: Messages, event: Message Sent, measure: total, frequency: week }'),
      'truenorth.yaml:line 5 north_star.measure: expected count, unique_users, unique_accounts or sum:<property>, got "total"',
    ],
    [
      'a bad frequency',
      replaceLine(5, 'north_star: { name: Messages, event: Message Sent, measure: count, frequency: weekly }'),
      'truenorth.yaml:line 5 north_star.frequency: expected day, week or month, got "weekly"',
    ],
    [
      'at_least with a plain count',
      replaceLine(5, 'north_star: { name: Messages, event: Message Sent, measure: count, frequency: week, at_least: 3 }'),
      'truenorth.yaml:line 5 north_star.at_least: at_least counts the users who did the action at least n times; use measure: unique_users or unique_accounts',
    ],
    [
      'an unknown health metric',
      minimal('health:', '  mrrr: { owner: cfo }'),
      'truenorth.yaml:line 7 health.mrrr: unknown health metric "mrrr" (did you mean "mrr"?); computed ones are mrr, revenue_churn, nrr, grr, customer_churn, arpc, quick_ratio, cltv, cac, cltv_cac, cash_balance, burn or runway, a custom one needs source: manual',
    ],
    [
      'a computed cash balance',
      minimal('health:', '  cash_balance: { source: computed }'),
      'truenorth.yaml:line 7 health.cash_balance.source: cash_balance is entered by hand; use source: manual',
    ],
    [
      'a metric driving something unknown',
      minimal('metrics:', '  - { id: teams, event: X, measure: count, frequency: week }', '  - { id: seats, event: Y, measure: count, frequency: week, drives: team }'),
      'truenorth.yaml:line 8 metrics[1].drives: expected north_star, another metric\'s id or health.<name>, got "team" (did you mean "teams"?)',
    ],
    [
      'metrics driving each other in a circle',
      minimal('metrics:', '  - { id: a, event: X, measure: count, frequency: week, drives: b }', '  - { id: b, event: Y, measure: count, frequency: week, drives: a }'),
      'truenorth.yaml:line 7 metrics[0].drives: drives goes round in a circle: a → b → a',
    ],
    [
      'a duplicate metric id',
      minimal('metrics:', '  - { id: teams, event: X, measure: count, frequency: week }', '  - { id: teams, event: Y, measure: count, frequency: week }'),
      'truenorth.yaml:line 8 metrics[1].id: duplicate metric id "teams" (also metrics[0])',
    ],
    [
      'a computed metric without an event',
      minimal('metrics:', '  - id: demos', '    measure: count', '    frequency: week'),
      'truenorth.yaml:line 7 metrics[0].event: is required for a computed metric (or set source: manual)',
    ],
    [
      'a metric id that is not a slug',
      minimal('metrics:', '  - { id: Active Teams, event: X, measure: count, frequency: week }'),
      'truenorth.yaml:line 7 metrics[0].id: expected lowercase letters, digits and _ (like active_teams), got "Active Teams"',
    ],
    [
      'two owners on one row',
      replaceLine(4, '  signup: { event: Signed Up, owner: [maya, li] }'),
      'truenorth.yaml:line 4 journey.signup.owner: expected one owner (a name or email) per row, got ["maya", "li"]',
    ],
    [
      'an impossible date',
      minimal('okrs:', '  - objective: Grow', '    due: 2026-02-30', '    key_results: [ { metric: north_star, from: 1, to: 2 } ]'),
      'truenorth.yaml:line 8 okrs[0].due: expected a date like 2026-12-31, got "2026-02-30"',
    ],
    [
      'a key result on an unknown metric',
      minimal('okrs:', '  - objective: Grow', '    due: 2026-12-31', '    key_results: [ { metric: journey.setup, from: 1, to: 2 } ]'),
      'truenorth.yaml:line 9 okrs[0].key_results[0].metric: expected north_star, journey.<stage>, health.<name> or a metric id, got "journey.setup" (did you mean "journey.signup"?)',
    ],
    [
      'a scorecard row that is not a metric',
      minimal('scorecard: { rows: [north_star] }'),
      'truenorth.yaml:line 6 scorecard.rows[0]: expected the id of one of metrics, got "north_star"; the North Star, journey stages and health entries are always rows',
    ],
    [
      'an empty list of values',
      minimal('ideal_user: { plan: { in: [] } }'),
      'truenorth.yaml:line 6 ideal_user.plan.in: expected at least 1 item',
    ],
    [
      'a gross margin in percent',
      minimal('gross_margin: 80'),
      'truenorth.yaml:line 6 gross_margin: expected a fraction between 0 and 1 (0.8 = 80 %), got 80',
    ],
    [
      'a port out of range',
      minimal('server: { port: 70000 }'),
      'truenorth.yaml:line 6 server.port: expected a number ≤ 65535, got 70000',
    ],
    [
      'target_rate on the first stage',
      replaceLine(3, '  visit: { event: Page Viewed, target_rate: 0.5 }'),
      'truenorth.yaml:line 3 journey.visit.target_rate: visit is the first stage, so it has no conversion rate; put target_rate on a later stage',
    ],
    [
      'an alias to nothing',
      minimal('stage: *growth'),
      'truenorth.yaml:line 6: invalid YAML: Unresolved alias (the anchor must be set before the alias): growth',
    ],
    [
      'an empty file',
      '# nothing yet\n',
      'truenorth.yaml: the file is empty; run `truenorth init` for a commented example',
    ],
    [
      'a file that is not a mapping',
      '- product: Acme\n',
      'truenorth.yaml:line 1: expected a mapping of settings (product: ..., journey: ..., north_star: ...), got [{ product: "Acme" }]',
    ],
  ];

  it.each(cases)('%s', (_name, text, message) => {
    expect(errorOf(text).message).toBe(message);
  });

  it('reports an unknown key before the required key it hides, and a wrong value before a missing one', () => {
    expect(errorOf(lines('product: Acme', 'timezone: Nowhere', 'jorney: {}')).message).toBe(
      'truenorth.yaml:line 3 jorney: unknown key "jorney" (did you mean "journey"?)',
    );
    expect(errorOf(lines('product: Acme', 'timezone: Nowhere')).message).toBe(
      'truenorth.yaml:line 2 timezone: expected an IANA time zone like UTC or Europe/Paris, got "Nowhere"',
    );
  });

  it('exposes the key path and line on the error', () => {
    const error = errorOf(replaceLine(4, '  signup: { event: Signed Up, within: soon }'));
    expect(error).toMatchObject({ code: 'config', path: 'journey.signup.within', line: 4 });
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'truenorth-config-'));

  it('names a missing file and says how to make one', () => {
    const file = join(dir, 'absent.yaml');
    expect(() => loadConfig(file)).toThrow(new ConfigError(`no truenorth.yaml at ${file}; run \`truenorth init\``));
  });

  it('names the file in errors', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, minimal('week_start: friday'));
    expect(() => loadConfig(file)).toThrow(`${file}:line 6 week_start: expected monday or sunday, got "friday"`);
  });

  it('loads a valid file', () => {
    const file = join(dir, 'truenorth.yaml');
    writeFileSync(file, CLEAN);
    expect(loadConfig(file).product).toBe('Acme Chat');
  });
});

describe('parseDuration', () => {
  it('reads minutes, hours, days and weeks', () => {
    expect(parseDuration('14d')).toEqual({ days: 14, ms: 14 * 86_400_000 });
    expect(parseDuration('36h').days).toBe(1.5);
    expect(parseDuration('2w').days).toBe(14);
    expect(parseDuration('90m').ms).toBe(5_400_000);
  });

  it.each(['two weeks', '14', '0d', '-3d', 'd', '14 days'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(`expected a duration like 14d, got ${JSON.stringify(text)}`);
  });
});

describe('exampleConfigYaml', () => {
  it('parses, with the product name given', () => {
    const config = parseConfig(exampleConfigYaml('Acme Chat'));
    expect(config.product).toBe('Acme Chat');
    expect(config.metrics.map((m) => m.id)).toEqual(['active_teams', 'demos_booked']);
  });

  it.each(['My Product', 'Acme: "Chat" #1', 'yes', '42', ' padded '])('keeps the product name %j intact', (name) => {
    expect(parseConfig(exampleConfigYaml(name)).product).toBe(name.trim());
  });

  it('lints without errors or warnings', () => {
    const findings = lintConfig(parseConfig(exampleConfigYaml()));
    expect(findings.filter((f) => f.level !== 'info')).toEqual([]);
  });

  it('explains every top-level section', () => {
    const yaml = exampleConfigYaml();
    for (const key of ['product', 'timezone', 'week_start', 'stage', 'business_model', 'conversion_window', 'ideal_user', 'journey', 'north_star', 'metrics', 'health', 'gross_margin', 'surveys', 'okrs', 'scorecard', 'retention', 'database', 'server']) {
      expect(yaml).toMatch(new RegExp(`^#? ?${key}:`, 'm'));
    }
  });
});

describe('lintConfig', () => {
  const rules = (text: string) => lintConfig(parseConfig(text)).map((f) => `${f.level} ${f.rule} ${f.path}`);

  it('finds nothing in the clean config', () => {
    expect(lintConfig(parseConfig(CLEAN))).toEqual([]);
  });

  it('lists the scorecard rows in order', () => {
    expect(scorecardRowsFromConfig(parseConfig(CLEAN)).map((r) => r.id)).toEqual([
      'north_star', 'journey.visit', 'journey.signup', 'journey.setup', 'journey.first_strike', 'journey.kui',
      'journey.upgrade', 'health.mrr', 'health.revenue_churn', 'active_teams',
    ]);
  });

  it('warns about more than 10 scorecard rows', () => {
    const text = CLEAN.replace('health:\n', 'health:\n  nrr: { owner: cfo2@acme.io, target: { gte: 1 } }\n');
    expect(rules(text)).toEqual(['warn too-many-rows scorecard']);
    const findings = lintConfig(parseConfig(text));
    expect(findings[0].message).toBe('the scorecard has 11 rows; keep it to 10 or fewer (less is more)');
  });

  it('counts only the metrics chosen in scorecard.rows', () => {
    const text = CLEAN.replace('health:\n', 'health:\n  nrr: { owner: cfo2@acme.io, target: { gte: 1 } }\n') + 'scorecard: { rows: [] }\n';
    expect(rules(text)).toEqual([]);
  });

  it('errors on a row without owner, except the visit row', () => {
    const text = CLEAN.replace(', owner: sam@acme.io, target: { gte: 20 }', ', target: { gte: 20 }');
    expect(rules(text)).toEqual(['error row-without-owner journey.upgrade.owner']);
    expect(lintConfig(parseConfig(text))[0].message).toBe('scorecard row journey.upgrade has no owner; every row needs exactly one');
    const noMetricOwner = CLEAN.replace('drives: north_star, owner: li@acme.io, ', 'drives: north_star, ');
    expect(rules(noMetricOwner)).toEqual(['error row-without-owner metrics[0].owner']);
  });

  it('warns about an owner with more than 3 rows', () => {
    const text = CLEAN.replace('owner: sam@acme.io, target: { gte: 20 }', 'owner: li@acme.io, target: { gte: 20 }');
    expect(rules(text)).toEqual(['warn owner-too-many-rows metrics[0].owner']);
    expect(lintConfig(parseConfig(text))[0].message).toBe(
      'li@acme.io owns 4 scorecard rows (journey.setup, journey.first_strike, journey.upgrade, active_teams); more than 3 is too many for one person',
    );
  });

  it.each([
    ['page views', '  event: Message Sent\n  where', '  event: $pageview\n  where', 'north_star.event', 'it counts page views ($pageview)'],
    ['visits', '  event: Message Sent\n  where', '  event: Page Viewed\n  where', 'north_star.event', 'it counts page views (Page Viewed)'],
    ['signups', '  event: Message Sent\n  where', '  event: Signed Up\n  where', 'north_star.event', 'it counts signups (Signed Up, the journey.signup event)'],
    ['a summed visit count', '  measure: count', '  measure: sum:visits', 'north_star.measure', 'it sums visits, a count of visits, signups or page views'],
  ])('warns about a vanity North Star: %s', (_name, from, to, path, reason) => {
    const findings = lintConfig(parseConfig(CLEAN.replace(from, to)));
    expect(findings).toEqual([
      {
        level: 'warn',
        rule: 'vanity-north-star',
        message: `the North Star looks like a vanity metric: ${reason}; pick the action that shows customers getting value`,
        path,
      },
    ]);
  });

  it('warns about the journey.visit event as North Star', () => {
    const text = CLEAN.replace('visit:        { event: Page Viewed }', 'visit: { event: Site Visit }').replace(
      '  event: Message Sent\n  where',
      '  event: Site Visit\n  where',
    );
    expect(lintConfig(parseConfig(text))[0].message).toContain('it counts visits (Site Visit, the journey.visit event)');
  });

  it('warns when there is no ideal user profile', () => {
    const text = CLEAN.replace(/^ideal_user:.*\n/m, '');
    expect(rules(text)).toEqual(['warn no-ideal-user ideal_user']);
  });

  it('notes rows without a target', () => {
    expect(rules(CLEAN.replace(', target: { lte: 0.02 }', ''))).toEqual(['info row-without-target health.revenue_churn.target']);
  });
});

describe('northStarChecks', () => {
  const verdicts = (text: string, evidence?: Parameters<typeof northStarChecks>[1]) =>
    Object.fromEntries(northStarChecks(parseConfig(text), evidence).map((c) => [c.check, c.verdict]));

  it('gives the seven checks, judging from the config alone', () => {
    const checks = northStarChecks(parseConfig(CLEAN));
    expect(checks.map((c) => c.check)).toEqual([
      'expresses customer value', 'represents the strategy', 'leading indicator', 'actionable', 'understandable', 'measurable', 'not vanity',
    ]);
    expect(verdicts(CLEAN)).toEqual({
      'expresses customer value': 'pass',
      'represents the strategy': 'needs_data',
      'leading indicator': 'needs_data',
      actionable: 'pass',
      understandable: 'team_must_judge',
      measurable: 'needs_data',
      'not vanity': 'pass',
    });
    expect(checks[0].detail).toBe('it counts Message Sent, your kui event: the moment users get value');
  });

  it('uses data evidence when given', () => {
    const result = verdicts(CLEAN, { retentionCorrelation: 0.62, revenueCorrelation: 0.1 });
    expect(result['leading indicator']).toBe('pass');
    expect(result['represents the strategy']).toBe('warn');
    expect(northStarChecks(parseConfig(CLEAN), { retentionCorrelation: 0.62 })[2].detail).toBe(
      'its weekly series moves with retention (r = 0.62)',
    );
  });

  it('flags a vanity North Star, one without inputs, and revenue as lagging', () => {
    const vanity = CLEAN.replace('  event: Message Sent\n  where', '  event: Signed Up\n  where');
    expect(verdicts(vanity)).toMatchObject({ 'expresses customer value': 'warn', 'not vanity': 'warn' });
    const noInputs = CLEAN.replace('drives: north_star, ', '');
    expect(verdicts(noInputs).actionable).toBe('warn');
    const revenue = CLEAN.replace('  measure: count', '  measure: sum:revenue');
    expect(verdicts(revenue)['leading indicator']).toBe('warn');
  });
});

describe('several event names per step (docs/event-names.md)', () => {
  const LISTS = lines(
    'product: Acme', //                                                                                          1
    'journey:', //                                                                                               2
    '  visit: { event: Page Viewed }', //                                                                        3
    '  signup: { event: [Signed Up, signup_completed], owner: maya }', //                                        4
    '  setup:', //                                                                                               5
    '    event:', //                                                                                             6
    '      - Workspace Created', //                                                                              7
    '      - " workspace_created "', //                                                                          8
    'north_star: { name: Messages, event: [Message Sent, message_sent], where: { channel: { ne: self } }, measure: count, frequency: week }',
    'metrics:',
    '  - { id: teams, event: [Message Sent, message_sent], measure: unique_accounts, frequency: week }',
    'surveys:',
    '  nps: { event: [NPS Submitted, nps_submitted], score: score }',
    'heart:',
    '  task_success:',
    '    metrics:',
    '      - { id: upload, task: { start: [Upload Started, upload_started], complete: Upload Completed, error: [Upload Failed] } }',
    '  adoption:',
    '    metrics:',
    '      - { id: search, adoption: { event: [Search Used, search_used], launched: 2026-09-01 } }',
    'risk:',
    '  key_feature: { event: [Board Created, board_created] }',
    '  support_tickets: { event: [Ticket Opened, ticket_opened] }',
  );

  it('takes a list wherever an event is named, keeps one name as written, and the model holds every list', () => {
    const config = parseConfig(LISTS);
    expect(config.journey.visit.event).toBe('Page Viewed');
    expect(config.journey.signup.event).toEqual(['Signed Up', 'signup_completed']);
    expect(config.journey.setup!.event).toEqual(['Workspace Created', 'workspace_created']);
    const model = modelFromConfig(config);
    expect(model.journey.map((s) => s.selector.events)).toEqual([['Page Viewed'], ['Signed Up', 'signup_completed'], ['Workspace Created', 'workspace_created']]);
    // The filter goes with the step: it applies to every name.
    expect(model.northStar.selector).toEqual({ events: ['Message Sent', 'message_sent'], where: [{ property: 'channel', op: 'ne', value: 'self' }] });
    expect(model.retentionSelector).toEqual(model.northStar.selector);
    expect(model.metrics[0].selector.events).toEqual(['Message Sent', 'message_sent']);
    expect(model.risk!.keyFeature!.selector.events).toEqual(['Board Created', 'board_created']);
    expect(model.risk!.supportTickets!.events).toEqual(['Ticket Opened', 'ticket_opened']);
    const health = healthModelFromConfig(config);
    expect(health.surveys.nps!.events).toEqual(['NPS Submitted', 'nps_submitted']);
    const measurements = health.heart.flatMap((c) => c.metrics.map((m) => m.measurement));
    expect(measurements).toContainEqual({ kind: 'task', start: ['Upload Started', 'upload_started'], complete: ['Upload Completed'], error: ['Upload Failed'], key: undefined });
    expect(measurements).toContainEqual(expect.objectContaining({ kind: 'adoption', selector: { events: ['Search Used', 'search_used'], where: [] } }));
  });

  it('a single name parses as before', () => {
    expect(parseConfig(minimal()).journey.signup.event).toBe('Signed Up');
    expect(modelFromConfig(parseConfig(minimal())).journey[1].selector).toEqual({ events: ['Signed Up'], where: [] });
  });

  const cases: [string, string, string][] = [
    ['an empty list', replaceLine(4, '  signup: { event: [], owner: maya }'), 'truenorth.yaml:line 4 journey.signup.event: expected at least one event name, got an empty list'],
    ['a number in the list', replaceLine(4, '  signup: { event: [Signed Up, 42] }'), 'truenorth.yaml:line 4 journey.signup.event[1]: expected an event name (text), got 42'],
    ['an empty name in the list', replaceLine(5, 'north_star: { name: M, event: [Message Sent, ""], measure: count, frequency: week }'), 'truenorth.yaml:line 5 north_star.event[1]: event names must not be empty'],
    ['a name listed twice', replaceLine(4, '  signup: { event: [Signed Up, Signed Up] }'), 'truenorth.yaml:line 4 journey.signup.event[1]: "Signed Up" is listed twice'],
    ['a mapping instead of a name', replaceLine(3, '  visit: { event: { name: Page Viewed } }'), 'truenorth.yaml:line 3 journey.visit.event: expected an event name or a list of event names, got { name: "Page Viewed" }'],
    [
      'a bad item of a block list, on its own line',
      lines(...MINIMAL.slice(0, 4), '  setup:', '    event:', '      - Workspace Created', '      - [nested]', MINIMAL[4]),
      'truenorth.yaml:line 8 journey.setup.event[1]: expected an event name (text), got ["nested"]',
    ],
    ['an empty list for a task', minimal('heart:', '  task_success:', '    metrics:', '      - { id: t, task: { start: [], complete: Done } }'), 'truenorth.yaml:line 9 heart.task_success.metrics[0].task.start: expected at least one event name, got an empty list'],
    ['a missing event is still required', replaceLine(3, '  visit: { owner: maya }'), 'truenorth.yaml:line 3 journey.visit.event: is required'],
  ];
  it.each(cases)('%s', (_name, text, message) => {
    expect(errorOf(text).message).toBe(message);
  });

  it('lint compares names, not lists: a North Star sharing a name with signup is vanity; the same names as KUI in any order are its value step', () => {
    const vanity = replaceLine(5, 'north_star: { name: M, event: [signup_completed, Signed Up], measure: count, frequency: week }');
    expect(northStarChecks(parseConfig(vanity))[0].detail).toBe('it counts signups (Signed Up, the journey.signup event), which says nothing about the value customers get');
    const value = lines(
      ...MINIMAL.slice(0, 4),
      '  kui: { event: [message_sent, Message Sent], at_least: 3 }',
      'north_star: { name: Messages, event: [Message Sent, message_sent], measure: count, frequency: week }',
    );
    expect(northStarChecks(parseConfig(value))[0]).toEqual({
      check: 'expresses customer value', verdict: 'pass', detail: 'it counts Message Sent or message_sent, your kui event: the moment users get value',
    });
  });
});
