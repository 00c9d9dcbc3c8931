import { randomUUID } from 'node:crypto';
import { InputError, TruenorthError } from '../../errors.js';
import type { TeamTables } from '../port.js';
import { checkedCheckin, checkedIdea, checkedReviewNote } from '../workspace.js';
import { chTimestamp } from './connection.js';
import type { ClickHouseStore } from './store.js';
import { nextSeq, oneAtATime } from './values.js';

/**
 * The team's tables in ClickHouse (schema version 5), read through the views named like DuckDB's.
 * An idea's status change is a new row of the same id: the view keeps the last one written. A new
 * idea's id is claimed in `tn_idea_ids`, so servers sharing the database never hand out one twice.
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
        const id = await claimIdeaId(store);
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

const MAX_ID_CLAIMS = 20;

/**
 * The next free idea id: one past the highest claimed or stored, claimed with a row stamped by
 * ClickHouse's clock. An insert is visible once acknowledged, so a server that claims the same id
 * after this one read its claim back stamps a later instant and loses; it tries the next id.
 */
async function claimIdeaId(store: ClickHouseStore): Promise<number> {
  const claimant = randomUUID();
  for (let attempt = 0; attempt < MAX_ID_CLAIMS; attempt++) {
    const [{ last }] = await store.connection.query(
      'SELECT greatest((SELECT max(id) FROM tn_ideas), (SELECT max(id) FROM tn_idea_ids)) AS last',
    );
    const id = Number(last) + 1;
    await store.connection.command(
      'INSERT INTO tn_idea_ids (id, claimant, claimed_at) SELECT {id:UInt64}, {claimant:String}, now64(6)', { id, claimant },
    );
    const [winner] = await store.connection.query('SELECT claimant FROM tn_idea_ids WHERE id = {id:UInt64} ORDER BY claimed_at, claimant LIMIT 1', { id });
    if (winner?.claimant === claimant) return id;
  }
  throw new TruenorthError('store_unavailable', `could not claim an idea id in ${MAX_ID_CLAIMS} tries: other servers keep taking them; try again`);
}
