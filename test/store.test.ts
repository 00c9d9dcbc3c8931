import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { orderedMigrations, SCHEMA_VERSION } from '../src/engine/duckdb/migrations.js';
import { normalizeMessage } from '../src/engine/ingest/normalize.js';
import { IngestWriter } from '../src/engine/ingest/writer.js';
import { TruenorthError } from '../src/errors.js';
import type { NormalizedMessage } from '../src/model/message.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'truenorth-store-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function normalize(...raws: unknown[]): NormalizedMessage[] {
  return raws.flatMap((raw) => {
    const result = normalizeMessage(raw);
    if (!result.ok) throw new Error(result.error);
    return result.messages;
  });
}

/** Writes the messages as one batch, in one transaction, as the importer does. */
async function write(store: DuckDbStore, ...raws: unknown[]) {
  const writer = new IngestWriter(store, 'test');
  return store.transaction(() => writer.write(normalize(...raws)));
}

async function withMemoryStore(work: (store: DuckDbStore) => Promise<void>): Promise<void> {
  const store = await DuckDbStore.open(':memory:');
  try {
    await work(store);
  } finally {
    await store.close();
  }
}

const TABLES = ['events', 'identity_messages', 'identity_links', 'users', 'accounts', 'subscriptions', 'manual_values'];

async function actors(store: DuckDbStore): Promise<Record<string, { actor: string; account: string | null }>> {
  const rows = await store.all<{ id: string; actor_id: string; account_id: string | null }>('SELECT id, actor_id, account_id FROM actor_events ORDER BY id');
  return Object.fromEntries(rows.map((r) => [r.id, { actor: r.actor_id, account: r.account_id }]));
}

async function links(store: DuckDbStore) {
  return store.all(`SELECT anonymous_id, user_id, strftime(linked_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS linked_at FROM identity_links ORDER BY anonymous_id`);
}

const t = (time: string) => `2026-01-05T${time}Z`;

