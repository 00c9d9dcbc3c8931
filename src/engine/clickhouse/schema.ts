/**
 * The ClickHouse schema: storage tables (`tn_*`) plus views named like the DuckDB tables (`events`,
 * `users`, `actor_events`, …), so one compiled statement runs on both engines.
 *
 * Dedupe is exact at query time: the storage tables are ReplacingMergeTree and every view reads them
 * with FINAL, so a row that was written twice (a retried insert, two writers racing, a bulk load run
 * again) is seen once whether or not the background merge has happened yet. The writer also skips
 * ids it already stored, so the first copy of a message is the one kept, as in DuckDB.
 *
 * Identity links (anonymous id -> user, earliest wins) are an AggregatingMergeTree of
 * `argMin(user_id, (linked_at, seq))` fed through a materialized view, and `actor_events` joins them
 * at query time: a link written today applies to every earlier event of that anonymous id.
 */

export interface DdlOptions {
  /** Emit `ON CLUSTER`, Replicated* engines and Distributed tables for this cluster. */
  cluster?: string;
  /** Database the tables live in (default: the connection's). */
  database?: string;
}

export const CLICKHOUSE_SCHEMA_VERSION = 11;

/**
 * An insert is acknowledged only when its part is on disk: each new part's files and its directory
 * are fsynced before the insert returns (ClickHouse's default leaves them in the page cache, which
 * survives a killed process but not a power cut).
 */
export const DURABLE_INSERT_SETTINGS = 'fsync_after_insert = 1, fsync_part_directory = 1';

type Engine = { kind: 'ReplacingMergeTree' | 'MergeTree' | 'AggregatingMergeTree' | 'SummingMergeTree'; version?: string };

interface StorageTable {
  name: string;
  columns: string[];
  engine: Engine;
  orderBy: string;
  partitionBy?: string;
  indexes?: string[];
  /** Rows past this expression are dropped by merges. */
  ttl?: string;
  /** Sharded on a cluster (events): the Distributed sharding key. Other tables are copied to every node. */
  shardBy?: string;
}

const TS = "DateTime64(3, 'UTC')";

const IDENTITY_OPERATION_COLUMNS = ["set_once String DEFAULT ''", "unset String DEFAULT ''"];

/**
 * A ledger row the Stripe facts no longer give is removed by writing its key again with `deleted = 1`:
 * the view keeps the latest write of a key and leaves tombstones out, on every server at once.
 */
const SUBSCRIPTION_TOMBSTONE = ['deleted UInt8 DEFAULT 0'];

