import { InputError } from '../errors.js';
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

export interface NewIdea {
  team: string;
  idea: string;
  owner: string;
  metric?: string | null;
}

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

/** A required text field of a team record: trimmed, at most 2,000 characters. */
export function requiredText(value: string | undefined, what: string): string {
  const text = value?.trim();
  if (!text) throw new InputError(`${what}: required`);
  if (text.length > 2000) throw new InputError(`${what}: longer than 2000 characters`);
  return text;
}

/** A check-in as stored: its fields checked and trimmed. */
export function checkedCheckin(c: Omit<Checkin, 'at'>): Omit<Checkin, 'at'> {
  if (c.confidence !== null && !(c.confidence >= 0 && c.confidence <= 1)) throw new InputError('--confidence: expected a fraction between 0 and 1');
  return { objective: requiredText(c.objective, 'objective'), key_result: c.key_result, week: requiredText(c.week, '--week'), note: requiredText(c.note, 'note'), confidence: c.confidence, author: requiredText(c.author, '--by') };
}

export function checkedReviewNote(n: Omit<ReviewNote, 'at'>): Omit<ReviewNote, 'at'> {
  return { week: requiredText(n.week, '--week'), row_id: requiredText(n.row_id, 'row'), note: requiredText(n.note, 'note'), author: requiredText(n.author, '--by') };
}

export function checkedIdea(i: NewIdea): Required<NewIdea> {
  return { team: requiredText(i.team, '--team').toLowerCase(), idea: requiredText(i.idea, 'idea'), owner: requiredText(i.owner, '--owner'), metric: i.metric ?? null };
}

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : String(d));

export async function listCheckins(store: SqlEngine): Promise<Checkin[]> {
  const rows = await store.all<Checkin>(`SELECT objective, key_result, week, note, confidence, author, checked_in_at AS at FROM okr_checkins ORDER BY checked_in_at, week`);
  return rows.map((r) => ({ ...r, at: iso(r.at) }));
}

export async function reviewNotes(store: SqlEngine, week?: string): Promise<ReviewNote[]> {
  // One statement for every engine: the notes are few, a week's are picked here.
  const rows = await store.all<ReviewNote>(`SELECT week, row_id, note, author, noted_at AS at FROM review_notes ORDER BY week, noted_at`);
  return rows.filter((r) => !week || r.week === week).map((r) => ({ ...r, at: iso(r.at) }));
}

export function parseIdeaStatus(text: string): IdeaStatus {
  const normal = text.replace('-', '_');
  if ((IDEA_STATUSES as readonly string[]).includes(normal)) return normal as IdeaStatus;
  throw new InputError(`status: expected one of ${IDEA_STATUSES.join(', ')}, got ${JSON.stringify(text)}`);
}

export async function listIdeas(store: SqlEngine): Promise<Idea[]> {
  const rows = await store.all<Idea>(`SELECT * FROM ideas ORDER BY team, id`);
  return rows.map((r) => ({ ...r, created_at: iso(r.created_at), updated_at: iso(r.updated_at) }));
}