describe('migrations', () => {
  it('a new file gets every migration, recorded in schema_migrations; reopening applies nothing again', async () => {
    const path = join(tempDir(), 'new.duckdb');
    const store = await DuckDbStore.open(path);
    const applied = await store.all<{ version: number; name: string; applied_at: Date }>('SELECT version, name, applied_at FROM schema_migrations ORDER BY version');
    expect(applied.map(({ version, name }) => ({ version, name }))).toEqual(orderedMigrations().map(({ version, name }) => ({ version, name })));
    expect(applied[0]).toMatchObject({ version: 1, name: 'initial store' });
    expect(await store.schemaVersion()).toBe(SCHEMA_VERSION);
    const tables = await store.all<{ name: string }>(`SELECT table_name AS name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1`);
    // The foundation's tables and view (later migrations add more).
    expect(tables.map((r) => r.name)).toEqual(expect.arrayContaining(
      ['accounts', 'events', 'identity_links', 'identity_messages', 'manual_values', 'schema_migrations', 'subscriptions', 'users']));
    const views = await store.all<{ name: string }>(`SELECT view_name AS name FROM duckdb_views() WHERE NOT internal`);
    expect(views.map((r) => r.name)).toContain('actor_events');
    await write(store, { type: 'track', event: 'Signed Up', userId: 'u1', messageId: 'e1', timestamp: t('10:00:00') });
    await store.close();

    const again = await DuckDbStore.open(path);
    const reapplied = await again.all<{ version: number; name: string; applied_at: Date }>('SELECT version, name, applied_at FROM schema_migrations ORDER BY version');
    expect(reapplied).toEqual(applied);
    expect(await again.all('SELECT id FROM events')).toEqual([{ id: 'e1' }]);
    await again.close();

    const readOnly = await DuckDbStore.open(path, { readOnly: true });
    expect(await readOnly.schemaVersion()).toBe(SCHEMA_VERSION);
    expect(await readOnly.all('SELECT count(*) AS n FROM events')).toEqual([{ n: 1 }]);
    await readOnly.close();
  });

  it('a zero-byte file is a new store', async () => {
    const path = join(tempDir(), 'touched.duckdb');
    writeFileSync(path, '');
    const store = await DuckDbStore.open(path);
    expect(await store.schemaVersion()).toBe(SCHEMA_VERSION);
    await store.close();
  });

  it('a read-only open of a missing file is a clear not_found, and creates nothing', async () => {
    const path = join(tempDir(), 'missing.duckdb');
    const error = await DuckDbStore.open(path, { readOnly: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TruenorthError);
    expect((error as TruenorthError).code).toBe('not_found');
    expect((error as TruenorthError).message).toBe(`no database at ${path}; run \`truenorth import\` or \`truenorth demo\` first`);
    expect(existsSync(path)).toBe(false);
  });

  it('a file from a newer truenorth is refused with a conflict', async () => {
    const path = join(tempDir(), 'newer.duckdb');
    const store = await DuckDbStore.open(path);
    await store.run(`INSERT INTO schema_migrations VALUES (${SCHEMA_VERSION + 1}, 'from the future', now()::TIMESTAMP)`);
    await store.close();
    const error = await DuckDbStore.open(path).catch((e: unknown) => e);
    expect((error as TruenorthError).code).toBe('conflict');
    expect((error as TruenorthError).message).toContain(`has schema version ${SCHEMA_VERSION + 1}, newer than this truenorth (${SCHEMA_VERSION})`);
  });
});

describe('a second writer', () => {
  function holdOpen(path: string): Promise<{ child: ChildProcessWithoutNullStreams; next: (line: string) => Promise<void> }> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/fixtures/hold-db.ts'), path], { cwd: ROOT });
    let out = '';
    let err = '';
    const waiters: { line: string; resolve: () => void }[] = [];
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const w of [...waiters]) {
        if (out.split('\n').includes(w.line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
    const next = (line: string) => new Promise<void>((resolve, reject) => {
      if (out.split('\n').includes(line)) return resolve();
      waiters.push({ line, resolve });
      child.once('exit', (code) => reject(new Error(`holder exited (${code}) before "${line}": ${err}`)));
    });
    return next('ready').then(() => ({ child, next }));
  }

  it('gets a TruenorthError with code locked naming the file, quickly, and nothing is harmed', async () => {
    const path = join(tempDir(), 'shared.duckdb');
    const first = await DuckDbStore.open(path);
    await write(first,
      { type: 'track', event: 'Signed Up', userId: 'u1', messageId: 'e1', timestamp: t('10:00:00') },
      { type: 'identify', userId: 'u1', messageId: 'i1', timestamp: t('10:00:00'), traits: { role: 'pm' } });
    await first.close();

    const { child, next } = await holdOpen(path);
    try {
      for (const readOnly of [false, true]) {
        const started = Date.now();
        const error = await DuckDbStore.open(path, { readOnly }).catch((e: unknown) => e);
        expect(Date.now() - started).toBeLessThan(3000);
        expect(error).toBeInstanceOf(TruenorthError);
        expect((error as TruenorthError).code).toBe('locked');
        expect((error as TruenorthError).message).toMatch(
          new RegExp(`^database ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is already open for writing by another process \\(pid ${child.pid}\\); `),
        );
      }
      // The holder still works after the refused attempts.
      child.stdin.write('write\n');
      await next('wrote');
    } finally {
      child.stdin.end();
    }
    await next('closed');

    const after = await DuckDbStore.open(path);
    expect(await after.all('SELECT id, event, user_id FROM events')).toEqual([{ id: 'e1', event: 'Signed Up', user_id: 'u1' }]);
    expect(await after.all('SELECT user_id, traits FROM users')).toEqual([{ user_id: 'u1', traits: '{"role":"pm"}' }]);
    expect(await after.all('SELECT metric, period, value, entered_by FROM manual_values')).toEqual([
      { metric: 'cash', period: '2026-W02', value: 1000, entered_by: 'holder' },
    ]);
    expect(await after.all('SELECT count(*) AS n FROM schema_migrations')).toEqual([{ n: orderedMigrations().length }]);
    await after.close();
  });
});

describe('exact dedupe in one batch', () => {
  it('the same messageId twice in one batch is stored once', async () => {
    await withMemoryStore(async (store) => {
      const msg = { type: 'track', event: 'Message Sent', userId: 'u1', messageId: 'dup-1', timestamp: t('10:00:00') };
      const ident = { type: 'identify', userId: 'u1', messageId: 'dup-2', timestamp: t('10:00:00'), traits: { a: 1 } };
      expect(await write(store, msg, msg, { ...msg, messageId: 'other' }, ident, ident)).toEqual({ inserted: 3, duplicates: 2 });
      expect(await store.all('SELECT id FROM events ORDER BY id')).toEqual([{ id: 'dup-1' }, { id: 'other' }]);
      expect(await store.all('SELECT id FROM identity_messages')).toEqual([{ id: 'dup-2' }]);
      // Again, in a later batch: all duplicates, nothing changes.
      expect(await write(store, msg, ident)).toEqual({ inserted: 0, duplicates: 2 });
      expect(await store.all('SELECT count(*) AS n FROM events')).toEqual([{ n: 2 }]);
    });
  });

  it('a later message reusing a stored id does not replace the stored one', async () => {
    await withMemoryStore(async (store) => {
      await write(store, { type: 'track', event: 'First', userId: 'u1', messageId: 'same', timestamp: t('10:00:00') });
      expect(await write(store, { type: 'track', event: 'Second', userId: 'u2', messageId: 'same', timestamp: t('11:00:00') }))
        .toEqual({ inserted: 0, duplicates: 1 });
      expect(await store.all('SELECT id, event, user_id FROM events')).toEqual([{ id: 'same', event: 'First', user_id: 'u1' }]);
    });
  });
});

describe('identity stitching', () => {
  it('an anonymous visitor who signs up later is one actor, retroactively', async () => {
    await withMemoryStore(async (store) => {
      await write(store,
        { type: 'page', anonymousId: 'anon-1', messageId: 'pv-1', timestamp: t('09:00:00'), context: { page: { path: '/' } } },
        { type: 'page', anonymousId: 'anon-1', messageId: 'pv-2', timestamp: t('09:05:00'), context: { page: { path: '/pricing' } } },
        { type: 'page', anonymousId: 'anon-other', messageId: 'pv-3', timestamp: t('09:06:00') });
      expect(await actors(store)).toEqual({
        'pv-1': { actor: 'anon-1', account: null },
        'pv-2': { actor: 'anon-1', account: null },
        'pv-3': { actor: 'anon-other', account: null },
      });
      await write(store,
        { type: 'track', event: 'Signed Up', anonymousId: 'anon-1', userId: 'u1', messageId: 'su-1', timestamp: t('09:10:00') },
        { type: 'track', event: 'Message Sent', userId: 'u1', messageId: 'ms-1', timestamp: t('10:00:00') });
      expect(await actors(store)).toEqual({
        'ms-1': { actor: 'u1', account: null },
        'pv-1': { actor: 'u1', account: null },
        'pv-2': { actor: 'u1', account: null },
        'pv-3': { actor: 'anon-other', account: null },
        'su-1': { actor: 'u1', account: null },
      });
      expect(await links(store)).toEqual([{ anonymous_id: 'anon-1', user_id: 'u1', linked_at: '2026-01-05T09:10:00.000Z' }]);
      const distinct = await store.all(`SELECT count(DISTINCT actor_id) AS n FROM actor_events WHERE id IN ('pv-1', 'pv-2', 'su-1', 'ms-1')`);
      expect(distinct).toEqual([{ n: 1 }]);
    });
  });

  it('a PostHog anonymous distinct_id is merged by $identify', async () => {
    await withMemoryStore(async (store) => {
      await write(store,
        { event: '$pageview', distinct_id: 'ph-anon', uuid: 'ph-1', timestamp: t('09:00:00'), properties: { $pathname: '/' } },
        { event: 'Clicked Signup', distinct_id: 'ph-anon', uuid: 'ph-2', timestamp: t('09:01:00') });
      await write(store,
        { event: '$identify', distinct_id: 'user-9', uuid: 'ph-3', timestamp: t('09:02:00'), properties: { $anon_distinct_id: 'ph-anon', $set: { email: 'li@acme.io' } } },
        { event: 'Workspace Created', distinct_id: 'user-9', uuid: 'ph-4', timestamp: t('09:03:00'), properties: { $is_identified: true } });
      expect(await actors(store)).toEqual({
        'ph-1': { actor: 'user-9', account: null },
        'ph-2': { actor: 'user-9', account: null },
        'ph-4': { actor: 'user-9', account: null },
      });
      expect(await store.all('SELECT user_id, traits FROM users')).toEqual([{ user_id: 'user-9', traits: '{"email":"li@acme.io"}' }]);
    });
  });

  it('an alias (Segment alias, PostHog $create_alias) makes the previous id the user', async () => {
    await withMemoryStore(async (store) => {
      await write(store,
        { type: 'track', event: 'Legacy Login', userId: 'legacy-7', messageId: 'l-1', timestamp: t('08:00:00') },
        { type: 'track', event: 'Clicked', anonymousId: 'device-7', messageId: 'l-2', timestamp: t('08:30:00') });
      await write(store,
        { type: 'alias', previousId: 'legacy-7', userId: 'u7', messageId: 'al-1', timestamp: t('09:00:00') },
        { event: '$create_alias', distinct_id: 'u7', uuid: 'al-2', timestamp: t('09:00:01'), properties: { alias: 'device-7' } },
        { type: 'track', event: 'Message Sent', userId: 'u7', messageId: 'l-3', timestamp: t('10:00:00') });
      expect(await actors(store)).toEqual({
        'l-1': { actor: 'u7', account: null },
        'l-2': { actor: 'u7', account: null },
        'l-3': { actor: 'u7', account: null },
      });
      expect(await store.all('SELECT id, kind FROM identity_messages ORDER BY id')).toEqual([{ id: 'al-1', kind: 'alias' }, { id: 'al-2', kind: 'alias' }]);
      expect(await store.all('SELECT count(*) AS n FROM events')).toEqual([{ n: 3 }]);
    });
  });

  it('the earliest link wins when an anonymous id is later seen with another user, whatever the arrival order', async () => {
    await withMemoryStore(async (store) => {
      // In time order: anon-a with u-first at 09:00, then with u-second at 12:00.
      await write(store, { type: 'page', anonymousId: 'anon-a', messageId: 'a-pv', timestamp: t('08:00:00') });
      await write(store, { type: 'identify', anonymousId: 'anon-a', userId: 'u-first', messageId: 'a-1', timestamp: t('09:00:00') });
      await write(store, { type: 'track', event: 'X', anonymousId: 'anon-a', userId: 'u-second', messageId: 'a-2', timestamp: t('12:00:00') });
      // Arriving in reverse: the later link first, then the earlier one.
      await write(store, { type: 'page', anonymousId: 'anon-b', messageId: 'b-pv', timestamp: t('08:00:00') });
      await write(store, { type: 'track', event: 'X', anonymousId: 'anon-b', userId: 'u-late', messageId: 'b-2', timestamp: t('12:00:00') });
      expect(await actors(store)).toMatchObject({ 'b-pv': { actor: 'u-late' } });
      await write(store, { type: 'identify', anonymousId: 'anon-b', userId: 'u-early', messageId: 'b-1', timestamp: t('09:00:00') });
      // Both in one batch.
      await write(store,
        { type: 'track', event: 'X', anonymousId: 'anon-c', userId: 'u-c2', messageId: 'c-2', timestamp: t('12:00:00') },
        { type: 'track', event: 'X', anonymousId: 'anon-c', userId: 'u-c1', messageId: 'c-1', timestamp: t('09:00:00') });
      expect(await links(store)).toEqual([
        { anonymous_id: 'anon-a', user_id: 'u-first', linked_at: '2026-01-05T09:00:00.000Z' },
        { anonymous_id: 'anon-b', user_id: 'u-early', linked_at: '2026-01-05T09:00:00.000Z' },
        { anonymous_id: 'anon-c', user_id: 'u-c1', linked_at: '2026-01-05T09:00:00.000Z' },
      ]);
      expect(await actors(store)).toEqual({
        'a-2': { actor: 'u-second', account: null },
        'a-pv': { actor: 'u-first', account: null },
        'b-2': { actor: 'u-late', account: null },
        'b-pv': { actor: 'u-early', account: null },
        'c-1': { actor: 'u-c1', account: null },
        'c-2': { actor: 'u-c2', account: null },
      });
    });
  });

  it('the account from group applies to the user’s events without a groupId, including stitched anonymous ones', async () => {
    await withMemoryStore(async (store) => {
      await write(store,
        { type: 'page', anonymousId: 'anon-1', messageId: 'pv-1', timestamp: t('09:00:00') },
        { type: 'track', event: 'Signed Up', anonymousId: 'anon-1', userId: 'u1', messageId: 'su-1', timestamp: t('09:10:00') },
        { type: 'track', event: 'Message Sent', userId: 'u1', messageId: 'ms-1', timestamp: t('10:00:00') },
        { type: 'track', event: 'Message Sent', userId: 'u1', messageId: 'ms-2', timestamp: t('10:05:00'), context: { groupId: 'side-project' } },
        { type: 'track', event: 'Message Sent', userId: 'u2', messageId: 'ms-3', timestamp: t('10:06:00') });
      await write(store,
        { type: 'group', userId: 'u1', groupId: 'acme', messageId: 'g-1', timestamp: t('09:30:00'), traits: { name: 'Acme', seats: 10 } },
        { event: '$groupidentify', distinct_id: 'u1', uuid: 'g-2', timestamp: t('11:00:00'), properties: { $group_type: 'company', $group_key: 'acme', $group_set: { seats: 25 } } });
      expect(await actors(store)).toEqual({
        'ms-1': { actor: 'u1', account: 'acme' },
        'ms-2': { actor: 'u1', account: 'side-project' },
        'ms-3': { actor: 'u2', account: null },
        'pv-1': { actor: 'u1', account: 'acme' },
        'su-1': { actor: 'u1', account: 'acme' },
      });
      const accounts = await store.all<{ account_id: string; traits: string; updated_at: Date }>('SELECT account_id, traits, updated_at FROM accounts');
      expect(accounts.map((a) => ({ ...a, traits: JSON.parse(a.traits) }))).toEqual([
        { account_id: 'acme', traits: { name: 'Acme', seats: 25 }, updated_at: new Date(t('11:00:00')) },
      ]);
    });
  });

  it('traits: the latest by timestamp wins even when an older identify arrives later; the history stays', async () => {
    await withMemoryStore(async (store) => {
      await write(store, { type: 'identify', userId: 'u1', messageId: 'id-new', timestamp: t('12:00:00'), traits: { plan: 'team', role: 'pm' } });
      await write(store, { type: 'identify', userId: 'u1', messageId: 'id-old', timestamp: t('09:00:00'), traits: { plan: 'free', company_size: 40 } });
      await write(store, { type: 'group', userId: 'u1', groupId: 'acme', messageId: 'g-1', timestamp: t('10:00:00') });
      const users = await store.all<{ user_id: string; account_id: string; traits: string; updated_at: Date }>('SELECT * FROM users');
      expect(users.map((u) => ({ ...u, traits: JSON.parse(u.traits) }))).toEqual([
        { user_id: 'u1', account_id: 'acme', traits: { plan: 'team', role: 'pm', company_size: 40 }, updated_at: new Date(t('12:00:00')) },
      ]);
      const history = await store.all(`SELECT id, kind, strftime(ts, '%H:%M') AS at, user_id, traits FROM identity_messages ORDER BY ts`);
      expect(history).toEqual([
        { id: 'id-old', kind: 'identify', at: '09:00', user_id: 'u1', traits: '{"plan":"free","company_size":40}' },
        { id: 'g-1', kind: 'group', at: '10:00', user_id: 'u1', traits: '{}' },
        { id: 'id-new', kind: 'identify', at: '12:00', user_id: 'u1', traits: '{"plan":"team","role":"pm"}' },
      ]);
    });
  });
});

describe('transactions', () => {
  it('rolls back everything on a failure', async () => {
    await withMemoryStore(async (store) => {
      const counts = async () => Promise.all(TABLES.map(async (table) => (await store.all<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0].n));
      const before = await counts();
      const writer = new IngestWriter(store, 'test');
      await expect(store.transaction(async () => {
        await writer.write(normalize(
          { type: 'track', event: 'X', anonymousId: 'a', userId: 'u', messageId: 'x', timestamp: t('10:00:00') },
          { type: 'identify', userId: 'u', messageId: 'y', timestamp: t('10:00:00'), traits: { k: 1 } }));
        throw new Error('boom');
      })).rejects.toThrow('boom');
      expect(await counts()).toEqual(before);
      // The store is still usable after the rollback.
      expect(await write(store, { type: 'track', event: 'X', userId: 'u', messageId: 'x', timestamp: t('10:00:00') })).toEqual({ inserted: 1, duplicates: 0 });
    });
  });
});

describe('writer after a rollback', () => {
  it('writes again after the transaction that created its staging tables rolled back', async () => {
    const { DuckDbStore } = await import('../src/engine/duckdb/database.js');
    const { IngestWriter } = await import('../src/engine/ingest/writer.js');
    const { normalizeMessage } = await import('../src/engine/ingest/normalize.js');
    const store = await DuckDbStore.open(':memory:');
    const writer = new IngestWriter(store, 'test');
    const message = (id: string) => {
      const r = normalizeMessage({ type: 'track', event: 'E', userId: 'u', anonymousId: `anon-${id}`, timestamp: '2026-11-02T00:00:00Z', messageId: id });
      if (!r.ok) throw new Error(r.error);
      return r.messages;
    };
    await expect(store.transaction(async () => {
      await writer.write(message('a'));
      throw new Error('abandoned');
    })).rejects.toThrow('abandoned');
    await store.transaction(() => writer.write(message('a')));
    await store.transaction(() => writer.write(message('b')));
    const rows = await store.all<{ id: string }>('SELECT id FROM events ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual(['a', 'b']);
    await store.close();
  });
});

describe('memory budget', () => {
  it('TRUENORTH_MEMORY_LIMIT sets DuckDB memory_limit; a malformed value is one clear error', async () => {
    const before = process.env.TRUENORTH_MEMORY_LIMIT;
    try {
      process.env.TRUENORTH_MEMORY_LIMIT = '1GB';
      const store = await DuckDbStore.open(':memory:');
      const [{ limit }] = await store.all<{ limit: string }>(`SELECT current_setting('memory_limit') AS limit`);
      await store.close();
      expect(limit).toMatch(/^(953\.6 MiB|1\.0 GiB|1000\.0 MB)$/);
      process.env.TRUENORTH_MEMORY_LIMIT = 'lots';
      await expect(DuckDbStore.open(':memory:')).rejects.toThrow(/TRUENORTH_MEMORY_LIMIT: expected a size like 4GB or 512MB, got "lots"/);
      delete process.env.TRUENORTH_MEMORY_LIMIT;
      const fallback = await DuckDbStore.open(':memory:');
      const [{ limit: byDefault }] = await fallback.all<{ limit: string }>(`SELECT current_setting('memory_limit') AS limit`);
      await fallback.close();
      expect(byDefault).toMatch(/^(1\.6 GiB|1\.7 GB|1\.8 GB)$/);
    } finally {
      if (before === undefined) delete process.env.TRUENORTH_MEMORY_LIMIT;
      else process.env.TRUENORTH_MEMORY_LIMIT = before;
    }
  });
});
