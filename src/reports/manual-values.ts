/** Hand-entered values (cash, spend, burn, …): the current entry of each period, as flows or stocks. */
import type { TimeRange, TimeSettings } from '../model/metrics.js';
import { addPeriods, parsePeriod, startOfLocalDate } from '../model/time.js';

export interface ManualEntry {
  metric: string;
  /** `2026-W47` or `2026-11` */
  period: string;
  /** null: the value was cleared. */
  value: number | null;
  entered_by: string;
  entered_ms: number;
  note: string | null;
}

/** The current entry of every (metric, period): the latest one; earlier ones are the audit trail. */
export function currentManualValues(entries: readonly ManualEntry[]): Map<string, Map<string, ManualEntry>> {
  const out = new Map<string, Map<string, ManualEntry>>();
  // Stable: entries arrive oldest first; equal instants keep their order.
  const ordered = entries.map((e, i) => [e, i] as const).sort(([a, i], [b, j]) => a.entered_ms - b.entered_ms || i - j);
  for (const [e] of ordered) {
    let periods = out.get(e.metric);
    if (!periods) out.set(e.metric, (periods = new Map()));
    periods.set(e.period, e);
  }
  return out;
}

/** The current value of one (metric, period) from a set of entries; null when none or cleared. */
export function currentValue(entries: readonly ManualEntry[], metric: string, period: string): number | null {
  return currentManualValues(entries.filter((e) => e.metric === metric && e.period === period)).get(metric)?.get(period)?.value ?? null;
}

function entryRange(period: string, time: TimeSettings): TimeRange {
  const { start, frequency } = parsePeriod(period, time.weekStart);
  return { from: startOfLocalDate(start, time.timezone), to: startOfLocalDate(addPeriods(start, frequency, 1), time.timezone) };
}

/**
 * A flow (money spent in a period), entered per week or month, spread evenly over the days of its
 * period: the amount falling in [from, to) and the share of [from, to) the entries cover.
 */
export function flowIn(current: ReadonlyMap<string, ManualEntry> | undefined, range: TimeRange, time: TimeSettings): { amount: number; coverage: number } | null {
  let amount = 0;
  let covered = 0;
  let any = false;
  for (const e of current?.values() ?? []) {
    if (e.value === null) continue;
    const r = entryRange(e.period, time);
    const overlap = Math.min(r.to, range.to) - Math.max(r.from, range.from);
    if (overlap <= 0) continue;
    any = true;
    amount += (e.value * overlap) / (r.to - r.from);
    covered += overlap;
  }
  return any ? { amount, coverage: Math.min(1, covered / (range.to - range.from)) } : null;
}

/**
 * A stock (cash balance) or a rate (monthly burn) at the end of a period: the latest entry whose
 * period starts inside [from, to), or a longer entry's period that contains it. Not carried forward.
 */
export function stockAt(current: ReadonlyMap<string, ManualEntry> | undefined, range: TimeRange, time: TimeSettings): number | null {
  let best: { from: number; value: number } | null = null;
  for (const e of current?.values() ?? []) {
    if (e.value === null) continue;
    const r = entryRange(e.period, time);
    const inside = r.from >= range.from && r.from < range.to;
    const contains = r.from <= range.from && r.to >= range.to;
    if ((inside || contains) && (!best || r.from > best.from)) best = { from: r.from, value: e.value };
  }
  return best?.value ?? null;
}

// ---------------------------------------------------------------------------------------------
// Periods