const STORAGE: StorageTable[] = [
  {
    name: 'tn_events',
    columns: [
      'id String',
      'event LowCardinality(String)',
      `ts ${TS}`,
      'user_id Nullable(String)',
      'anonymous_id Nullable(String)',
      'account_id Nullable(String)',
      'properties String',
      `received_at ${TS}`,
      'source LowCardinality(String)',
      // user id, else anonymous id: the key identity links are looked up by.
      "person String DEFAULT coalesce(user_id, anonymous_id, '')",
    ],
    engine: { kind: 'ReplacingMergeTree' },
    partitionBy: 'toYYYYMM(ts)',
    // Every report filters one event name and a time range; within a day, an actor's events are adjacent.
    orderBy: '(event, toDate(ts), person, ts, id)',
    indexes: ['INDEX id_bloom id TYPE bloom_filter(0.001) GRANULARITY 4'],
    // A browser's anonymous id rides on its events before and after signup, so its whole history
    // (and the visit -> signup -> … funnel of that actor) lands on one shard.
    shardBy: "cityHash64(coalesce(anonymous_id, user_id, ''))",
  },
  {
    name: 'tn_identity_messages',
    columns: [
      'id String',
      'kind LowCardinality(String)',
      `ts ${TS}`,
      'user_id Nullable(String)',
      'anonymous_id Nullable(String)',
      'account_id Nullable(String)',
      'traits String',
      `received_at ${TS}`,
      'source LowCardinality(String)',
      "person String DEFAULT coalesce(user_id, anonymous_id, '')",
      // PostHog `$set_once` (an object) and `$unset` (a list) as JSON text; '' when absent.
      ...IDENTITY_OPERATION_COLUMNS,
    ],
    engine: { kind: 'ReplacingMergeTree' },
    orderBy: '(person, id)',
    indexes: ['INDEX id_bloom id TYPE bloom_filter(0.001) GRANULARITY 4', 'INDEX account_bloom account_id TYPE bloom_filter(0.01) GRANULARITY 4'],
  },
  {
    name: 'tn_identity_links',
    columns: [
      'anonymous_id String',
      `user_id AggregateFunction(argMin, String, Tuple(${TS}, UInt64))`,
      `linked_at SimpleAggregateFunction(min, ${TS})`,
    ],
    engine: { kind: 'AggregatingMergeTree' },
    orderBy: 'anonymous_id',
  },
  {
    name: 'tn_users',
    columns: ['user_id String', 'account_id Nullable(String)', 'traits String', `updated_at ${TS}`, 'written UInt64'],
    engine: { kind: 'ReplacingMergeTree', version: 'written' },
    orderBy: 'user_id',
  },
  {
    name: 'tn_accounts',
    columns: ['account_id String', 'traits String', `updated_at ${TS}`, 'written UInt64'],
    engine: { kind: 'ReplacingMergeTree', version: 'written' },
    orderBy: 'account_id',
  },
  {
    // Per person: the account its latest event named (see the DuckDB table of the same name).
    name: 'tn_user_event_accounts',
    columns: ['person String', 'account_id String', `ts ${TS}`, 'written UInt64'],
    engine: { kind: 'ReplacingMergeTree', version: 'written' },
    orderBy: 'person',
  },
  {
    // Each user's profile over time; one refresh writes one generation, the view reads the latest.
    name: 'tn_user_trait_history',
    columns: ['user_id String', `valid_from ${TS}`, 'account_id Nullable(String)', 'traits String', 'account_traits String', 'generation UInt64'],
    engine: { kind: 'ReplacingMergeTree', version: 'generation' },
    orderBy: '(user_id, valid_from)',
  },
  {
    name: 'tn_subscriptions',
    columns: [
      'account_id String',
      'subscription_id String',
      `effective_at ${TS}`,
      'mrr Float64',
      'plan Nullable(String)',
      'currency Nullable(String)',
      'source LowCardinality(String)',
      `recorded_at ${TS}`,
      'written UInt64',
      ...SUBSCRIPTION_TOMBSTONE,
    ],
    engine: { kind: 'ReplacingMergeTree', version: 'written' },
    orderBy: '(account_id, subscription_id, effective_at)',
  },
  // What Stripe told, from which the ledger's Stripe rows are derived (engine/stripe/ledger.ts), keyed
  // as DuckDB's primary keys: a state by (subscription, instant), the last written wins; an invoice by
  // its id, the highest stage wins (equal stages: the last written).
  {
    name: 'tn_stripe_subscription_states',
    columns: ['subscription_id String', 'effective_ms Int64', 'account_id String', 'ended Bool', 'object String', 'written UInt64'],
    engine: { kind: 'ReplacingMergeTree', version: 'written' },
    orderBy: '(subscription_id, effective_ms)',
  },
  {
    name: 'tn_stripe_invoices',
    columns: ['invoice_id String', 'subscription_id String', 'period_start_ms Int64', 'base_minor Float64', 'discounts String', 'stage UInt32'],
    engine: { kind: 'ReplacingMergeTree', version: 'stage' },
    orderBy: 'invoice_id',
  },
  {
    name: 'tn_manual_values',
    // Microseconds, as in DuckDB: every entry gets a distinct, increasing instant, so "latest" never ties.
    columns: ['metric String', 'period String', 'value Nullable(Float64)', 'entered_by String', "entered_at DateTime64(6, 'UTC')", 'note Nullable(String)'],
    engine: { kind: 'MergeTree' },
    orderBy: '(metric, period, entered_at)',
  },
  {
    // Data-quality counters (ingest/quality.ts): rows of one key are summed by merges and by the view.
    name: 'tn_quality_counts',
    columns: ['day Date', 'source LowCardinality(String)', 'kind LowCardinality(String)', 'reason String', 'count UInt64'],
    engine: { kind: 'SummingMergeTree' },
    orderBy: '(day, source, kind, reason)',
  },
  // The team's tables, as DuckDB's (migration "weekly ritual"): check-ins and notes are appended;
  // an idea's status change is a new row of its id, the last one written wins.
  {
    name: 'tn_okr_checkins',
    columns: ['objective String', 'key_result Nullable(String)', 'week String', 'note String', 'confidence Nullable(Float64)', 'author String', `checked_in_at ${TS}`],
    engine: { kind: 'MergeTree' },
    orderBy: '(checked_in_at, week)',
  },
  {
    name: 'tn_review_notes',
    columns: ['week String', 'row_id String', 'note String', 'author String', `noted_at ${TS}`],
    engine: { kind: 'MergeTree' },
    orderBy: '(week, noted_at)',
  },
  {
    name: 'tn_ideas',
    columns: ['id UInt64', 'team String', 'idea String', 'owner String', 'status LowCardinality(String)', 'metric Nullable(String)', `created_at ${TS}`, `updated_at ${TS}`, 'written UInt64'],
    engine: { kind: 'ReplacingMergeTree', version: 'written' },
    orderBy: 'id',
  },
  // Every server's claim to a new idea's id; the earliest claim of an id owns it (team.ts).
  {
    name: 'tn_idea_ids',
    columns: ['id UInt64', 'claimant String', "claimed_at DateTime64(6, 'UTC')"],
    engine: { kind: 'MergeTree' },
    orderBy: '(id, claimed_at, claimant)',
  },
  // The control state every server shares (engine/control.ts): a key's revocation and a session's
  // closing are new rows of the same id, the last one written wins.
  {
    name: 'tn_api_keys',
    columns: ['id String', 'kind LowCardinality(String)', 'name Nullable(String)', 'hash String', `created_at ${TS}`, `revoked_at Nullable(${TS})`, 'written UInt64'],
    engine: { kind: 'ReplacingMergeTree', version: 'written' },
    orderBy: 'id',
  },
  {
    name: 'tn_dashboard_sessions',
    columns: ['id_hash String', 'token_hash String', `expires_at ${TS}`, 'closed UInt8', 'written UInt64'],
    engine: { kind: 'ReplacingMergeTree', version: 'written' },
    orderBy: 'id_hash',
    ttl: 'toDateTime(expires_at) + INTERVAL 1 DAY',
  },
  {
    // Every server's claim to send a week's digest to a target; the earliest one sends.
    name: 'tn_digest_claims',
    columns: ['week String', 'target String', 'claimant String', "claimed_at DateTime64(6, 'UTC')"],
    engine: { kind: 'MergeTree' },
    orderBy: '(week, target, claimed_at, claimant)',
  },
  {
    // Every server's claim to fire an alert condition (kind, row, week); the earliest one fires it.
    name: 'tn_alert_firings',
    columns: ['key String', 'subject String', 'claimant String', `fired_at ${TS}`, "claimed_at DateTime64(6, 'UTC')"],
    engine: { kind: 'MergeTree' },
    orderBy: '(subject, key, claimed_at, claimant)',
  },
  // The event catalogue kept at write time (catalogue-summary.ts): partial aggregates per event name,
  // and per name and top-level property key, that CATALOGUE_FOLDS add at every insert into tn_events.
  // On a cluster each shard keeps its own, fed by its local events (the sharding key is never used).
  {
    name: 'tn_catalogue_events',
    columns: [
      'event String', 'n SimpleAggregateFunction(sum, Int64)', `first_ts SimpleAggregateFunction(min, ${TS})`,
      `last_ts SimpleAggregateFunction(max, ${TS})`, 'sources SimpleAggregateFunction(groupUniqArrayArray, Array(String))',
      'senders AggregateFunction(uniqCombined64, Nullable(String))',
    ],
    engine: { kind: 'AggregatingMergeTree' },
    orderBy: 'event',
    shardBy: 'rand()',
  },
  {
    name: 'tn_catalogue_property_keys',
    columns: ['event String', 'key String', 'n SimpleAggregateFunction(sum, Int64)'],
    engine: { kind: 'AggregatingMergeTree' },
    orderBy: '(event, key)',
    shardBy: 'rand()',
  },
  {
    // Messages two writers both stored (cross-copies.ts): how many copies beyond the first each had
    // when a writer looked, the most seen kept. The kept catalogue counted every copy; reads take these off.
    name: 'tn_catalogue_copies',
    columns: ['id String', 'event String', 'keys Array(String)', 'extra UInt32'],
    engine: { kind: 'ReplacingMergeTree', version: 'extra' },
    orderBy: 'id',
  },
  {
    name: 'tn_schema_migrations',
    columns: ['version UInt32', 'name String', 'applied_at DateTime'],
    engine: { kind: 'ReplacingMergeTree' },
    orderBy: 'version',
  },
];

