/**
 * The demo's truenorth.yaml (docs/configuration.md). Count targets are set from the generated data (so they scale
 * with --users) and chained with the rate targets; the rate targets put signup -> setup far below
 * target (the planted bottleneck) and every other step a little above.
 */
import { quarterEnd } from './calendar.js';
import { IDEAL_MIN_COMPANY_SIZE, IDEAL_ROLES, KUI_THRESHOLD, KUI_WINDOW_DAYS, OWNERS, PRODUCT, TARGET_RATES } from './model.js';
import type { Stats } from './stats.js';
import { DAY_MS } from '../model/time.js';

export interface ConfigTargets {
  visit: number;
  signup: number;
  setup: number;
  first_strike: number;
  kui: number;
  upgrade: number;
  northStar: number;
  northStarNow: number;
  integrations: number;
  invites: number;
  mrr: number;
  cash: number;
}

/** Two significant digits, rounded in the given direction. */
export function nice(value: number, direction: 'up' | 'down' | 'nearest' = 'nearest'): number {
  if (!(value > 0)) return 0;
  const magnitude = Math.pow(10, Math.max(0, Math.floor(Math.log10(value)) - 1));
  const f = direction === 'up' ? Math.ceil : direction === 'down' ? Math.floor : Math.round;
  return f(value / magnitude) * magnitude;
}

function recentMean(series: Float64Array, weeks = 4): number {
  const from = Math.max(0, series.length - weeks);
  let sum = 0;
  for (let i = from; i < series.length; i++) sum += series[i];
  return sum / Math.max(1, series.length - from);
}

export function configTargets(stats: Stats, cashNow: number): ConfigTargets {
  const wk = stats.weekly;
  const visit = nice(recentMean(wk.visits) * 0.95, 'down');
  const signup = Math.max(1, nice(visit * TARGET_RATES.signup));
  const setup = Math.max(1, nice(signup * TARGET_RATES.setup));
  const firstStrike = Math.max(1, nice(setup * TARGET_RATES.first_strike));
  const kui = Math.max(1, nice(firstStrike * TARGET_RATES.kui));
  const upgrade = Math.max(1, nice(kui * TARGET_RATES.upgrade));
  const ns = recentMean(wk.northStar);
  return {
    visit, signup, setup, first_strike: firstStrike, kui, upgrade,
    northStar: Math.max(1, nice(ns * 1.1, 'up')),
    northStarNow: nice(ns),
    integrations: Math.max(1, nice(recentMean(wk.integrations) * 1.1, 'up')),
    invites: Math.max(1, nice(recentMean(wk.invites) * 1.1, 'up')),
    mrr: Math.max(100, nice(stats.mrrTotal() * 1.3, 'up')),
    cash: nice(cashNow * 0.8, 'down'),
  };
}

export function configYaml(t: ConfigTargets, endMs: number): string {
  const due = quarterEnd(endMs - DAY_MS);
  return `# truenorth.yaml for the ${PRODUCT} demo (written by \`truenorth demo\`).
# ${PRODUCT} is a B2B team chat product. Weekly count targets were set from the generated data;
# the rate targets (target_rate = conversion from the previous stage) are what the team aims for.
# The scorecard should show signup -> setup as the bottleneck: ~20 % of signups create a workspace
# against a 60 % target, while every other step is a little above its target.

product: ${PRODUCT}
timezone: UTC
stage: growth             # pre-launch | early | growth | mature
business_model: b2b       # b2b | b2c
conversion_window: 14d

# Ideal user profile: profiling answers sent with identify at signup.
ideal_user: { role: { in: [${IDEAL_ROLES.join(', ')}] }, company_size: { gte: ${IDEAL_MIN_COMPANY_SIZE} } }

# The six go-to-market journey stages: one owner and one target each.
journey:
  visit:        { event: Page Viewed, owner: ${OWNERS.marketing}, target: { gte: ${t.visit} } }
  signup:       { event: Signed Up, owner: ${OWNERS.marketing}, target: { gte: ${t.signup} }, target_rate: ${TARGET_RATES.signup} }
  setup:        { event: Workspace Created, owner: ${OWNERS.onboarding}, target: { gte: ${t.setup} }, target_rate: ${TARGET_RATES.setup} }
  first_strike: { event: Message Sent, owner: ${OWNERS.onboarding}, target: { gte: ${t.first_strike} }, target_rate: ${TARGET_RATES.first_strike} }
  kui:          { event: Message Sent, at_least: ${KUI_THRESHOLD}, within: ${KUI_WINDOW_DAYS}d, owner: ${OWNERS.sales}, target: { gte: ${t.kui} }, target_rate: ${TARGET_RATES.kui} }
  upgrade:      { event: Subscription Started, owner: ${OWNERS.sales}, target: { gte: ${t.upgrade} }, target_rate: ${TARGET_RATES.upgrade} }

# The North Star: messages people send to their team each week (notes to self do not count).
north_star:
  name: Messages sent per week
  event: Message Sent
  where: { channel: { ne: self } }
  measure: count
  frequency: week
  drives: [health.mrr]
  owner: ${OWNERS.ceo}
  target: { gte: ${t.northStar} }

# Input metrics of the metric tree. Integrations connected lead the North Star by about a week.
metrics:
  - id: integrations_connected
    name: Integrations connected
    event: Integration Connected
    measure: count
    frequency: week
    drives: north_star
    owner: ${OWNERS.integrations}
    target: { gte: ${t.integrations} }
  - id: invites_sent
    name: Invites sent
    event: Invite Sent
    measure: count
    frequency: week
    drives: north_star
    owner: ${OWNERS.growth}
    target: { gte: ${t.invites} }
  - id: sales_marketing_spend
    name: Sales & marketing spend (USD)
    source: manual          # entered weekly by finance (manual.csv); CAC = spend / new customers
    frequency: week
    owner: ${OWNERS.finance}

# Business health from the subscription ledger (subscriptions.csv) and hand-entered numbers.
health:
  mrr:           { owner: ${OWNERS.finance}, target: { gte: ${t.mrr} } }
  revenue_churn: { owner: ${OWNERS.success}, target: { lte: 0.02 } }
  nrr:           { owner: ${OWNERS.success}, target: { gte: 1.0 } }
  cash_balance:  { source: manual, owner: ${OWNERS.finance}, target: { gte: ${t.cash} } }
gross_margin: 0.8

surveys:
  pmf:  { event: Survey Answered, answer: response }   # share of "very disappointed"
  nps:  { event: NPS Submitted, score: score }         # 0–10
  csat: { event: CSAT Submitted, score: score }        # 1–5

okrs:
  - objective: Get every new team to its first conversation
    due: ${due}
    key_results:
      - { metric: journey.setup, from: 0.2, to: 0.4 }
      - { metric: north_star, from: ${t.northStarNow}, to: ${nice(t.northStarNow * 1.5, 'up')} }

# The scorecard: the North Star, the six stages and the health entries, over a quarter.
# The input metrics appear in the metric tree; add them here (rows: [integrations_connected]) to track weekly.
scorecard:
  weeks: 13
  rows: []
`;
}
