/** The control-state port on both engines: the same answers from the DuckDB file and from ClickHouse. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickHouseControl } from '../src/engine/clickhouse/control.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import type { ControlStore } from '../src/engine/control.js';
import { duckDbControl } from '../src/engine/duckdb/control.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { openChdb } from './helpers/engines.js';

let dir: string;
let duck: DuckDbStore;
let ch: ClickHouseStore;
let cleanupCh: () => Promise<void>;
const engines: Record<string, () => ControlStore> = {
  duckdb: () => duckDbControl(duck),
  clickhouse: () => clickHouseControl(ch, { claimSettleMs: 50 }),
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'truenorth-control-'));
  duck = await DuckDbStore.open(join(dir, 'control.duckdb'));
  ({ store: ch, cleanup: cleanupCh } = await openChdb());
}, 30_000);

afterAll(async () => {
  await duck?.close();
  await cleanupCh?.();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(Object.keys(engines))('control store on %s', (engine) => {
  it('keys: an id is taken once; a revocation keeps its first instant; an unknown id is no key', async () => {
    const { keys, shared } = engines[engine]();
    expect(shared).toBe(engine === 'clickhouse');
    const key = { id: 'tnw_Abc12345', kind: 'write' as const, name: 'web', hash: 'ab'.repeat(32), created_at: '2026-11-02T10:00:00.000Z' };
    expect(await keys.insert(key)).toBe(true);
    expect(await keys.insert({ ...key, hash: 'cd'.repeat(32) })).toBe(false);
    expect(await keys.insert({ ...key, id: 'tns_Xyz98765', kind: 'secret', name: null, created_at: '2026-11-01T10:00:00.000Z' })).toBe(true);
    expect((await keys.list()).map((k) => [k.id, k.hash.slice(0, 2), k.revoked_at])).toEqual([['tns_Xyz98765', 'ab', null], ['tnw_Abc12345', 'ab', null]]);
    expect(await keys.revoke('tnw_Abc12345', '2026-11-03T10:00:00.000Z')).toBe(true);
    expect(await keys.revoke('tnw_Abc12345', '2026-11-04T10:00:00.000Z')).toBe(true);
    expect(await keys.revoke('tnw_Nobody00', '2026-11-04T10:00:00.000Z')).toBe(false);
    expect((await keys.list()).find((k) => k.id === 'tnw_Abc12345')).toEqual({ ...key, revoked_at: '2026-11-03T10:00:00.000Z' });
  });

  it('sessions: found while open, gone once closed, expiry kept to the millisecond', async () => {
    const { sessions } = engines[engine]();
    const session = { idHash: '01'.repeat(32), tokenHash: '02'.repeat(32), expiresAt: Date.parse('2099-01-01T00:00:00.123Z') };
    expect(await sessions.find(session.idHash)).toBeUndefined();
    await sessions.open(session);
    expect(await sessions.find(session.idHash)).toEqual(session);
    await sessions.close(session.idHash);
    expect(await sessions.find(session.idHash)).toBeUndefined();
  });

  it('digest claims: of two claimants at once exactly one wins, and a later claim loses', async () => {
    const { digestClaims } = engines[engine]();
    const won = await Promise.all([digestClaims.claim('2026-W09', 'webhook', 'server a'), digestClaims.claim('2026-W09', 'webhook', 'server b')]);
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await digestClaims.claim('2026-W09', 'webhook', 'server c')).toBe(false);
    // Another target, another week: claims of their own.
    expect(await digestClaims.claim('2026-W09', 'email', 'server c')).toBe(true);
    expect(await digestClaims.claim('2026-W10', 'webhook', 'server c')).toBe(true);
  });

  it('alert firings: a condition fires once, from one of two servers; its row and kind wait out the cooldown', async () => {
    const { alertFirings } = engines[engine]();
    const day = 86_400_000;
    const t0 = Date.parse('2026-11-26T06:00:00.000Z');
    const subject = 'anomaly:journey.signup';
    const won = await Promise.all(['server a', 'server b'].map((server) => alertFirings.fire(`${subject}:2026-W48`, subject, server, t0, 3 * day)));
    expect(won.filter(Boolean)).toHaveLength(1);
    // The same condition an hour later, from either server: already fired.
    expect(await alertFirings.fire(`${subject}:2026-W48`, subject, 'server a', t0 + 3_600_000, 3 * day)).toBe(false);
    // Next week's condition on the same row inside the cooldown: held back; after it: fires.
    expect(await alertFirings.fire(`${subject}:2026-W49`, subject, 'server a', t0 + 2 * day, 3 * day)).toBe(false);
    expect(await alertFirings.fire(`${subject}:2026-W49`, subject, 'server a', t0 + 4 * day, 3 * day)).toBe(true);
    // Another row is its own subject.
    expect(await alertFirings.fire('anomaly:journey.setup:2026-W48', 'anomaly:journey.setup', 'server b', t0, 3 * day)).toBe(true);
  });
});
