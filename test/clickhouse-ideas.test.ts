import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickHouseTeam } from '../src/engine/clickhouse/team.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { listIdeas } from '../src/engine/workspace.js';
import { openChdb } from './helpers/engines.js';

/**
 * Two servers on one ClickHouse add ideas at the same moment: each is the team tables of its own
 * process (its own one-at-a-time queue), so only the database can keep their ids apart.
 */
let store: ClickHouseStore;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ store, cleanup } = await openChdb());
}, 30_000);

afterAll(async () => {
  await cleanup?.();
});

describe('new ideas from several servers on one ClickHouse', () => {
  it('get distinct ids, and every idea is kept', async () => {
    const servers = [clickHouseTeam(store), clickHouseTeam(store), clickHouseTeam(store)];
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, i) => servers[i % 3].addIdea({ team: 'growth', idea: `idea ${i}`, owner: `owner-${i % 3}` })),
    );
    expect(new Set(ids).size).toBe(12);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const stored = await listIdeas(store);
    expect(stored.map((idea) => idea.idea).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `idea ${i}`).sort());
    // A status change from another server lands on the idea the id names.
    await servers[2].setIdeaStatus(ids[0], 'done');
    expect((await listIdeas(store)).find((idea) => idea.id === ids[0])).toMatchObject({ idea: 'idea 0', status: 'done' });
  });
});
