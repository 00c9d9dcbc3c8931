/**
 * The writes people make by hand: hand-entered values, review notes, OKR check-ins, ideas. Each is
 * asked for as one JSON object (the dashboard's form, or the CLI's arguments and flags), checked by
 * its schema and against truenorth.yaml here, once, whether the CLI runs it on the store or the
 * server runs it behind its route.
 */
import { z } from 'zod';
import { healthModelFromConfig, scorecardRowsFromConfig, timeSettings } from '../config/model.js';
import type { Config } from '../config/schema/index.js';
import { manualMetricName, parseManualPeriod, parseManualValue, type ManualInput } from '../engine/ingest/import-manual.js';
import type { SqlEngine } from '../engine/sql-engine.js';
import { parseIdeaStatus, type Checkin, type ReviewNote } from '../engine/workspace.js';
import { InputError } from '../errors.js';
import type { MetricModel } from '../model/metric-model.js';
import { lastCompleteWeek } from '../model/time.js';
import { reportContext } from '../reports/context.js';
import { fetchManualEntries } from '../reports/revenue.js';
import { currentManualValues } from '../reports/manual-values.js';
import { defineWrite, needConfig } from './operation.js';
import { optionalText, requiredText, week } from './params.js';
import { entryJson, type EntryJson } from './reads/health.js';

/** What a review note or a check-in is about unless told: the last complete week. */
export const defaultWeek = (config: Config, now = Date.now()): string => lastCompleteWeek(now, timeSettings(config));

