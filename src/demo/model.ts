/**
 * Every knob of the Acme Chat story in one place. The planted facts (bottleneck, aha moment, decoy,
 * metric-tree driver) are the PLANTED_* constants; the rest shapes a believable product.
 * Rates are per signup unless said otherwise; "ideal" = role engineer|pm and company_size >= 10.
 */

export const PRODUCT = 'Acme Chat';
export const DEFAULT_USERS = 3000;
export const DEFAULT_SEED = 42;
export const DEFAULT_WEEKS = 16;
export const MIN_WEEKS = 12;
export const DEFAULT_END_DATE = '2026-11-16';

// ---------------------------------------------------------------------------------------------
// Acquisition

/** Week-over-week growth of signups (and of the visitors that bring them). */
export const WEEKLY_GROWTH = 0.025;
/** Relative traffic on Saturday and Sunday (weekdays = 1). */
export const WEEKEND_TRAFFIC = 0.55;
/** Anonymous visitors who never sign up, per signup: weekly visit -> signup is then ~7.3 %. */
export const NON_CONVERTING_VISITORS_PER_SIGNUP = 11.3;
/** Share of non-converting visitors who come back once or twice within 14 days. */
export const VISITOR_RETURN_RATE = 0.18;
/** How long before signing up a converting visitor first arrived: same session, or days before. */
export const SAME_SESSION_SIGNUP = 0.6;
export const MAX_DAYS_VISIT_BEFORE_SIGNUP = 6;

export const UTM_SOURCES: readonly { source: string | null; medium: string | null; weight: number }[] = [
  { source: null, medium: null, weight: 30 },
  { source: 'google', medium: 'cpc', weight: 18 },
  { source: 'google', medium: 'organic', weight: 16 },
  { source: 'linkedin', medium: 'social', weight: 9 },
  { source: 'twitter', medium: 'social', weight: 6 },
  { source: 'producthunt', medium: 'referral', weight: 5 },
  { source: 'newsletter', medium: 'email', weight: 7 },
  { source: 'g2', medium: 'referral', weight: 5 },
  { source: 'partner', medium: 'referral', weight: 4 },
];

export const MARKETING_PAGES: readonly { path: string; title: string; weight: number }[] = [
  { path: '/', title: 'Acme Chat — team chat that keeps up', weight: 40 },
  { path: '/pricing', title: 'Pricing — Acme Chat', weight: 16 },
  { path: '/features', title: 'Features — Acme Chat', weight: 12 },
  { path: '/integrations', title: 'Integrations — Acme Chat', weight: 7 },
  { path: '/customers', title: 'Customers — Acme Chat', weight: 5 },
  { path: '/blog/async-standups', title: 'Async standups that work — Acme Chat blog', weight: 6 },
  { path: '/blog/slack-alternatives', title: 'Slack alternatives for engineering teams', weight: 8 },
  { path: '/docs/getting-started', title: 'Getting started — Acme Chat docs', weight: 6 },
];

/** Share of actors tracked with the PostHog SDK instead of Segment (~10 % of messages). */
export const POSTHOG_SHARE = 0.1;

// ---------------------------------------------------------------------------------------------
// Profiling answers (identify traits) and the ideal user profile

export const ROLES: readonly { role: string; weight: number }[] = [
  { role: 'engineer', weight: 30 },
  { role: 'pm', weight: 14 },
  { role: 'designer', weight: 12 },
  { role: 'founder', weight: 16 },
  { role: 'student', weight: 12 },
  { role: 'marketer', weight: 16 },
];
export const IDEAL_ROLES: readonly string[] = ['engineer', 'pm'];
export const IDEAL_MIN_COMPANY_SIZE = 10;
/** Company size buckets [lo, hi] with weights (students are always 1–5). */
export const COMPANY_SIZES: readonly { lo: number; hi: number; weight: number }[] = [
  { lo: 1, hi: 9, weight: 40 },
  { lo: 10, hi: 49, weight: 31 },
  { lo: 50, hi: 199, weight: 18 },
  { lo: 200, hi: 2000, weight: 11 },
];

