/**
 * Every read and write truenorth offers, once. `truenorth <name> --json` prints what `GET /api/v1/<name>` answers:
 * both run the operation listed here with the same parameters.
 */
import { benchmarks, guardrails, heart, record, revenue, surveys } from './reads/health.js';
import { alerts } from './reads/alerts.js';
import { dashboard } from './reads/dashboard.js';
import { events, leading, lint, predictive, quality, risk, tree } from './reads/beyond.js';
import { funnel, northStar, pql, retention } from './reads/journey.js';
import { people } from './reads/people.js';
import { digest, ideas, notes, okrs, pace, scorecard } from './reads/ritual.js';
import { why } from './reads/why.js';
import type { ReadOperation, WriteOperation } from './operation.js';
import { WRITES } from './writes.js';

export const READS = {
  northStar, funnel, retention, pql,
  leading, tree, risk, predictive, quality, events,
  scorecard, pace, okrs, digest, notes, ideas, why, alerts,
  revenue, surveys, heart, guardrails, benchmarks, record,
  dashboard, lint, people,
} as const;

export type Reads = typeof READS;

export const READ_OPERATIONS: readonly ReadOperation[] = Object.values(READS) as unknown as ReadOperation[];

export function findRead(name: string): ReadOperation | undefined {
  return READ_OPERATIONS.find((op) => op.name === name);
}

export { WRITES };

export const WRITE_OPERATIONS: readonly WriteOperation[] = Object.values(WRITES) as unknown as WriteOperation[];