/** What each catalogue table gains from rows of `tn_events` (`from`): its materialized view's select, and the upgrade's backfill. */
const CATALOGUE_FOLDS: { table: string; select: (from: string) => string }[] = [
  {
    table: 'tn_catalogue_events',
    select: (from) => `SELECT event, count() AS n, min(ts) AS first_ts, max(ts) AS last_ts, groupUniqArray(toString(source)) AS sources,
  uniqCombined64State(coalesce(user_id, anonymous_id)) AS senders
FROM ${from} GROUP BY event`,
  },
  {
    table: 'tn_catalogue_property_keys',
    select: (from) => `SELECT event, key, count() AS n FROM ${from} ARRAY JOIN JSONExtractKeys(properties) AS key GROUP BY event, key`,
  },
];

/** Views with the DuckDB names and columns, over the deduplicated storage. */
const VIEWS: { name: string; select: (t: (name: string) => string) => string }[] = [
  {
    name: 'events',
    select: (t) => `SELECT id, event, ts, user_id, anonymous_id, account_id, properties, received_at, source FROM ${t('tn_events')} FINAL`,
  },
  {
    name: 'identity_messages',
    select: (t) => `SELECT id, kind, ts, user_id, anonymous_id, account_id, traits, received_at, source FROM ${t('tn_identity_messages')} FINAL`,
  },
  {
    name: 'identity_links',
    select: (t) => `SELECT anonymous_id, argMinMerge(user_id) AS user_id, min(linked_at) AS linked_at FROM ${t('tn_identity_links')} GROUP BY anonymous_id`,
  },
  // A linked anonymous id's traits are its user's: it is no user of its own.
  {
    name: 'users',
    select: (t) => `SELECT user_id, account_id, traits, updated_at FROM ${t('tn_users')} FINAL WHERE user_id NOT IN (SELECT anonymous_id FROM ${t('tn_identity_links')})`,
  },
  { name: 'user_event_accounts', select: (t) => `SELECT person, account_id, ts FROM ${t('tn_user_event_accounts')} FINAL` },
  {
    name: 'user_trait_history',
    select: (t) => `SELECT user_id, valid_from, account_id, traits, account_traits FROM ${t('tn_user_trait_history')} FINAL
      WHERE (user_id, generation) IN (SELECT user_id, max(generation) FROM ${t('tn_user_trait_history')} GROUP BY user_id)
        AND user_id NOT IN (SELECT anonymous_id FROM ${t('tn_identity_links')})`,
  },
  { name: 'accounts', select: (t) => `SELECT account_id, traits, updated_at FROM ${t('tn_accounts')} FINAL` },
  {
    name: 'subscriptions',
    select: (t) => `SELECT account_id, subscription_id, effective_at, mrr, plan, currency, source, recorded_at FROM ${t('tn_subscriptions')} FINAL WHERE deleted = 0`,
  },
  {
    name: 'stripe_subscription_states',
    select: (t) => `SELECT subscription_id, effective_ms, account_id, ended, object FROM ${t('tn_stripe_subscription_states')} FINAL`,
  },
  {
    name: 'stripe_invoices',
    select: (t) => `SELECT invoice_id, subscription_id, period_start_ms, base_minor, discounts, stage FROM ${t('tn_stripe_invoices')} FINAL`,
  },
  {
    name: 'quality_counts',
    select: (t) => `SELECT day, source, kind, reason, sum(count) AS count FROM ${t('tn_quality_counts')} GROUP BY day, source, kind, reason`,
  },
  { name: 'manual_values', select: (t) => `SELECT metric, period, value, entered_by, entered_at, note FROM ${t('tn_manual_values')}` },
  { name: 'okr_checkins', select: (t) => `SELECT objective, key_result, week, note, confidence, author, checked_in_at FROM ${t('tn_okr_checkins')}` },
  { name: 'review_notes', select: (t) => `SELECT week, row_id, note, author, noted_at FROM ${t('tn_review_notes')}` },
  { name: 'ideas', select: (t) => `SELECT id, team, idea, owner, status, metric, created_at, updated_at FROM ${t('tn_ideas')} FINAL` },
  {
    // actor = the linked user of (user id or anonymous id), else the user id, else the anonymous id;
    // account = the event's account, else the actor's. The `linked` flag reads the same whether or
    // not the session fills join misses with NULLs.
    name: 'actor_events',
    select: (t) => `SELECT e.id AS id, e.event AS event, e.ts AS ts, e.user_id AS user_id, e.anonymous_id AS anonymous_id,
        e.properties AS properties,
        if(ifNull(l.linked, 0) = 1, assumeNotNull(l.user_id), e.person) AS actor_id,
        coalesce(e.account_id, u.account_id) AS account_id
      FROM ${t('tn_events')} AS e FINAL
      LEFT JOIN (SELECT anonymous_id, argMinMerge(user_id) AS user_id, toUInt8(1) AS linked FROM ${t('tn_identity_links')} GROUP BY anonymous_id) AS l
        ON l.anonymous_id = e.person
      LEFT JOIN (SELECT user_id, account_id FROM ${t('tn_users')} FINAL) AS u
        ON u.user_id = if(ifNull(l.linked, 0) = 1, assumeNotNull(l.user_id), e.person)`,
  },
];

