/**
 * What the bench times: every read of the operation catalogue, with its default parameters, as
 * `truenorth <name>` runs it without flags. The six with a hand-written baseline (reports.ts) are
 * also compared with it; the others are timed alone.
 */
import { READ_OPERATIONS } from '../../src/app/catalogue.js';
import type { Config } from '../../src/config/schema/index.js';
import type { SqlEngine } from '../../src/engine/sql-engine.js';
import type { ReportContext } from '../../src/reports/context.js';
import type { Answer } from './answers.js';
import type { BaselineSql } from './baseline-sql.js';
import { runRead } from './read.js';
import { BASELINE_BENCHES, BASELINE_REPORTS, type BaselineReport } from './reports.js';

/** A read's name in the catalogue (the CLI command), e.g. `scorecard`, `north-star`. */
export type ReportName = string;

export interface ReportBench {
  name: ReportName;
  /** The read as the CLI runs it; the figures it gives when there is a baseline to compare them with, else null. */
  truenorth(ctx: ReportContext, config: Config): Promise<Answer | null>;
  /** The hand-written statements computing the same figures, run one after the other. */
  baseline?(engine: SqlEngine, sql: BaselineSql, ctx: ReportContext, config: Config): Promise<Answer>;
}

/**
 * What a read needs besides its defaults to answer on the demo company. Reads of a config section the
 * demo company leaves out (HEART, guardrails) are refused with that one line, shown in place of figures.
 */
const REQUIRED_PARAMS: Readonly<Record<ReportName, Record<string, string>>> = {
  record: { metric: 'cash_balance' },
  // The biggest list the dashboard opens: everyone who entered the funnel, a page of 100.
  people: { of: 'funnel', step: '1' },
  // The row the demo company's bottleneck is on.
  why: { row: 'journey.setup' },
};

const hasBaseline = (name: string): name is BaselineReport => (BASELINE_REPORTS as readonly string[]).includes(name);

/** Every read, in the catalogue's order. */
export const REPORTS: readonly ReportName[] = READ_OPERATIONS.map((op) => op.name);

export const REPORT_BENCHES: ReadonlyMap<ReportName, ReportBench> = new Map(READ_OPERATIONS.map((op): [ReportName, ReportBench] => [
  op.name,
  hasBaseline(op.name) ? BASELINE_BENCHES[op.name] : { name: op.name, truenorth: async (ctx, config) => (await runRead(op, ctx, config, REQUIRED_PARAMS[op.name]), null) },
]));
