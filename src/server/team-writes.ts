import type { Config } from '../config/schema/index.js';
import { InputError } from '../errors.js';
import { manualMetricName, parseManualPeriod, parseManualValue, type ManualInput } from '../engine/ingest/import-manual.js';
import { parseIdeaStatus, type Checkin, type IdeaStatus, type ReviewNote } from '../engine/workspace.js';
import type { SqlEngine } from '../engine/sql-engine.js';
import { lastCompleteWeek, named, parsePeriod, weekNameOf } from '../model/time.js';
import { reportContext } from '../reports/context.js';
import { currentManualValues, fetchManualEntries } from '../reports/revenue.js';
import { type MetricModel } from '../model/metric-model.js';
import { healthModelFromConfig, scorecardRowsFromConfig, timeSettings } from '../config/model.js';
import { entryJson, type EntryJson } from '../app/reads/health.js';

export { entryJson, type EntryJson };

/**
 * The writes people make by hand: hand-entered values, review notes, OKR check-ins, ideas. Each is
 * asked for as one JSON object (the dashboard's form, or the CLI's flags) and checked here, once,
 * whether the CLI runs it on the file or the server runs it behind its route.
 */
export type WriteRequest = Record<string, unknown>;

/** A text field: trimmed, at most `max` characters; missing or blank is undefined (or an error when required). */
export function text(body: WriteRequest, key: string, required: boolean, max = 2000): string | undefined {
  const v = body[key];
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
    if (required) throw new InputError(`${key}: required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new InputError(`${key}: expected text`);
  if (v.length > max) throw new InputError(`${key}: longer than ${max} characters`);
  return v.trim();
}

export function checkWeek(value: string | undefined, field = 'week'): string | undefined {
  if (value === undefined) return undefined;
  const parsed = named(field, () => parsePeriod(value));
  if (parsed.frequency !== 'week') throw new InputError(`${field}: expected a week like 2026-W47, got ${JSON.stringify(value)}`);
  return value;
}

/** The week `ms` falls in, in the config's calendar. */
export function weekOf(ms: number, config: Config): string {
  return weekNameOf(ms, timeSettings(config));
}

// ---------- hand-entered values ----------

/** What recording a value answers (and `truenorth record --json` prints). */
export interface RecordResult {
  metric: string;
  period: string;
  value: number | null;
  entered_by: string;
  note: string | null;
  previous: EntryJson | null;
}

/** `{metric, week | month, value | clear, entered_by, note}`: a metric the config lets people enter, a week or a month, a number. */
export function checkRecord(config: Config, body: WriteRequest): Required<ManualInput> {
  const metric = manualMetricName(text(body, 'metric', true, 200)!, healthModelFromConfig(config).manualMetrics);
  const week = text(body, 'week', false, 20);
  const month = text(body, 'month', false, 20);
  if (week && month) throw new InputError('give week or month, not both');
  const period = week ?? month ? parseManualPeriod((week ?? month)!, config.week_start) : lastCompleteWeek(Date.now(), timeSettings(config));
  if (week && !period.includes('-W')) throw new InputError(`week: expected a week like 2026-W47, got ${JSON.stringify(week)}`);
  if (month && period.includes('-W')) throw new InputError(`month: expected a month like 2026-11, got ${JSON.stringify(month)}`);
  const clear = body.clear === true;
  const raw = body.value;
  const given = raw !== undefined && raw !== null && raw !== '';
  if (clear && given) throw new InputError('clear withdraws the value; leave out the value');
  let value: number | null = null;
  if (!clear) {
    if (typeof raw === 'number') {
      if (!Number.isFinite(raw)) throw new InputError('value: expected a finite number');
      value = raw;
    } else if (typeof raw === 'string' && raw.trim() !== '') value = parseManualValue(raw);
    else throw new InputError(`${metric}: the value is missing (a number, e.g. 2400000)`);
  }
  return { metric, period, value, enteredBy: text(body, 'entered_by', true, 200)!, note: text(body, 'note', false) ?? null };
}

/** Appends the entry; answers it with the value it replaces. `write` stores entries in the engine `engine` reads. */
export async function recordEntry(
  engine: SqlEngine, write: (entries: ManualInput[]) => Promise<number>, model: MetricModel, entry: Required<ManualInput>,
): Promise<RecordResult> {
  const before = await fetchManualEntries(reportContext(engine, model), [entry.metric], entry.period);
  await write([entry]);
  const previous = currentManualValues(before).get(entry.metric)?.get(entry.period) ?? null;
  return { metric: entry.metric, period: entry.period, value: entry.value, entered_by: entry.enteredBy, note: entry.note, previous: previous ? entryJson(previous) : null };
}

// ---------- review notes, check-ins, ideas ----------

/** `{row, week, note, author}`: a note on a scorecard row; the week defaults to the last complete one. */
export function checkNote(config: Config, body: WriteRequest): Omit<ReviewNote, 'at'> {
  const row = text(body, 'row', true, 200)!;
  const rows = scorecardRowsFromConfig(config).map((r) => r.id);
  if (!rows.includes(row)) throw new InputError(`row: no scorecard row ${JSON.stringify(row)}; rows are ${rows.join(', ')}`);
  const week = checkWeek(text(body, 'week', false, 20)) ?? lastCompleteWeek(Date.now(), timeSettings(config));
  return { week, row_id: row, note: text(body, 'note', true)!, author: text(body, 'author', true, 200)! };
}

/** `{objective, key_result, week, note, confidence, author}`: the objective by its text or its 1-based number. */
export function checkCheckin(config: Config, body: WriteRequest): Omit<Checkin, 'at'> {
  const objective = text(body, 'objective', true, 500)!;
  const found = /^\d+$/.test(objective) ? config.okrs[Number(objective) - 1] : config.okrs.find((o) => o.objective === objective);
  if (!found) throw new InputError(`objective: no objective ${JSON.stringify(objective)}; objectives are ${config.okrs.map((o, i) => `${i + 1}. ${o.objective}`).join('; ') || 'none'}`);
  const kr = text(body, 'key_result', false, 200) ?? null;
  if (kr && !found.key_results.some((k) => k.metric === kr)) throw new InputError(`key_result: ${found.objective} has no key result on ${kr}`);
  const raw = body.confidence;
  const confidence = raw === undefined || raw === null || raw === '' ? null : Number(raw);
  if (confidence !== null && !(confidence >= 0 && confidence <= 1)) throw new InputError('confidence: expected a fraction between 0 and 1');
  const week = checkWeek(text(body, 'week', false, 20)) ?? lastCompleteWeek(Date.now(), timeSettings(config));
  return { objective: found.objective, key_result: kr, week, note: text(body, 'note', true)!, confidence, author: text(body, 'author', true, 200)! };
}

/** `{team, idea, owner, metric}`: a new idea on the board. */
export function checkIdea(body: WriteRequest): { team: string; idea: string; owner: string; metric: string | null } {
  return {
    team: text(body, 'team', true, 200)!, idea: text(body, 'idea', true)!, owner: text(body, 'owner', true, 200)!,
    metric: text(body, 'metric', false, 200) ?? null,
  };
}

/** An idea's id (from a path or an argument) and `{status}`. */
export function checkIdeaStatus(id: string, body: WriteRequest): { id: number; status: IdeaStatus } {
  if (!/^\d{1,9}$/.test(id)) throw new InputError(`id: expected a number, got ${JSON.stringify(id)}`);
  return { id: Number(id), status: parseIdeaStatus(text(body, 'status', true, 50)!) };
}