function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return name;
}

/**
 * The DDL, in order. Single node: storage tables, the link pipeline and the views.
 * Cluster (all ON CLUSTER): events as `tn_events_local` (ReplicatedReplacingMergeTree, one replica
 * set per shard) behind a Distributed `tn_events` sharded by device; the other tables Replicated on
 * every node. The writer and the views use the same names in both layouts.
 */
export function clickhouseDdl(options: DdlOptions = {}): string[] {
  const db = options.database ? `${quoteIdent(options.database)}.` : '';
  const cluster = options.cluster ? ` ON CLUSTER ${quoteIdent(options.cluster)}` : '';
  const t = (name: string) => `${db}${name}`;
  const out: string[] = [];
  if (options.database) out.push(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(options.database)}${cluster}`);

  for (const table of STORAGE) {
    const columns = [...table.columns, ...(table.indexes ?? [])].map((c) => `  ${c}`).join(',\n');
    const clauses = [
      table.partitionBy ? `PARTITION BY ${table.partitionBy}` : '',
      `ORDER BY ${table.orderBy}`,
      table.ttl ? `TTL ${table.ttl}` : '',
      `SETTINGS ${DURABLE_INSERT_SETTINGS}`,
    ].filter(Boolean).join('\n');
    if (!options.cluster) {
      out.push(`CREATE TABLE IF NOT EXISTS ${t(table.name)} (\n${columns}\n) ENGINE = ${engineSql(table.engine)}\n${clauses}`);
      continue;
    }
    // Events keep one replica set per shard behind a Distributed table. The small identity, ledger
    // and manual tables are copied to every node ({shard} left out of their path), so the joins in
    // `actor_events` run on each shard against a complete local copy.
    if (table.shardBy !== undefined) {
      const path = `'/clickhouse/tables/{shard}/{database}/${table.name}'`;
      out.push(
        `CREATE TABLE IF NOT EXISTS ${t(`${table.name}_local`)}${cluster} (\n${columns}\n) ENGINE = Replicated${engineSql(table.engine, `${path}, '{replica}'`)}\n${clauses}`,
      );
      out.push(
        `CREATE TABLE IF NOT EXISTS ${t(table.name)}${cluster} AS ${t(`${table.name}_local`)}\nENGINE = Distributed(${quoteIdent(options.cluster)}, ${options.database ? quoteIdent(options.database) : 'currentDatabase()'}, ${table.name}_local, ${table.shardBy})`,
      );
    } else {
      const path = `'/clickhouse/tables/all/{database}/${table.name}'`;
      out.push(
        `CREATE TABLE IF NOT EXISTS ${t(table.name)}${cluster} (\n${columns}\n) ENGINE = Replicated${engineSql(table.engine, `${path}, '{shard}-{replica}'`)}\n${clauses}`,
      );
    }
  }

  // Columns added since a table was first created, before the views that read them.
  out.push(...SUBSCRIPTION_TOMBSTONE.map((c) => `ALTER TABLE ${t('tn_subscriptions')}${cluster} ADD COLUMN IF NOT EXISTS ${c}`));

  // Link candidates: any message carrying both ids. The materialized view folds them into the
  // earliest link per anonymous id (ties: the one written first).
  const links = t('tn_identity_links');
  out.push(`CREATE TABLE IF NOT EXISTS ${t('tn_identity_link_candidates')}${cluster} (\n  anonymous_id String,\n  user_id String,\n  ts ${TS},\n  seq UInt64\n) ENGINE = Null`);
  out.push(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${t('tn_identity_links_mv')}${cluster} TO ${links} AS
SELECT anonymous_id, argMinState(user_id, (ts, seq)) AS user_id, min(ts) AS linked_at
FROM ${t('tn_identity_link_candidates')} GROUP BY anonymous_id`);

  // The catalogue's folds: on a cluster, each shard's local events into its local summary.
  const local = (name: string) => t(options.cluster ? `${name}_local` : name);
  for (const fold of CATALOGUE_FOLDS) {
    out.push(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${t(`${fold.table}_mv`)}${cluster} TO ${local(fold.table)} AS\n${fold.select(local('tn_events'))}`);
  }

  for (const view of VIEWS) {
    out.push(`CREATE OR REPLACE VIEW ${t(view.name)}${cluster} AS\n${view.select(t)}`);
  }
  if (options.cluster) {
    // Applied by hand: record the version so truenorth uses the schema instead of creating its own.
    out.push(`INSERT INTO ${t('tn_schema_migrations')} (version, name, applied_at) VALUES (${CLICKHOUSE_SCHEMA_VERSION}, 'initial store', now())`);
  }
  return out;
}

function engineSql(engine: Engine, replicated?: string): string {
  const args = [replicated, engine.version].filter(Boolean).join(', ');
  return `${engine.kind}${args ? `(${args})` : ''}`;
}

/**
 * What a store created by an earlier version needs to reach this one; `from` is its version. Version
 * 2 made inserts durable on tables created without the fsync settings; version 3 added the
 * data-quality counters, which the DDL (all IF NOT EXISTS) creates; version 4 added PostHog's
 * `$set_once` / `$unset` to the identity messages, and the event accounts and trait history tables
 * (created by the DDL); version 5 added the team's tables (OKR check-ins, review notes, ideas),
 * created by the DDL; version 6 added the control state several servers share (API keys, dashboard
 * sessions, digest claims), created by the DDL; version 7 added the Stripe facts and the ledger's
 * tombstones (the DDL adds both); version 8 added the event catalogue kept at write time, whose
 * views count the events inserted from then on, and which the upgrade fills with the events stored
 * before; version 9 added the record of messages stored twice that the catalogue takes off (DDL); version
 * 10 added the claims to new ideas' ids (DDL); version 11 the alert firings (DDL).
 */
export function clickhouseUpgrades(from: number): string[] {
  const out: string[] = [];
  if (from < 2) out.push(...STORAGE.map((table) => `ALTER TABLE ${table.name} MODIFY SETTING ${DURABLE_INSERT_SETTINGS}`));
  if (from < 4) out.push(...IDENTITY_OPERATION_COLUMNS.map((c) => `ALTER TABLE tn_identity_messages ADD COLUMN IF NOT EXISTS ${c}`));
  if (from < 8) out.push(...CATALOGUE_FOLDS.map((fold) => `INSERT INTO ${fold.table} ${fold.select('tn_events FINAL')}`));
  return out;
}

/** Storage table names, for tests and for `truenorth clickhouse ddl`. */
export const STORAGE_TABLES = STORAGE.map((s) => s.name);
