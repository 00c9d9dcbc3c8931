import type { ImportCounts } from './import-report.js';
import { detectHistorySource } from './history.js';
import { isObject } from './normalize.js';

/** What `truenorth import <kind>` reads. */
export type ImportKind = 'events' | 'subscriptions' | 'manual';

const has = (o: Record<string, unknown>, ...keys: string[]) => keys.every((k) => k in o);
const hasAny = (o: Record<string, unknown>, ...keys: string[]) => keys.some((k) => k in o);

/** Recognised shapes of a file's rows, in the order they are tried. */
const SHAPES: { kind: ImportKind; test(row: Record<string, unknown>): boolean }[] = [
  { kind: 'subscriptions', test: (r) => has(r, 'account_id', 'mrr') && !hasAny(r, 'event', 'type') },
  { kind: 'manual', test: (r) => has(r, 'metric', 'value') && hasAny(r, 'week', 'period') && !hasAny(r, 'event', 'type') },
  { kind: 'events', test: (r) => detectHistorySource(r) !== undefined || hasAny(r, 'event', 'type', 'messageId', 'distinct_id', 'userId', 'anonymousId') },
];

const ADVICE: Record<ImportKind, string> = {
  events: 'this looks like an events file: use `truenorth import events`',
  subscriptions: 'this looks like a subscription ledger: use `truenorth import subscriptions`',
  manual: 'this looks like hand-entered values: use `truenorth import manual`',
};

/**
 * A hint at the right command or format, from the shape of a file's first rows, when they are not
 * what `truenorth import <kind>` reads; undefined when they are, or when no shape is recognised.
 */
export function importHint(sample: readonly unknown[], kind: ImportKind): string | undefined {
  const row = sample.find(isObject);
  if (!row) return undefined;
  const shape = SHAPES.find((s) => s.test(row))?.kind;
  return shape === undefined || shape === kind ? undefined : ADVICE[shape];
}

/** Rows of a file kept for `importHint`. */
export const HINT_SAMPLE_ROWS = 5;

/**
 * Why an import counts as failed, in one line (undefined when it did not): nothing imported and
 * something rejected, or more rejected than `maxRejected`. The CLI exits non-zero with it.
 */
export function importFailure(report: ImportCounts & { hint?: string }, maxRejected?: number): string | undefined {
  const hint = report.hint ? `; ${report.hint}` : '';
  if (report.imported === 0 && report.duplicates === 0 && report.rejected > 0) {
    return `no row was imported: all ${report.rejected} rows were rejected${hint}`;
  }
  if (maxRejected !== undefined && report.rejected > maxRejected) {
    return `${report.rejected} rows were rejected, more than --max-rejected ${maxRejected}${hint}`;
  }
  return undefined;
}
