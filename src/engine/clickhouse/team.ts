import { InputError } from '../../errors.js';
import type { TeamTables } from '../port.js';
import { checkedCheckin, checkedIdea, checkedReviewNote } from '../workspace.js';
import { chTimestamp } from './connection.js';
import type { ClickHouseStore } from './store.js';
import { nextSeq, oneAtATime } from './values.js';

/**
 * The team's tables in ClickHouse (schema version 5), read through the views named like DuckDB's.
 * An idea's status change is a new row of the same id: the view keeps the last one written. Ids
 * are handed out one at a time by this process, the one writer of its store's team tables.
 */
export function clickHouseTeam(store: ClickHouseStore): TeamTables {
  const ideas = oneAtATime();
  const now = () => chTimestamp(Date.now());
  return {
    addCheckin: async (checkin) => {
      await store.connection.insert('tn_okr_checkins', [{ ...checkedCheckin(checkin), checked_in_at: now() }]);
    },
    addReviewNote: async (note) => {
      await store.connection.insert('tn_review_notes', [{ ...checkedReviewNote(note), noted_at: now() }]);
    },
    addIdea: (idea) => {
      const checked = checkedIdea(idea);
      return ideas(async () => {
        const [{ last }] = await store.connection.query('SELECT max(id) AS last FROM tn_ideas');
        const id = Number(last) + 1;
        const at = now();
        await store.connection.insert('tn_ideas', [{ id, ...checked, status: 'proposed', created_at: at, updated_at: at, written: nextSeq() }]);
        return id;
      });
    },
    setIdeaStatus: (id, status) => ideas(async () => {
      const [idea] = await store.connection.query('SELECT team, idea, owner, metric, created_at FROM ideas WHERE id = {id:UInt64}', { id });
      if (!idea) throw new InputError(`no idea with id ${id}`);
      const created = chTimestamp((idea.created_at as Date).getTime());
      await store.connection.insert('tn_ideas', [{ ...idea, id, status, created_at: created, updated_at: now(), written: nextSeq() }]);
    }),
  };
}
