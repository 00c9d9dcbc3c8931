import { InputError } from '../../errors.js';
import { checkedCheckin, checkedIdea, checkedReviewNote, type Checkin, type IdeaStatus, type NewIdea, type ReviewNote } from '../workspace.js';
import type { DuckDbStore } from './database.js';

/** The team's tables in the DuckDB file (migration "weekly ritual"). */

export async function addCheckin(store: DuckDbStore, checkin: Omit<Checkin, 'at'>): Promise<void> {
  await store.run(`INSERT INTO okr_checkins VALUES ($objective, $key_result, $week, $note, $confidence, $author, now()::TIMESTAMP)`, checkedCheckin(checkin));
}

export async function addReviewNote(store: DuckDbStore, note: Omit<ReviewNote, 'at'>): Promise<void> {
  await store.run(`INSERT INTO review_notes VALUES ($week, $row_id, $note, $author, now()::TIMESTAMP)`, checkedReviewNote(note));
}

export async function addIdea(store: DuckDbStore, idea: NewIdea): Promise<number> {
  const rows = await store.all<{ id: number }>(
    `INSERT INTO ideas (team, idea, owner, status, metric, created_at, updated_at)
     VALUES ($team, $idea, $owner, 'proposed', $metric, now()::TIMESTAMP, now()::TIMESTAMP) RETURNING id`,
    checkedIdea(idea),
  );
  return rows[0].id;
}

export async function setIdeaStatus(store: DuckDbStore, id: number, status: IdeaStatus): Promise<void> {
  const changed = await store.run(`UPDATE ideas SET status = $status, updated_at = now()::TIMESTAMP WHERE id = $id`, { id, status });
  if (changed === 0) throw new InputError(`no idea with id ${id}`);
}
