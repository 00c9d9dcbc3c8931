/** The commented `truenorth.yaml` that `truenorth init` writes. It must parse with parseConfig. */

export function exampleConfigYaml(productName = 'My Product'): string {
  return TEMPLATE.replace('__PRODUCT__', yamlString(productName));
}

/** A plain scalar when that reads back as the same text, else a double-quoted (JSON) string. */
function yamlString(value: string): string {
  const plain = /^[A-Za-z][\w .&'()/-]*$/.test(value) && !/\s$/.test(value) && !/ #|: /.test(value);
  const keyword = /^(true|false|yes|no|on|off|null|~)$/i.test(value);
  return plain && !keyword ? value : JSON.stringify(value);
}

const TEMPLATE = `# truenorth.yaml — your North Star, journey, business health and weekly scorecard.
# Every key below is explained; delete what you do not need. \`truenorth lint\` checks this file.
# Durations are written like 14d, 36h, 2w. Targets are { gte: n }, { lte: n } or { between: [lo, hi] }.
# Filters ("where", "ideal_user") map a property to conditions:
#   { plan: { eq: pro }, seats: { gte: 5 }, country: { in: [FR, DE] }, email: { exists: true } }
#   operators: eq, ne, in, nin, gt, gte, lt, lte, contains, exists (several on one property = AND).

product: __PRODUCT__
timezone: UTC             # IANA name (Europe/Paris, America/New_York); weeks and months use it
week_start: monday        # monday | sunday
stage: early              # pre-launch | early | growth | mature — picks the PMF and retention benchmarks
business_model: b2b       # b2b | b2c — b2b metrics can be counted per account
conversion_window: 14d    # how long a user has to go from the first journey step to the last

# Ideal user profile: traits captured at signup (identify) that describe the users you want most.
# Every funnel and metric can be split ideal / not ideal; PQLs are ideal users who hit the KUI.
ideal_user:
  role: { in: [engineer, product manager] }
  company_size: { gte: 10 }

# The six go-to-market journey stages. visit and signup are required, the others optional.
# Each stage: event (+ where filters), optionally at_least n times within a duration of signup,
# one owner, a target for the weekly count, and target_rate for the conversion from the previous stage.
journey:
  visit:        { event: Page Viewed }
  signup:       { event: Signed Up, owner: maya@example.com, target: { gte: 400 } }
  setup:        { event: Workspace Created, owner: li@example.com, target_rate: 0.6 }
  first_strike: { event: Message Sent, owner: li@example.com }
  kui:          { event: Message Sent, at_least: 50, within: 14d, owner: sam@example.com }
  upgrade:      { event: Subscription Started, owner: sam@example.com, target_rate: 0.3 }

# The North Star Metric: the one number that captures the value customers get.
# quality (event + where) x quantity (measure) x frequency.
#   measure:   count | unique_users | unique_accounts | sum:<property>
#   frequency: day | week | month
#   per:       account | user — divide by the accounts/users active in the period (optional)
#   at_least:  n — count users who did it at least n times in the period ("weekly learning users")
#   drives:    business outcomes it should move, e.g. [health.mrr]
north_star:
  name: Messages sent per week
  event: Message Sent
  where: { channel: { ne: self } }
  measure: count
  frequency: week
  drives: [health.mrr]
  owner: ceo@example.com
  target: { gte: 12000 }

# Input metrics: what teams move to grow the North Star (drives: north_star), another metric
# (drives: <metric id>) or an outcome (drives: health.<name>). source: manual = entered by hand.
metrics:
  - id: active_teams
    name: Weekly active teams
    event: Message Sent
    measure: unique_accounts
    frequency: week
    drives: north_star
    owner: li@example.com
    target: { gte: 150 }
  - id: demos_booked
    name: Demos booked
    source: manual
    frequency: week
    drives: active_teams
    owner: maya@example.com
  # A metric can be a formula over other metrics' ids (+ - * / and parentheses), e.g. with a metric
  # messages_per_team (event: Message Sent, measure: count, per: account):
  # - { id: team_messages, formula: active_teams * messages_per_team, frequency: week }
  # On the North Star, formula: says how it breaks down; \`truenorth why north_star\` splits its change.

# Business health, computed from the subscription ledger (or entered by hand with source: manual).
# Known: mrr, revenue_churn, nrr, grr, customer_churn, arpc, quick_ratio, cltv, cac, cltv_cac,
# cash_balance, burn, runway. cash_balance and burn are always entered by hand; any other name
# is a custom number and needs source: manual.
health:
  mrr:           { owner: cfo@example.com, target: { gte: 50000 } }
  revenue_churn: { owner: cfo@example.com, target: { lte: 0.02 } }
  cash_balance:  { owner: cfo@example.com }
gross_margin: 0.8         # used by CLTV and CAC payback

# Surveys, read from events: the property holding the answer or score.
surveys:
  pmf: { event: Survey Answered, answer: response }   # Sean Ellis: share of "very disappointed"
  nps: { event: NPS Submitted, score: score }         # 0–10
  # csat: { event: CSAT Submitted, score: score }     # 1–5

# OKRs: key results bound to a scorecard row (north_star, journey.<stage>, health.<name>, a metric id).
okrs:
  - objective: Accelerate new user activation
    due: 2026-12-31
    key_results:
      - { metric: journey.setup, from: 250, to: 400 }

# The weekly scorecard: the North Star, the journey stages, the health entries and the metrics
# listed in rows (default: all metrics). Less is more: keep it to 10 rows or fewer, one owner each,
# and no one owning more than 3. Above, the North Star, 6 stages and 3 health entries already make 10.
scorecard:
  weeks: 13               # weeks shown (13 = a quarter)
  rows: []                # e.g. [active_teams]

# Why it moved (truenorth why <row>): also split each change by this trait (user.<trait> or account.<trait>).
# why: { breakdown: account.plan }

# Cohort retention: the action that counts as "retained" (default: the North Star action).
# retention: { event: Message Sent }

# Where the data lives. engine: duckdb (a local file, the default) | clickhouse.
database:
  path: truenorth.duckdb
  # engine: clickhouse
  # clickhouse_url: http://localhost:8123

# truenorth serve: the dashboard and API. Bind beyond 127.0.0.1 only behind auth.
server:
  host: 127.0.0.1
  port: 8765
`;
