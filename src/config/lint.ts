/**
 * Config-only checks (docs/configuration.md, "lint": the data traps a config can fall into) and Amplitude's seven North Star
 * checks. Checks that need data take it through the optional `evidence` argument.
 */
import { eventsLabel } from '../model/metrics.js';
import { MAX_ROWS_PER_OWNER, MAX_SCORECARD_ROWS, type ScorecardRowDefinition } from '../model/scorecard-rows.js';
import { scorecardRowsFromConfig } from './model.js';
import { eventList, summedProperty, type Config, type EventNames } from './schema/index.js';

export interface LintFinding {
  level: 'error' | 'warn' | 'info';
  rule: string;
  message: string;
  /** Dotted key path in truenorth.yaml the finding is about. */
  path: string;
  /** Its 1-based line in the file, where the file is at hand (the CLI). */
  line?: number;
}

const PAGE_VIEW_EVENTS = ['Page Viewed', '$pageview', 'Screen Viewed', '$screen'];
const VANITY_PROPERTY = /visit|sign_?ups?|page_?views?/i;

/** Why the North Star is a vanity metric (visits, signups, page views), or undefined. */
export function vanityReason(config: Config): string | undefined {
  const { measure } = config.north_star;
  const names = eventList(config.north_star.event);
  const shared = (stage: EventNames) => names.find((name) => eventList(stage).includes(name));
  const pageView = names.find((name) => PAGE_VIEW_EVENTS.includes(name));
  if (pageView) return `it counts page views (${pageView})`;
  const visit = shared(config.journey.visit.event);
  if (visit) return `it counts visits (${visit}, the journey.visit event)`;
  const signup = shared(config.journey.signup.event);
  if (signup) return `it counts signups (${signup}, the journey.signup event)`;
  const property = summedProperty(measure);
  if (property && VANITY_PROPERTY.test(property)) return `it sums ${property}, a count of visits, signups or page views`;
  return undefined;
}

export function lintConfig(config: Config): LintFinding[] {
  const rows = scorecardRowsFromConfig(config);
  return [...ownershipFindings(rows), ...northStarFindings(config), ...idealUserFindings(config), ...targetFindings(rows)];
}

/** Few rows, each with exactly one owner, nobody owning too many. */
function ownershipFindings(rows: ScorecardRowDefinition[]): LintFinding[] {
  const findings: LintFinding[] = [];
  if (rows.length > MAX_SCORECARD_ROWS) {
    findings.push({
      level: 'warn',
      rule: 'too-many-rows',
      message: `the scorecard has ${rows.length} rows; keep it to ${MAX_SCORECARD_ROWS} or fewer (less is more)`,
      path: 'scorecard',
    });
  }

  for (const row of rows) {
    // Unique visits are usually watched by everyone rather than owned, so an ownerless visit row is allowed.
    if (!row.owner && row.id !== 'journey.visit') {
      findings.push({
        level: 'error',
        rule: 'row-without-owner',
        message: `scorecard row ${row.id} has no owner; every row needs exactly one`,
        path: `${row.path}.owner`,
      });
    }
  }

  const rowsByOwner = new Map<string, ScorecardRowDefinition[]>();
  for (const row of rows) {
    if (row.owner) rowsByOwner.set(row.owner, [...(rowsByOwner.get(row.owner) ?? []), row]);
  }
  for (const [owner, owned] of rowsByOwner) {
    if (owned.length > MAX_ROWS_PER_OWNER) {
      findings.push({
        level: 'warn',
        rule: 'owner-too-many-rows',
        message: `${owner} owns ${owned.length} scorecard rows (${owned.map((r) => r.id).join(', ')}); more than ${MAX_ROWS_PER_OWNER} is too many for one person`,
        path: `${owned[MAX_ROWS_PER_OWNER].path}.owner`,
      });
    }
  }
  return findings;
}

function northStarFindings(config: Config): LintFinding[] {
  const findings: LintFinding[] = [];
  const vanity = vanityReason(config);
  if (vanity) {
    findings.push({
      level: 'warn',
      rule: 'vanity-north-star',
      message: `the North Star looks like a vanity metric: ${vanity}; pick the action that shows customers getting value`,
      path: summedProperty(config.north_star.measure) && !eventList(config.north_star.event).some((name) => PAGE_VIEW_EVENTS.includes(name)) ? 'north_star.measure' : 'north_star.event',
    });
  }
  return findings;
}

function idealUserFindings(config: Config): LintFinding[] {
  const findings: LintFinding[] = [];
  if (!config.ideal_user || Object.keys(config.ideal_user).length === 0) {
    findings.push({
      level: 'warn',
      rule: 'no-ideal-user',
      message: 'no ideal_user profile: funnels cannot be split ideal / not ideal and PQLs cannot be found',
      path: 'ideal_user',
    });
  }
  return findings;
}

