/**
 * The read API's objects, as the operation catalogue (src/app/) defines them: type-only aliases of
 * what each read answers, so the dashboard cannot drift from the server. The web imports types only.
 */
import type { READS } from '../../src/app/catalogue.js';
import type { ReadResult } from '../../src/app/operation.js';
import type { Unit as DashboardUnit } from '../../src/app/reads/dashboard.js';
import type { Checkin as StoredCheckin, ReviewNote as StoredReviewNote } from '../../src/engine/workspace.js';
import type { Segment as ModelSegment } from '../../src/model/metrics.js';
import type { Target as ModelTarget } from '../../src/model/scorecard-rows.js';
import type { FunnelReport as ServerFunnelReport, FunnelStep as ServerFunnelStep, WeeklyStagesReport } from '../../src/reports/funnel.js';
import type { HeartMetricResult } from '../../src/reports/heart.js';
import type { LeadingIndicator as ServerLeadingIndicator } from '../../src/reports/leading-candidates.js';
import type { PredictiveIndicator as ServerPredictiveIndicator } from '../../src/reports/predictive.js';
import type { Status as ScorecardStatus } from '../../src/reports/scorecard.js';

/** What `GET /api/v1/<read>` answers. */
type Answer<K extends keyof typeof READS> = ReadResult<(typeof READS)[K]>;

export type Status = ScorecardStatus;
/** How a value reads: the scorecard's units, and `number` for hand-entered values that are none of them. */
export type Unit = DashboardUnit;
export type Target = ModelTarget;
export type Segment = ModelSegment;

export type DashboardContext = Answer<'dashboard'>;

export type Scorecard = Answer<'scorecard'>;
export type ScorecardRow = Scorecard['rows'][number];
export type Bottleneck = NonNullable<Scorecard['bottleneck']>;
/** The alerts firing (`GET /api/v1/alerts`). */
export type Alerts = Answer<'alerts'>;
export type AlertItem = Alerts['alerts'][number];
/** Pace to target in the unfinished week (`GET /api/v1/pace`). */
export type Pace = Answer<'pace'>;
export type PaceRow = Pace['rows'][number];

export type ReviewNote = StoredReviewNote;
export type Checkin = StoredCheckin;

export type SeriesReport = Answer<'northStar'>;
export type FunnelStep = ServerFunnelStep;
export type FunnelReport = ServerFunnelReport;
export type WeeklyStages = WeeklyStagesReport;
export type PqlReport = Answer<'pql'>;
export type RetentionReport = Answer<'retention'>;

export type RevenueReport = Answer<'revenue'>;
export type RevenuePeriod = RevenueReport['periods'][number];
export type SurveysReport = Answer<'surveys'>;
export type BenchmarksReport = Answer<'benchmarks'>;
export type HeartReport = Answer<'heart'>;
export type HeartMetric = HeartMetricResult;
export type GuardrailsReport = Answer<'guardrails'>;

export type LeadingReport = Answer<'leading'>;
export type LeadingIndicator = ServerLeadingIndicator;
export type TreeReport = Answer<'tree'>;
export type RiskReport = Answer<'risk'>;
export type PeopleList = Answer<'people'>;
export type PersonRow = PeopleList['rows'][number];
export type PredictiveReport = Answer<'predictive'>;
export type PredictiveIndicator = ServerPredictiveIndicator;

export type OkrsReport = Answer<'okrs'>;
export type KeyResult = OkrsReport['objectives'][number]['key_results'][number];
export type ManualEntry = Answer<'record'>['entries'][number];

export type WhyReport = Answer<'why'>;
