import { InputError } from '../errors.js';
import type { DuckDbStore } from './duckdb/database.js';
import type { SqlEngine } from './sql-engine.js';

/** The team's own records around the weekly ritual: OKR check-ins, review notes, the ideas board. */

export interface Checkin {
  objective: string;
  key_result: string | null;
  week: string;
  note: string;
  confidence: number | null;
  author: string;
  at: string;
}

export interface ReviewNote {
  week: string;
  row_id: string;
  note: string;
  author: string;
  at: string;
}

export const IDEA_STATUSES = ['proposed', 'in_progress', 'done', 'dropped'] as const;
export type IdeaStatus = (typeof IDEA_STATUSES)[number];

export interface Idea {
  id: number;
  team: string;
  idea: string;
  owner: string;
  status: IdeaStatus;
  metric: string | null;
  created_at: string;
  updated_at: string;
}

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : String(d));

function required(value: string | undefined, what: string): string {
  const text = value?.trim();
  if (!text) throw new InputError(`${what}: required`);
  if (text.length > 2000) throw new InputError(`${what}: longer than 2000 characters`);
  return text;
}

export async function addCheckin(store: DuckDbStore, c: Omit<Checkin, 'at'>): Promise<void> {
  if (c.confidence !== null && !(c.confidence >= 0 && c.confidence <= 1)) throw new InputError('--confidence: expected a fraction between 0 and 1');
  await store.run(
    `INSERT INTO okr_checkins VALUES ($objective, $key_result, $week, $note, $confidence, $author, now()::TIMESTAMP)`,
    { objective: required(c.objective, 'objective'), key_result: c.key_result, week: required(c.week, '--week'), note: required(c.note, 'note'), confidence: c.confidence, author: required(c.author, '--by') },
  );
}

export async function listCheckins(store: SqlEngine): Promise<Checkin[]> {
  const rows = await store.all<Checkin>(`SELECT objective, key_result, week, note, confidence, author, checked_in_at AS at FROM okr_checkins ORDER BY checked_in_at, week`);
  return rows.map((r) => ({ ...r, at: iso(r.at) }));
}

export async function addReviewNote(store: DuckDbStore, n: Omit<ReviewNote, 'at'>): Promise<void> {
  await store.run(`INSERT INTO review_notes VALUES ($week, $row_id, $note, $author, now()::TIMESTAMP)`, {
    week: required(n.week, '--week'), row_id: required(n.row_id, 'row'), note: required(n.note, 'note'), author: required(n.author, '--by'),
  });
}

export async function reviewNotes(store: SqlEngine, week?: string): Promise<ReviewNote[]> {
  const rows = week
    ? await store.all<ReviewNote>(`SELECT week, row_id, note, author, noted_at AS at FROM review_notes WHERE week = $week ORDER BY noted_at`, { week })
    : await store.all<ReviewNote>(`SELECT week, row_id, note, author, noted_at AS at FROM review_notes ORDER BY week, noted_at`);
  return rows.map((r) => ({ ...r, at: iso(r.at) }));
}

export function parseIdeaStatus(text: string): IdeaStatus {
  const normal = text.replace('-', '_');
  if ((IDEA_STATUSES as readonly string[]).includes(normal)) return normal as IdeaStatus;
  throw new InputError(`status: expected one of ${IDEA_STATUSES.join(', ')}, got ${JSON.stringify(text)}`);
}

export async function addIdea(store: DuckDbStore, i: { team: string; idea: string; owner: string; metric?: string | null }): Promise<number> {
  const rows = await store.all<{ id: number }>(
    `INSERT INTO ideas (team, idea, owner, status, metric, created_at, updated_at)
     VALUES ($team, $idea, $owner, 'proposed', $metric, now()::TIMESTAMP, now()::TIMESTAMP) RETURNING id`,
    { team: required(i.team, '--team').toLowerCase(), idea: required(i.idea, 'idea'), owner: required(i.owner, '--owner'), metric: i.metric ?? null },
  );
  return rows[0].id;
}

export async function setIdeaStatus(store: DuckDbStore, id: number, status: IdeaStatus): Promise<void> {
  const changed = await store.run(`UPDATE ideas SET status = $status, updated_at = now()::TIMESTAMP WHERE id = $id`, { id, status });
  if (changed === 0) throw new InputError(`no idea with id ${id}`);
}

export async function listIdeas(store: SqlEngine): Promise<Idea[]> {
  const rows = await store.all<Idea>(`SELECT * FROM ideas ORDER BY team, id`);
  return rows.map((r) => ({ ...r, created_at: iso(r.created_at), updated_at: iso(r.updated_at) }));
}