// ---------------------------------------------------------------------------------------------
// PLANTED: the journey and its bottleneck
//
// signup -> setup is the planted bottleneck: ~20 % actual against a 60 % target (ratio ~3), while
// every other step runs a little above its target (ratios 0.8–0.95).

/** P(Workspace Created | signup), by ideal; multiplied by the inviter factor below. */
export const PLANTED_SETUP_RATE = { ideal: 0.3, other: 0.165 } as const;
/** Inviting teammates in the signup wizard makes finishing setup more likely. */
export const SETUP_FACTOR_INVITER = 1.3;
export const SETUP_FACTOR_NON_INVITER = 0.88;
/** P(first Message Sent | setup). */
export const FIRST_STRIKE_RATE = { ideal: 0.86, other: 0.7 } as const;
/** P(>= 50 messages in the first 14 days | first strike), times the inviter factor. */
export const KUI_RATE = { ideal: 0.47, other: 0.31 } as const;
export const KUI_FACTOR_INVITER = 1.15;
export const KUI_FACTOR_NON_INVITER = 0.94;
/** P(Subscription Started | KUI); accounts that never hit the KUI rarely pay. */
export const UPGRADE_RATE = { ideal: 0.43, other: 0.28 } as const;
export const UPGRADE_RATE_WITHOUT_KUI = 0.015;

/** Config targets (target_rate on the later stage). Chosen so only setup is far below target. */
export const TARGET_RATES = {
  signup: 0.065,
  setup: 0.6,
  first_strike: 0.7,
  kui: 0.35,
  upgrade: 0.3,
} as const;

export const KUI_THRESHOLD = 50;
export const KUI_WINDOW_DAYS = 14;
/** Messages in the first 14 days: KUI users well above 50, others well below. */
export const KUI_ONBOARDING_MESSAGES = { lo: 58, hi: 150 } as const;
export const LIGHT_ONBOARDING_MESSAGES_MAX = 34;

// ---------------------------------------------------------------------------------------------
// PLANTED: the aha moment and the decoy

/** ">= 3 Invite Sent in the first 7 days after signup" — about 30 % of signups do it. */
export const AHA_INVITES = 3;
export const AHA_DAYS = 7;
export const PLANTED_INVITER_RATE = { ideal: 0.42, other: 0.25 } as const;
/** Inviters churn far less: weekly churn hazard multiplier (the core of the ~2.5x retention lift). */
export const PLANTED_INVITER_CHURN_FACTOR = 0.5;
/** Decoy: >= 1 Search Performed in the first 7 days, the same share in every journey stratum. */
export const DECOY_SEARCH_RATE = 0.84;

// ---------------------------------------------------------------------------------------------
// Retention (weekly activity after the first strike)

/** P(still active) in week k after the signup week, k = 1, 2, 3, 4+, before the factors below. */
export const WEEKLY_SURVIVAL = [0.52, 0.66, 0.78, 0.87] as const;
export const CHURN_FACTOR_KUI = 0.45;
export const CHURN_FACTOR_IDEAL = 0.85;
export const CHURN_FACTOR_PAID = 0.12;
/** Past its first month a paying team cancels with this weekly hazard (≈ 2–4 % a month): growth-stage SaaS churn. */
export const PAID_WEEKLY_CHURN = 0.006;
/** An alive user still has the odd quiet week. */
export const QUIET_WEEK_RATE = 0.06;
/** Messages per week after onboarding (log-normal means). */
export const WEEKLY_MESSAGES = { kui: 44, light: 7 } as const;
export const LIGHT_WEEKLY_MESSAGES_MAX = 14;
export const PAID_MESSAGE_FACTOR = 1.2;
/** Share of messages posted to the user's own notes channel (`self`), which the North Star excludes. */
export const CHANNELS: readonly { channel: string; weight: number }[] = [
  { channel: 'general', weight: 26 },
  { channel: 'random', weight: 12 },
  { channel: 'self', weight: 12 },
  { channel: 'engineering', weight: 16 },
  { channel: 'product', weight: 10 },
  { channel: 'design', weight: 5 },
  { channel: 'support', weight: 6 },
  { channel: 'announcements', weight: 3 },
  { channel: 'dm', weight: 10 },
];

// ---------------------------------------------------------------------------------------------
// PLANTED: the metric-tree driver

