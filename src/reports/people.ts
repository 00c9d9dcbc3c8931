/**
 * The people behind a number (docs/reports.md): the actors or accounts a count counts, one page at a
 * time, with their traits and last activity. Each list comes from the same plan or computation as its
 * number, so its total equals the number it was opened from.
 */
import { InputError } from '../errors.js';
import type { RetentionDefinition, Segment, StageName, TimeRange } from '../model/metrics.js';
import {
  compileAccountTraits, compileFunnelPeople, compileIndicatorPeople, compileLastActivity, compileRetentionPeople, compileStagePeople,
  compileUserTraits, type PageQuery,
} from '../query/plans/people.js';
import type { CompiledQuery } from '../query/dialect.js';
import { run, type ReportContext } from './context.js';
import { leadingQuery, type LeadingOptions } from './leading.js';
import { major, mrrBridge, type MrrMovement } from './mrr.js';
import { pqlReport } from './pql.js';
import { fetchLedger } from './revenue.js';
import type { PeriodZero } from './retention.js';
import { riskReport } from './risk.js';

export const PEOPLE_KINDS = ['stage', 'funnel', 'retention', 'mrr', 'pql', 'risk', 'indicator'] as const;
export type PeopleKind = (typeof PEOPLE_KINDS)[number];
export const MRR_MOVEMENTS: readonly MrrMovement[] = ['new', 'expansion', 'contraction', 'churn', 'reactivation'];

/** Which number a list is opened from, with that number's own parameters. */
export type PeopleSpec =
  | { of: 'stage'; stage: StageName; week: TimeRange; segment: Segment }
  | { of: 'funnel'; range: TimeRange; segment: Segment; step: number; dropped: boolean }
  | { of: 'retention'; definition: RetentionDefinition; range: TimeRange; segment: Segment; periodZero: PeriodZero; cohort: string; offset: number | null }
  | { of: 'mrr'; period: TimeRange; movement: MrrMovement }
  | { of: 'pql'; range: TimeRange }
  | { of: 'risk' }
  | { of: 'indicator'; leading: LeadingOptions; event: string; atLeast: number; did: boolean };

export type Detail = Record<string, string | number | null>;

export interface PersonRow {
  /** The actor (a user id, or an anonymous id never linked to one), or the account for account lists. */
  id: string;
  /** The person's account; null for account lists and people without one. */
  account: string | null;
  /** Current traits (the user's, or the account's for account lists); empty when none are known. */
  traits: Record<string, unknown>;
  /** The latest event of the person (or of anyone in the account); null when there is none. */
  last_seen: string | null;
  /** What the number knows of this row: the MRR moved, the risk score, when a PQL qualified. */
  detail: Detail;
}

export interface PeopleList {
  of: PeopleKind;
  subject: 'people' | 'accounts';
  /** The size of the whole list: the number it was opened from. */
  total: number;
  limit: number;
  offset: number;
  rows: PersonRow[];
}

/** Ids with what the number knows of each (people or accounts), before traits and activity are added. */
interface Members {
  subject: 'people' | 'accounts';
  total: number;
  page: { id: string; detail: Detail }[];
}

export async function peopleReport(ctx: ReportContext, spec: PeopleSpec, page: PageQuery): Promise<PeopleList> {
  const members = await membersOf(ctx, spec, page);
  const rows = await decorate(ctx, members);
  return { of: spec.of, subject: members.subject, total: members.total, limit: page.limit, offset: page.offset, rows };
}

async function membersOf(ctx: ReportContext, spec: PeopleSpec, page: PageQuery): Promise<Members> {
  switch (spec.of) {
    case 'stage': return pagedInSql(ctx, compileStagePeople(ctx.query, { stages: ctx.model.journey, stage: configuredStage(ctx, spec.stage), week: spec.week, segment: spec.segment }, page));
    case 'funnel': return pagedInSql(ctx, compileFunnelPeople(ctx.query, funnelQuery(ctx, spec), spec.step, spec.dropped, page));
    case 'retention': {
      const offset = spec.offset === 0 && spec.periodZero === 'cohort' ? null : spec.offset;
      return pagedInSql(ctx, compileRetentionPeople(ctx.query, { definition: spec.definition, range: spec.range, segment: spec.segment }, spec.cohort, offset, page));
    }
    case 'indicator': {
      const { query } = leadingQuery(ctx, spec.leading);
      return pagedInSql(ctx, compileIndicatorPeople(ctx.query, query, spec.event, spec.atLeast, spec.did, page));
    }
    case 'mrr': return pagedInMemory('accounts', await mrrMovers(ctx, spec.period, spec.movement), page);
    case 'pql': {
      const pqls = (await pqlReport(ctx, spec.range)).pqls;
      return pagedInMemory('people', pqls.map((p) => ({ id: p.actor, detail: { qualified_at: p.qualified_at, upgraded_at: p.upgraded_at } })), page);
    }
    case 'risk': {
      const accounts = (await riskReport(ctx)).accounts;
      return pagedInMemory('accounts', accounts.map((a) => ({ id: a.account, detail: { mrr: a.mrr, score: a.score, rules: a.rules.join(', ') } })), page);
    }
  }
}