/** What recording a value answers (and `truenorth record --json` prints). */
export interface RecordResult {
  metric: string;
  period: string;
  value: number | null;
  entered_by: string;
  note: string | null;
  previous: EntryJson | null;
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

const recordBody = z.object({
  metric: requiredText(200, 'cash_balance, burn, sales_marketing_spend or a source: manual metric'),
  week: optionalText(20, 'the week it is for, like 2026-W47 (default: the last complete week)'),
  month: optionalText(20, 'the month it is for, like 2026-11'),
  value: z.union([z.number(), z.string(), z.null()], { error: 'expected a number' }).optional().describe('the number; text like "2,400,000" is read too'),
  clear: z.boolean({ error: 'expected true or false' }).nullish().describe('withdraw the value (kept in the history)'),
  entered_by: requiredText(200, 'who is entering it'),
  note: optionalText(2000, 'why, or where the number comes from'),
});

/** A metric the config lets people enter, a week or a month, a number (or `clear`). */
function checkRecord(loaded: Config | undefined, body: z.output<typeof recordBody>): Required<ManualInput> {
  const config = needConfig(loaded);
  const metric = manualMetricName(body.metric, healthModelFromConfig(config).manualMetrics);
  const { week: weekText, month } = body;
  if (weekText && month) throw new InputError('give week or month, not both');
  const period = weekText ?? month ? parseManualPeriod((weekText ?? month)!, config.week_start) : defaultWeek(config);
  if (weekText && !period.includes('-W')) throw new InputError(`week: expected a week like 2026-W47, got ${JSON.stringify(weekText)}`);
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
  return { metric, period, value, enteredBy: body.entered_by, note: body.note ?? null };
}

export const record = defineWrite({
  name: 'record',
  path: 'record',
  what: 'hand entry',
  summary: 'Enter a number by hand (what `truenorth record` does); corrections keep history',
  body: recordBody,
  needs: ['write_lane'],
  status: 201,
  check: checkRecord,
  run: (ctx, entry) => ctx.manualLane((engine, write) => recordEntry(engine, write, needConfig(ctx.model), entry)),
});

export const notes = defineWrite({
  name: 'notes',
  path: 'notes',
  what: 'review notes',
  summary: 'A review note on a scorecard row for a week (shown in the digest)',
  body: z.object({
    row: requiredText(200, 'a scorecard row id: north_star, journey.setup, health.mrr, …'),
    week,
    note: requiredText(),
    author: requiredText(200),
  }),
  needs: ['team_tables'],
  status: 201,
  check(given, body): Omit<ReviewNote, 'at'> {
    const config = needConfig(given);
    const rows = scorecardRowsFromConfig(config).map((r) => r.id);
    if (!rows.includes(body.row)) throw new InputError(`row: no scorecard row ${JSON.stringify(body.row)}; rows are ${rows.join(', ')}`);
    return { week: body.week ?? defaultWeek(config), row_id: body.row, note: body.note, author: body.author };
  },
  run: async (ctx, note) => {
    await ctx.store.team.addReviewNote(note);
    return note;
  },
});

const confidence = z.union([z.number(), z.string(), z.null()], { error: 'expected a fraction between 0 and 1' }).optional().transform((raw, ctx) => {
  const value = raw === undefined || raw === null || raw === '' ? null : Number(raw);
  if (value !== null && !(value >= 0 && value <= 1)) ctx.addIssue({ code: 'custom', message: 'expected a fraction between 0 and 1' });
  return value;
}).describe('confidence of hitting it, 0–1');

export const checkins = defineWrite({
  name: 'checkins',
  path: 'checkins',
  what: 'OKR check-ins',
  summary: 'A weekly check-in note on an objective',
  body: z.object({
    objective: requiredText(500, 'the objective text, as in truenorth.yaml, or its 1-based number'),
    key_result: optionalText(200, 'the key result it is about'),
    week,
    note: requiredText(),
    confidence,
    author: requiredText(200),
  }),
  needs: ['team_tables'],
  status: 201,
  check(given, body): Omit<Checkin, 'at'> {
    const config = needConfig(given);
    const { objective } = body;
    const found = /^\d+$/.test(objective) ? config.okrs[Number(objective) - 1] : config.okrs.find((o) => o.objective === objective);
    if (!found) throw new InputError(`objective: no objective ${JSON.stringify(objective)}; objectives are ${config.okrs.map((o, i) => `${i + 1}. ${o.objective}`).join('; ') || 'none'}`);
    const kr = body.key_result ?? null;
    if (kr && !found.key_results.some((k) => k.metric === kr)) throw new InputError(`key_result: ${found.objective} has no key result on ${kr}`);
    return { objective: found.objective, key_result: kr, week: body.week ?? defaultWeek(config), note: body.note, confidence: body.confidence, author: body.author };
  },
  run: async (ctx, checkin) => {
    await ctx.store.team.addCheckin(checkin);
    return checkin;
  },
});

export const addIdea = defineWrite({
  name: 'ideas',
  path: 'ideas',
  what: 'the ideas board',
  summary: 'A new idea on the ideas board, with its team and owner',
  body: z.object({ team: requiredText(200), idea: requiredText(), owner: requiredText(200), metric: optionalText(200, 'the scorecard row it should move') }),
  needs: ['team_tables'],
  status: 201,
  check: (_config, body) => ({ team: body.team, idea: body.idea, owner: body.owner, metric: body.metric ?? null }),
  run: async (ctx, idea) => ({ id: await ctx.store.team.addIdea(idea), ...idea }),
});

export const ideaStatus = defineWrite({
  name: 'idea-status',
  path: 'ideas/:id/status',
  what: 'the ideas board',
  summary: "An idea's status: proposed, in-progress, done or dropped",
  body: z.object({
    id: z.string().regex(/^\d{1,9}$/, { error: (issue) => `expected a number, got ${JSON.stringify(issue.input)}` }),
    status: requiredText(50, 'proposed | in-progress | done | dropped'),
  }),
  needs: ['team_tables'],
  status: 200,
  check: (_config, body) => ({ id: Number(body.id), status: parseIdeaStatus(body.status) }),
  run: async (ctx, change) => {
    await ctx.store.team.setIdeaStatus(change.id, change.status);
    return change;
  },
});

export const WRITES = { record, notes, checkins, addIdea, ideaStatus } as const;