/**
 * Integration Connected leads the North Star by one week: each week has a campaign intensity
 * (partner launches, marketplace promos) that scales how many active KUI users connect an
 * integration; a user who connected one last week sends PLANTED_INTEGRATION_BOOST times the messages.
 */
export const PLANTED_INTEGRATION_WEEKLY_RATE = 0.12;
export const PLANTED_INTEGRATION_BOOST = 3;
export const CAMPAIGN_INTENSITY = { lo: 0.1, hi: 3 } as const;
export const INTEGRATIONS: readonly string[] = ['github', 'jira', 'google-drive', 'zoom', 'pagerduty', 'figma', 'linear', 'sentry'];

// ---------------------------------------------------------------------------------------------
// Other product usage (per active week unless said otherwise)

export const LATER_INVITES_PER_WEEK = { kui: 0.5, light: 0.15 } as const;
export const FILES_PER_MESSAGE = 0.05;
export const SEARCHES_PER_MESSAGE = 0.06;
export const EXPORT_WEEKLY_RATE = { kui: 0.25, light: 0.06 } as const;
export const EXPORT_FAILURE_RATE = 0.12;
export const SUPPORT_TICKET_WEEKLY_RATE = 0.03;
/** Paying accounts about to cancel open tickets (a churn-risk signal). */
export const SUPPORT_TICKET_BEFORE_CANCEL_RATE = 0.6;
export const CSAT_RESPONSE_RATE = 0.6;
export const NPS_WEEKLY_RATE = 0.06;
export const PMF_SURVEY_RATE = 0.4;
export const MARKETING_REVISIT_WEEKLY_RATE = 0.05;
export const SECOND_DEVICE_WEEKLY_RATE = 0.012;
export const SEARCH_SCOPES: readonly string[] = ['messages', 'files', 'people', 'help'];
export const EXPORT_FORMATS: readonly string[] = ['csv', 'json', 'pdf'];

// ---------------------------------------------------------------------------------------------
// Billing (USD, monthly MRR; annual plans count price / 12)

export const PLANS: readonly { plan: string; seatPrice: number; billing: 'monthly' | 'annual'; weight: number }[] = [
  { plan: 'team', seatPrice: 10, billing: 'monthly', weight: 55 },
  { plan: 'business', seatPrice: 18, billing: 'monthly', weight: 30 },
  { plan: 'business-annual', seatPrice: 180 / 12, billing: 'annual', weight: 15 },
];
export const DISCOUNT_RATE = 0.12;
export const DISCOUNT = 0.2;
export const EXPANSION_WEEKLY_RATE = 0.15;
export const CONTRACTION_WEEKLY_RATE = 0.003;
/** A paying team whose use fades (the week before it goes quiet) drops seats in the next two weeks this often. */
export const CONTRACTION_WHEN_FADING = 1;
/** A paying team's use in the week it fades, against its usual rate (other users fade to 0.45). */
export const PAID_FADE = 0.25;
export const PLAN_UPGRADE_WEEKLY_RATE = 0.012;
export const REACTIVATION_RATE = 0.3;
/** Paying accounts that drop back to the free plan while still using the product. */
export const DOWNGRADE_WEEKLY_RATE = 0.001;
export const CANCELLATION_REASONS: readonly string[] = ['too_expensive', 'switched_to_slack', 'team_disbanded', 'missing_features', 'not_using'];

// ---------------------------------------------------------------------------------------------
// Hand-entered finance (manual.csv), for the default 3000 signups; scaled with the signup count.

export const FINANCE = {
  startingCash: 2_400_000,
  monthlyBurn: 96_000,
  weeklyMarketingSpend: 8_800,
  enteredBy: 'cfo@acme.io',
} as const;

// ---------------------------------------------------------------------------------------------
// Owners (config)

export const OWNERS = {
  ceo: 'ceo@acme.io',
  marketing: 'maya@acme.io',
  onboarding: 'li@acme.io',
  sales: 'sam@acme.io',
  finance: 'cfo@acme.io',
  success: 'jo@acme.io',
  integrations: 'priya@acme.io',
  growth: 'noah@acme.io',
} as const;