function configuredStage(ctx: ReportContext, stage: StageName): StageName {
  if (!ctx.model.journey.some((s) => s.stage === stage)) throw new InputError(`the journey has no ${stage} stage`);
  return stage;
}

function funnelQuery(ctx: ReportContext, spec: Extract<PeopleSpec, { of: 'funnel' }>) {
  const steps = ctx.model.journey;
  if (spec.step > steps.length) throw new InputError(`the funnel has ${steps.length} steps, so there is no step ${spec.step}`);
  if (spec.dropped && spec.step === steps.length) throw new InputError(`step ${spec.step} is the last: nobody drops off after it`);
  const signup = steps.find((s) => s.stage === 'signup');
  return { steps, range: spec.range, windowDays: ctx.model.windowDays, segment: spec.segment, signup };
}

async function pagedInSql(ctx: ReportContext, q: CompiledQuery): Promise<Members> {
  const rows = await run<{ actor_id: string | null; total: number | string | null }>(ctx, q);
  const total = Number(rows.find((r) => r.actor_id === null)?.total ?? 0);
  return { subject: 'people', total, page: rows.filter((r) => r.actor_id !== null).map((r) => ({ id: r.actor_id!, detail: {} })) };
}

function pagedInMemory(subject: Members['subject'], all: { id: string; detail: Detail }[], page: PageQuery): Members {
  const sorted = [...all].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { subject, total: sorted.length, page: sorted.slice(page.offset, page.offset + page.limit) };
}

/** The accounts the MRR bridge counts in one movement of one period, with their MRR at its start and end. */
async function mrrMovers(ctx: ReportContext, period: TimeRange, movement: MrrMovement): Promise<{ id: string; detail: Detail }[]> {
  const out: { id: string; detail: Detail }[] = [];
  mrrBridge(await fetchLedger(ctx), [period], (_, moved, account, start, end) => {
    if (moved === movement) out.push({ id: account, detail: { mrr_start: major(start), mrr_end: major(end) } });
  });
  return out;
}

/** Traits and last activity for the page's ids. */
async function decorate(ctx: ReportContext, members: Members): Promise<PersonRow[]> {
  const ids = members.page.map((m) => m.id);
  if (ids.length === 0) return [];
  const accounts = members.subject === 'accounts';
  const traitRows = await run<{ id: string; account_id?: string | null; traits: string }>(
    ctx, accounts ? compileAccountTraits(ctx.query, ids) : compileUserTraits(ctx.query, ids),
  );
  const lastRows = await run<{ id: string; last_ms: number | string }>(ctx, compileLastActivity(ctx.query, ids, accounts));
  const traits = new Map(traitRows.map((r) => [r.id, r]));
  const last = new Map(lastRows.map((r) => [r.id, Number(r.last_ms)]));
  return members.page.map(({ id, detail }) => {
    const t = traits.get(id);
    const seen = last.get(id);
    return {
      id,
      account: accounts ? null : (t?.account_id ?? null),
      traits: parseTraits(t?.traits),
      last_seen: seen === undefined ? null : new Date(seen).toISOString(),
      detail,
    };
  });
}

function parseTraits(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

type Cell = string | number | boolean | null;

/**
 * A list as one table: id, account, last activity, what the number knows (`detail`), then one column
 * per trait any row has (`trait.<key>`, sorted); a trait that is not plain text or a number is its JSON.
 */
export function peopleTable(list: PeopleList): { header: string[]; rows: Cell[][] } {
  const details = [...new Set(list.rows.flatMap((r) => Object.keys(r.detail)))];
  const traits = [...new Set(list.rows.flatMap((r) => Object.keys(r.traits)))].sort();
  const cell = (v: unknown): Cell => (v === undefined || v === null ? null : typeof v === 'object' ? JSON.stringify(v) : (v as Cell));
  return {
    header: [list.subject === 'accounts' ? 'account' : 'person', ...(list.subject === 'people' ? ['account'] : []), 'last_seen', ...details, ...traits.map((t) => `trait.${t}`)],
    rows: list.rows.map((r) => [
      r.id, ...(list.subject === 'people' ? [r.account] : []), r.last_seen, ...details.map((d) => cell(r.detail[d])), ...traits.map((t) => cell(r.traits[t])),
    ]),
  };
}
