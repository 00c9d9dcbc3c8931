/**
 * Versioned schema migrations. Append only: a released migration is never edited; a change to the
 * schema is a new entry. `schema_migrations` records what has been applied.
 */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial store',
    statements: [
      // Message ids are deduplicated by the writer (see ingest/dedupe-index.ts) through `id_hash`,
      // the MD5 of the id: a primary-key index on random ids slows ingestion as the table grows.
      `CREATE TABLE events (
        id VARCHAR NOT NULL,
        id_hash UHUGEINT NOT NULL,
        event VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL,
        user_id VARCHAR,
        anonymous_id VARCHAR,
        account_id VARCHAR,
        properties JSON NOT NULL,
        received_at TIMESTAMP NOT NULL,
        source VARCHAR NOT NULL
      )`,
      // identify / group / alias messages: the trait and identity history, deduplicated like events.
      `CREATE TABLE identity_messages (
        id VARCHAR NOT NULL,
        id_hash UHUGEINT NOT NULL,
        kind VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL,
        user_id VARCHAR,
        anonymous_id VARCHAR,
        account_id VARCHAR,
        traits JSON NOT NULL,
        received_at TIMESTAMP NOT NULL,
        source VARCHAR NOT NULL
      )`,
      // anonymous id -> user id; the earliest link wins and applies to all that id's events.
      `CREATE TABLE identity_links (
        anonymous_id VARCHAR PRIMARY KEY,
        user_id VARCHAR NOT NULL,
        linked_at TIMESTAMP NOT NULL
      )`,
      // Current traits (latest wins); the history stays in identity_messages.
      `CREATE TABLE users (
        user_id VARCHAR PRIMARY KEY,
        account_id VARCHAR,
        traits JSON NOT NULL,
        updated_at TIMESTAMP NOT NULL
      )`,
      `CREATE TABLE accounts (
        account_id VARCHAR PRIMARY KEY,
        traits JSON NOT NULL,
        updated_at TIMESTAMP NOT NULL
      )`,
      // The subscription ledger: MRR of one subscription after a change (monthly, major units).
      // An account's MRR at t is the sum over its subscriptions of the latest row with effective_at <= t.
      `CREATE TABLE subscriptions (
        account_id VARCHAR NOT NULL,
        subscription_id VARCHAR NOT NULL,
        effective_at TIMESTAMP NOT NULL,
        mrr DOUBLE NOT NULL,
        plan VARCHAR,
        currency VARCHAR,
        source VARCHAR NOT NULL,
        recorded_at TIMESTAMP NOT NULL,
        PRIMARY KEY (account_id, subscription_id, effective_at)
      )`,
      // Hand-entered values, append only: the current value of (metric, period) is the latest entry.
      `CREATE TABLE manual_values (
        metric VARCHAR NOT NULL,
        period VARCHAR NOT NULL,
        value DOUBLE,
        entered_by VARCHAR NOT NULL,
        entered_at TIMESTAMP NOT NULL,
        note VARCHAR
      )`,
      `CREATE VIEW actor_events AS
        SELECT e.id, e.event, e.ts, e.user_id, e.anonymous_id, e.properties,
               coalesce(l.user_id, e.user_id, e.anonymous_id) AS actor_id,
               coalesce(e.account_id, u.account_id) AS account_id
        FROM events e
        LEFT JOIN identity_links l ON l.anonymous_id = coalesce(e.user_id, e.anonymous_id)
        LEFT JOIN users u ON u.user_id = coalesce(l.user_id, e.user_id, e.anonymous_id)`,
    ],
  },
  {
    version: 2,
    name: 'API keys',
    statements: [
      // Keys for the HTTP server. Only a SHA-256 hash of each token is stored; the prefix (the first
      // characters of the token) identifies a key in lists and logs.
      `CREATE TABLE api_keys (
        id VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        name VARCHAR,
        hash VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        revoked_at TIMESTAMP
      )`,
    ],
  },
  {
    version: 4,
    name: 'weekly ritual: OKR check-ins, review notes, ideas board',
    statements: [
      `CREATE TABLE okr_checkins (
        objective VARCHAR NOT NULL,
        key_result VARCHAR,
        week VARCHAR NOT NULL,
        note VARCHAR NOT NULL,
        confidence DOUBLE,
        author VARCHAR NOT NULL,
        checked_in_at TIMESTAMP NOT NULL
      )`,
      `CREATE TABLE review_notes (
        week VARCHAR NOT NULL,
        row_id VARCHAR NOT NULL,
        note VARCHAR NOT NULL,
        author VARCHAR NOT NULL,
        noted_at TIMESTAMP NOT NULL
      )`,
      `CREATE SEQUENCE idea_ids START 1`,
      `CREATE TABLE ideas (
        id BIGINT PRIMARY KEY DEFAULT nextval('idea_ids'),
        team VARCHAR NOT NULL,
        idea VARCHAR NOT NULL,
        owner VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        metric VARCHAR,
        created_at TIMESTAMP NOT NULL,
        updated_at TIMESTAMP NOT NULL
      )`,
    ],
  },
  {
    version: 5,
    name: 'write probe',
    statements: [
      // One row the server rewrites to learn whether a durable write succeeds again after a failure
      // (a full disk, an I/O error): see WriteQueue's recovery.
      `CREATE TABLE write_probe (id INTEGER PRIMARY KEY, checked_at TIMESTAMP NOT NULL)`,
    ],
  },
  {
    version: 7,
    name: 'data-quality counters',
    statements: [
      // Per day of receipt, source and kind (rejected, clock_skew, future_clamped, duplicate): how
      // many messages. Upserted with each batch (ingest/quality.ts); `reason` is '' except for rejections.
      `CREATE TABLE quality_counts (
        day DATE NOT NULL,
        source VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (day, source, kind, reason)
      )`,
    ],
  },
  {
    version: 8,
    name: 'stripe subscription states and invoice discounts',
    statements: [
      // What Stripe webhooks told, from which the subscription ledger's Stripe rows are derived
      // (engine/stripe/ledger.ts): each subscription as an event showed it from an instant on...
      `CREATE TABLE stripe_subscription_states (
        subscription_id VARCHAR NOT NULL,
        effective_ms BIGINT NOT NULL,
        account_id VARCHAR NOT NULL,
        ended BOOLEAN NOT NULL,
        object VARCHAR NOT NULL,
        PRIMARY KEY (subscription_id, effective_ms)
      )`,
      // ...and what each invoice's recurring lines took off per discount id, in minor units.
      `CREATE TABLE stripe_invoices (
        invoice_id VARCHAR PRIMARY KEY,
        subscription_id VARCHAR NOT NULL,
        period_start_ms BIGINT NOT NULL,
        base_minor DOUBLE NOT NULL,
        discounts VARCHAR NOT NULL,
        stage INTEGER NOT NULL
      )`,
    ],
  },
  {
    version: 9,
    name: 'identity as the SDKs send it',
    statements: [
      // PostHog person properties besides `$set` (kept in `traits`): `$set_once` and `$unset`.
      `ALTER TABLE identity_messages ADD COLUMN set_once JSON`,
      `ALTER TABLE identity_messages ADD COLUMN unset JSON`,
      // Per person (user id, else anonymous id): the account its latest event named
      // (context.groupId, properties.account_id, PostHog $groups). The account when no group call names one.
      `CREATE TABLE user_event_accounts (
        person VARCHAR PRIMARY KEY,
        account_id VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL
      )`,
      // Each user's profile over time (user traits, account, account traits) from valid_from on:
      // when the ideal user profile started to hold (a PQL's qualified_at).
      `CREATE TABLE user_trait_history (
        user_id VARCHAR NOT NULL,
        valid_from TIMESTAMP NOT NULL,
        account_id VARCHAR,
        traits JSON NOT NULL,
        account_traits JSON NOT NULL
      )`,
    ],
  },
  {
    version: 10,
    name: 'event catalogue summary',
    statements: [
      // Per event name, kept with every batch stored (duckdb/catalogue-summary.ts). The watermark is
      // how many rows of `events` the summary holds; a store opened for writing folds the rest.
      `CREATE TABLE catalogue_events (
        event VARCHAR PRIMARY KEY,
        n BIGINT NOT NULL,
        first_ts TIMESTAMP NOT NULL,
        last_ts TIMESTAMP NOT NULL,
        sources VARCHAR[] NOT NULL
      )`,
      // A HyperLogLog sketch of each name's senders: the highest rank seen per register.
      `CREATE TABLE catalogue_senders (
        event VARCHAR NOT NULL,
        register USMALLINT NOT NULL,
        max_rank UTINYINT NOT NULL,
        PRIMARY KEY (event, register)
      )`,
      // Events of each name that carry each top-level property key.
      `CREATE TABLE catalogue_property_keys (
        event VARCHAR NOT NULL,
        key VARCHAR NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (event, key)
      )`,
      `CREATE TABLE catalogue_watermark (events BIGINT NOT NULL)`,
      `INSERT INTO catalogue_watermark VALUES (0)`,
      // Users (table 'users') or accounts ('accounts') whose current traits carry each key: counted
      // here once, then changed by the writer with every upsert of current traits.
      `CREATE TABLE catalogue_trait_keys (
        table_name VARCHAR NOT NULL,
        key VARCHAR NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (table_name, key)
      )`,
      `INSERT INTO catalogue_trait_keys SELECT 'users', key, count(*) FROM (SELECT unnest(json_keys(traits)) AS key FROM users) k GROUP BY key`,
      `INSERT INTO catalogue_trait_keys SELECT 'accounts', key, count(*) FROM (SELECT unnest(json_keys(traits)) AS key FROM accounts) k GROUP BY key`,
    ],
  },
  {
    version: 11,
    name: 'dashboard sessions and digest claims',
    statements: [
      // A sign-in's cookie id and the key it stands for, both as SHA-256 hashes (engine/control.ts).
      `CREATE TABLE dashboard_sessions (
        id_hash VARCHAR PRIMARY KEY,
        token_hash VARCHAR NOT NULL,
        expires_at TIMESTAMP NOT NULL
      )`,
      // Which server sent a week's digest to a target: the first claim is the only one.
      `CREATE TABLE digest_claims (
        week VARCHAR NOT NULL,
        target VARCHAR NOT NULL,
        claimant VARCHAR NOT NULL,
        claimed_at TIMESTAMP NOT NULL,
        PRIMARY KEY (week, target)
      )`,
    ],
  },
  {
    version: 12,
    name: 'live first-reach state',
    statements: [
      // Per reach definition (query/plans/live.ts): the events folded so far (row numbers below the watermark).
      `CREATE TABLE live_state_defs (
        def VARCHAR PRIMARY KEY,
        definition JSON NOT NULL,
        watermark BIGINT NOT NULL,
        built_at TIMESTAMP NOT NULL
      )`,
      // Per definition and stored identity (user id, else anonymous id): the earliest qualifying instants (epoch ms).
      `CREATE TABLE live_reach (
        def VARCHAR NOT NULL,
        raw_key VARCHAR NOT NULL,
        ts BIGINT[] NOT NULL,
        PRIMARY KEY (def, raw_key)
      )`,
    ],
  },
  {
    version: 13,
    name: 'alert firings',
    statements: [
      // Each alert condition (kind, row, week) that fired, once; `subject` (kind, row) carries the cooldown.
      `CREATE TABLE alert_firings (
        key VARCHAR PRIMARY KEY,
        subject VARCHAR NOT NULL,
        claimant VARCHAR NOT NULL,
        fired_at TIMESTAMP NOT NULL
      )`,
    ],
  },
  {
    version: 14,
    name: 'kept report periods',
    statements: [
      // What a server's period cache kept when it stopped (one row), for the next one on this store.
      `CREATE TABLE kept_periods (release VARCHAR NOT NULL, snapshot VARCHAR NOT NULL, saved_at TIMESTAMP NOT NULL)`,
    ],
  },
  {
    version: 15,
    name: 'people changes',
    statements: [
      // Append only: the ids whose person changed, in the order written: an anonymous id linked to
      // another user (or to one for the first time), a user or anonymous id whose profile row changed.
      `CREATE TABLE people_changes (raw_key VARCHAR NOT NULL)`,
    ],
  },
  {
    version: 16,
    name: 'live state keyed per person',
    statements: [
      // The state is rebuilt from the events: each identity's row now also keeps its person, and each
      // definition the number of people changes its persons reflect.
      'DROP TABLE live_reach',
      'DROP TABLE live_state_defs',
      `CREATE TABLE live_state_defs (
        def VARCHAR PRIMARY KEY,
        definition JSON NOT NULL,
        watermark BIGINT NOT NULL,
        people_watermark BIGINT NOT NULL,
        built_at TIMESTAMP NOT NULL
      )`,
      // actor_id: the person the identity belonged to when its row was last written or the people
      // changes before the definition's people watermark were applied.
      `CREATE TABLE live_reach (
        def VARCHAR NOT NULL,
        raw_key VARCHAR NOT NULL,
        ts BIGINT[] NOT NULL,
        actor_id VARCHAR NOT NULL,
        PRIMARY KEY (def, raw_key)
      )`,
    ],
  },
];

/** Migrations in the order they apply. */
export function orderedMigrations(): Migration[] {
  return [...MIGRATIONS].sort((a, b) => a.version - b.version);
}

export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));
