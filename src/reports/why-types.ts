/** The shape of the "why it moved" report (why.ts). */
import type { Unit } from './scorecard.js';
import type { CountPart, FactorShare, RateSplit } from './why-split.js';
import type { StageName } from '../model/metrics.js';
import type { TreeInputWhy } from './why-tree.js';

export type Dimension = 'ideal' | 'breakdown' | 'new';

/** One cut of the row's change: each segment's own change (a count), or mix vs rate (a rate). */
export interface WhyCut {
  dimension: Dimension;
  label: string;
  parts?: CountPart[];
  rate?: RateSplit;
}

export interface ConversionWhy {
  from: StageName;
  from_name: string;
  base_before: number;
  base_after: number;
  rate_before: number;
  rate_after: number;
  /** The part of the change from the stage before moving (ΔN · mean rate). */
  volume: number;
  /** The part from the conversion moving (mean N · Δrate); its mix and rate split per cut. */
  conversion: number;
  cuts: { dimension: Dimension; label: string; split: RateSplit | null }[];
}

export type FormulaWhy = { formula: string } & (
  | { value_before: number; value_after: number; change: number; factors: (FactorShare & { name: string })[] }
  | { reason: string }
);

export interface WhyReport {
  row: string;
  name: string;
  unit: Unit;
  week: string;
  previous_week: string;
  before: number | null;
  after: number | null;
  change: number | null;
  /** Why there is nothing to split (a week without data); null when there is. */
  no_data: string | null;
  cuts: WhyCut[];
  conversion: ConversionWhy | null;
  formula: FormulaWhy | null;
  /** For the North Star without a formula: the metrics that drive it, their change and measured link. */
  inputs: TreeInputWhy[];
  notes: string[];
  sentence: string;
}

/** The row as the scorecard read it: its values in the week before and the week asked about. */
export interface WhyRow {
  id: string;
  name: string;
  unit: Unit;
  before: number | null;
  after: number | null;
  /** Why a week has no value, when one has none. */
  reason?: string | null;
}

