import { renameSync, rmSync } from 'node:fs';
import { foldNewEvents, recountTraitKeys } from '../../src/engine/duckdb/catalogue-summary.js';
import { DuckDbStore } from '../../src/engine/duckdb/database.js';

/**
 * A large bench store without generating and importing it: `copies` copies of an imported smaller
 * store of the demo company, copy k > 0 with every id (message, user, anonymous, account,
 * subscription) suffixed `~k`. Same 16 weeks, `copies` times the people, so every count of the
 * scorecard is exactly `copies` times the source's (MRR too; hand-entered values are copied once).
 * Used for the 100 M scale, whose NDJSON would take about an hour and 40 GB to generate.
 */
export async function tileDuckDbStore(source: string, target: string, copies: number): Promise<{ events: number }> {
  // Written under another name and renamed when complete, so an interrupted copy is never reused.
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  rmSync(`${partial}.wal`, { force: true });
  const store = await DuckDbStore.open(partial);
  let events: number;
  try {
    // ATTACH takes no parameter; the path is the bench's own, quoted as a string literal.
    await store.run(`ATTACH '${source.replaceAll("'", "''")}' AS src (READ_ONLY)`);
    const suffix = (column: string) => `CASE WHEN k = 0 THEN ${column} ELSE ${column} || '~' || k END`;
    // The id hash is the MD5 of the id, as the writer stores it (0 is the empty slot, stored as 1).
    const hash = `CASE WHEN md5_number(${suffix('id')}) = 0 THEN 1::UHUGEINT ELSE md5_number(${suffix('id')}) END`;
    const copiesOf = (table: string) => `src.${table} s, range(CAST($copies AS BIGINT)) r(k)`;
    await store.transaction(async () => {
      await store.run(`INSERT INTO events SELECT ${suffix('id')}, ${hash}, event, ts, ${suffix('user_id')}, ${suffix('anonymous_id')},
          ${suffix('account_id')}, properties, received_at, source FROM ${copiesOf('events')}`, { copies });
      await store.run(`INSERT INTO identity_messages SELECT ${suffix('id')}, ${hash}, kind, ts, ${suffix('user_id')}, ${suffix('anonymous_id')},
          ${suffix('account_id')}, traits, received_at, source, set_once, unset FROM ${copiesOf('identity_messages')}`, { copies });
      await store.run(`INSERT INTO identity_links SELECT ${suffix('anonymous_id')}, ${suffix('user_id')}, linked_at FROM ${copiesOf('identity_links')}`, { copies });
      await store.run(`INSERT INTO users SELECT ${suffix('user_id')}, ${suffix('account_id')}, traits, updated_at FROM ${copiesOf('users')}`, { copies });
      await store.run(`INSERT INTO accounts SELECT ${suffix('account_id')}, traits, updated_at FROM ${copiesOf('accounts')}`, { copies });
      await store.run(`INSERT INTO user_trait_history SELECT ${suffix('user_id')}, valid_from, ${suffix('account_id')}, traits, account_traits
          FROM ${copiesOf('user_trait_history')}`, { copies });
      await store.run(`INSERT INTO subscriptions SELECT ${suffix('account_id')}, ${suffix('subscription_id')}, effective_at, mrr, plan, currency, source, recorded_at
          FROM ${copiesOf('subscriptions')}`, { copies });
      await store.run(`INSERT INTO manual_values SELECT * FROM src.manual_values`);
      await foldNewEvents(store);
      await recountTraitKeys(store);
    });
    await store.run('DETACH src');
    await store.run('CHECKPOINT');
    [{ n: events }] = await store.all<{ n: number }>('SELECT count(*) AS n FROM events');
  } finally {
    await store.close();
  }
  renameSync(partial, target);
  return { events: Number(events) };
}