function targetFindings(rows: ScorecardRowDefinition[]): LintFinding[] {
  const findings: LintFinding[] = [];
  for (const row of rows) {
    if (!row.target && row.id !== 'journey.visit') {
      findings.push({
        level: 'info',
        rule: 'row-without-target',
        message: `scorecard row ${row.id} has no target, so it will show "no target"; backfill a few weeks for a baseline`,
        path: `${row.path}.target`,
      });
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// Amplitude's seven North Star checks

export const NORTH_STAR_CHECKS = [
  'expresses customer value',
  'represents the strategy',
  'leading indicator',
  'actionable',
  'understandable',
  'measurable',
  'not vanity',
] as const;
export type NorthStarCheckName = (typeof NORTH_STAR_CHECKS)[number];

export interface NorthStarCheck {
  check: NorthStarCheckName;
  verdict: 'pass' | 'warn' | 'team_must_judge' | 'needs_data';
  detail: string;
}

/** Measured from data by the caller: correlation (−1..1) of the weekly North Star series with each. */
export interface NorthStarEvidence {
  retentionCorrelation?: number;
  revenueCorrelation?: number;
  /** Events the store holds under the North Star's event name(s). */
  northStarEvents?: number;
}

/** A correlation at or above this counts as "moves with" retention or revenue. */
export const MIN_EVIDENCE_CORRELATION = 0.3;
const REVENUE_PROPERTY = /revenue|mrr|arr\b|amount|price|paid|payment/i;

/** "Measurable" only with rows to measure: never a pass for an event the store does not hold. */
type Judgement = Pick<NorthStarCheck, 'verdict' | 'detail'>;

function measurable(ns: Config['north_star'], events: number | undefined): Judgement {
  const how = `${ns.measure}${ns.at_least ? ` (at least ${ns.at_least} times)` : ''}${ns.per ? ` per ${ns.per}` : ''} per ${ns.frequency}`;
  const names = eventsLabel(eventList(ns.event));
  if (events === undefined) return { verdict: 'needs_data', detail: `computed from ${names} events (${how}); needs the data to tell whether the store holds any` };
  if (events === 0) return { verdict: 'warn', detail: `the store holds no ${names} events, so it would be 0 every ${ns.frequency}` };
  return { verdict: 'pass', detail: `computed from ${events.toLocaleString('en-US')} ${names} events: ${how}` };
}

export function northStarChecks(config: Config, evidence: NorthStarEvidence = {}): NorthStarCheck[] {
  const ns = config.north_star;
  const vanity = vanityReason(config);
  const check = (name: NorthStarCheckName, result: Judgement): NorthStarCheck => ({ check: name, ...result });
  return [
    check('expresses customer value', customerValue(config, vanity)),
    check(
      'represents the strategy',
      evidence.revenueCorrelation !== undefined
        ? byCorrelation(evidence.revenueCorrelation, 'revenue')
        : { verdict: 'needs_data', detail: 'needs weekly data to correlate it with revenue; the team must also judge that growing it is the strategy' },
    ),
    check('leading indicator', leadingIndicator(ns, evidence)),
    check('actionable', actionable(config)),
    check('understandable', understandable(ns)),
    check('measurable', measurable(ns, evidence.northStarEvents)),
    check(
      'not vanity',
      vanity ? { verdict: 'warn', detail: vanity } : { verdict: 'pass', detail: 'it does not count visits, signups or page views' },
    ),
  ];
}

function byCorrelation(r: number, what: string): Judgement {
  return {
    verdict: r >= MIN_EVIDENCE_CORRELATION ? 'pass' : 'warn',
    detail: `its weekly series ${r >= MIN_EVIDENCE_CORRELATION ? 'moves with' : 'barely moves with'} ${what} (r = ${r.toFixed(2)})`,
  };
}

function customerValue(config: Config, vanity: string | undefined): Judgement {
  const ns = config.north_star;
  const nsEvents = eventsLabel([...eventList(ns.event)].sort());
  const valueStage = (['kui', 'first_strike'] as const).find((stage) => {
    const event = config.journey[stage]?.event;
    return event !== undefined && eventsLabel([...eventList(event)].sort()) === nsEvents;
  });
  const nsLabel = eventsLabel(eventList(ns.event));
  return vanity
    ? { verdict: 'warn', detail: `${vanity}, which says nothing about the value customers get` }
    : valueStage
      ? { verdict: 'pass', detail: `it counts ${nsLabel}, your ${valueStage} event: the moment users get value` }
      : { verdict: 'team_must_judge', detail: `does ${nsLabel} happen only when a customer gets value? Look at what your best-retained users do` };
}

function leadingIndicator(ns: Config['north_star'], evidence: NorthStarEvidence): Judgement {
  const summed = summedProperty(ns.measure);
  return evidence.retentionCorrelation !== undefined
    ? byCorrelation(evidence.retentionCorrelation, 'retention')
    : summed && REVENUE_PROPERTY.test(summed)
      ? { verdict: 'warn', detail: `it sums ${summed}: revenue is a lagging outcome; count the action that earns it` }
      : { verdict: 'needs_data', detail: 'needs weekly data to correlate it with retention' };
}

function actionable(config: Config): Judgement {
  const ns = config.north_star;
  const inputs = config.metrics.filter((metric) => metric.drives === 'north_star').map((metric) => metric.id);
  return !ns.owner
    ? { verdict: 'warn', detail: 'it has no owner' }
    : inputs.length
      ? { verdict: 'pass', detail: `owned by ${ns.owner}; input metrics that drive it: ${inputs.join(', ')}` }
      : { verdict: 'warn', detail: 'no metric has drives: north_star; add the input metrics teams can move' };
}

function understandable(ns: Config['north_star']): Judgement {
  const conditions = Object.values(ns.where ?? {}).reduce((n, condition) => n + Object.keys(condition).length, 0);
  const complexity = conditions + (ns.per ? 1 : 0) + (ns.at_least ? 1 : 0);
  return ns.name.length > 60 || complexity > 3
    ? { verdict: 'warn', detail: `"${ns.name}" has ${complexity} conditions and a ${ns.name.length}-character name; a metric people cannot say in one breath will not guide them` }
    : { verdict: 'team_must_judge', detail: `the definition is simple (one event, ${complexity} condition${complexity === 1 ? '' : 's'}); can everyone explain "${ns.name}"?` };
}
