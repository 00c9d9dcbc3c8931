import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { createKey } from '../src/server/keys.js';
import { readServerFile, serverFilePath } from '../src/server/server-file.js';
import { exited, spawnServe, waitForServer as waitForChild, type ServeChild } from './helpers/serve-child.js';
import { duckDbControl } from '../src/engine/duckdb/control.js';

/**
 * A real `truenorth serve` child process takes a stream of batches; it is killed with SIGKILL in the
 * middle; it restarts on the same file. Every message id it acknowledged must be stored, exactly once.
 */
const dir = mkdtempSync(join(tmpdir(), 'truenorth-crash-'));
const db = join(dir, 'crash.duckdb');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function serve(): ChildProcess {
  const server = spawnServe(db);
  children.push(server.child);
  logs.set(server.child, server);
  return server.child;
}

const logs = new Map<ChildProcess, ServeChild>();
const waitForServer = (child: ChildProcess) => waitForChild(db, logs.get(child)!);

const BATCH = 50;
const batchBody = (n: number) => JSON.stringify({
  batch: Array.from({ length: BATCH }, (_, i) => ({
    type: 'track', messageId: `crash-${n}-${i}`, userId: `user-${(n * BATCH + i) % 97}`, event: 'Message Sent',
    timestamp: '2026-03-02T10:00:00Z', properties: { n, i },
  })),
});

describe('durability', () => {
  it('every acknowledged message survives kill -9 exactly once', async () => {
    const setup = await DuckDbStore.open(db);
    const key = await createKey(duckDbControl(setup).keys, 'write', 'crash test');
    await setup.close();
    const auth = `Basic ${Buffer.from(`${key.token}:`).toString('base64')}`;

    const first = serve();
    const info = await waitForServer(first);
    const acked: number[] = [];
    let next = 0;
    let killed = false;
    const TARGET = 2_000; // acknowledged events before the kill
    const lane = async () => {
      // Bounded: stops at the kill, or after 400 batches at most.
      while (!killed && next < 400) {
        const n = next++;
        try {
          const res = await fetch(`${info.url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: batchBody(n) });
          if (res.status === 200) acked.push(n);
        } catch {
          // the connection died with the server: not acknowledged
        }
        if (!killed && acked.length * BATCH >= TARGET) {
          killed = true;
          first.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, lane));
    await exited(first);
    expect(first.signalCode).toBe('SIGKILL');
    expect(acked.length * BATCH).toBeGreaterThanOrEqual(TARGET);
    // The stale address file of the killed server is still there; the new server replaces it.
    expect(readServerFile(db)?.pid).toBe(first.pid);

    const second = serve();
    const again = await waitForServer(second);
    // SDKs retry what they did not see acknowledged, and sometimes what they did: both are harmless.
    for (const n of [...acked.slice(0, 5), next - 1, next]) {
      const res = await fetch(`${again.url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: batchBody(n) });
      expect(res.status).toBe(200);
    }
    second.kill('SIGTERM');
    await exited(second);
    expect(second.exitCode).toBe(0);
    expect(existsSync(serverFilePath(db))).toBe(false);

    const store = await DuckDbStore.open(db, { readOnly: true });
    try {
      const rows = await store.all<{ id: string }>(`SELECT id FROM events WHERE id LIKE 'crash-%'`);
      const ids = new Set(rows.map((r) => r.id));
      expect(ids.size).toBe(rows.length); // exactly once
      const missing: string[] = [];
      for (const n of acked) for (let i = 0; i < BATCH; i++) if (!ids.has(`crash-${n}-${i}`)) missing.push(`crash-${n}-${i}`);
      expect(missing).toEqual([]);
      // Batches are atomic: any batch is stored whole or not at all.
      const perBatch = await store.all<{ n: number }>(`SELECT count(*) AS n FROM events WHERE id LIKE 'crash-%' GROUP BY split_part(id, '-', 2) HAVING count(*) <> ${BATCH}`);
      expect(perBatch).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
