/**
 * The fast NDJSON reader (chunks split at bytes, decoded whole) and the pipelined import read the
 * same records, with the same line numbers, as a line-by-line reader would, however the input is
 * chunked: CRLF, lone CR, blank lines, multi-byte characters cut between chunks.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { importEvents } from '../src/engine/ingest/import-events.js';
import { openSource, type SourceRecord } from '../src/engine/ingest/sources.js';

async function records(chunks: Buffer[]): Promise<SourceRecord[]> {
  const source = await openSource('-', 'ndjson', Readable.from(chunks));
  const out: SourceRecord[] = [];
  for await (const batch of source.batches) out.push(...batch);
  return out;
}

/** Every way of cutting the bytes in two, plus one byte at a time. */
function cuts(bytes: Buffer): Buffer[][] {
  const out: Buffer[][] = [[bytes], Array.from(bytes, (b) => Buffer.from([b]))];
  for (let i = 1; i < bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return out;
}

describe('NDJSON reader', () => {
  const text = '{"a":1}\r\n\r\n{"b":"é✓😀"}\r{"c":[1,2]}\n  \n{bad\n[{"d":1},{"e":2}]\r\n{"f":"last"}';
  const expected: SourceRecord[] = [
    { line: 1, value: { a: 1 } },
    { line: 3, value: { b: 'é✓😀' } },
    { line: 4, value: { c: [1, 2] } },
    { line: 6, error: expect.stringMatching(/^invalid JSON \(/) as unknown as string },
    { line: 7, value: { d: 1 } },
    { line: 7, value: { e: 2 } },
    { line: 8, value: { f: 'last' } },
  ];

  it('reads the same records and line numbers however the bytes are chunked', async () => {
    for (const chunks of cuts(Buffer.from(text, 'utf8'))) {
      expect(await records(chunks)).toEqual(expected);
    }
  });

  it('ends the last line at a final CR or LF without an extra line', async () => {
    expect(await records([Buffer.from('{"a":1}\r')])).toEqual([{ line: 1, value: { a: 1 } }]);
    expect(await records([Buffer.from('{"a":1}\n')])).toEqual([{ line: 1, value: { a: 1 } }]);
    expect(await records([Buffer.from('{"a":1}\n\n{"b":2}')])).toEqual([{ line: 1, value: { a: 1 } }, { line: 3, value: { b: 2 } }]);
  });
});

describe('pipelined import', () => {
  it('imports every batch in order with small batches, and --strict still writes nothing on a late bad row', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({
      type: 'track', messageId: `m${i}`, event: 'E', userId: `u${i % 7}`, anonymousId: `a${i % 5}`, timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    }));
    const store = await DuckDbStore.open(':memory:');
    try {
      const report = await importEvents(store, '-', { batchSize: 3, stdin: Readable.from([lines.join('\n')]) });
      expect(report).toMatchObject({ imported: 50, duplicates: 0, rejected: 0 });
      expect((await store.all<{ n: number }>('SELECT count(*) AS n FROM events'))[0].n).toBe(50);
      const again = await importEvents(store, '-', { batchSize: 4, stdin: Readable.from([lines.join('\n')]) });
      expect(again).toMatchObject({ imported: 0, duplicates: 50 });

      const fresh = lines.map((l) => l.replace(/"m(\d+)"/, '"n$1"'));
      fresh[45] = '{"type":"track"}';
      await expect(importEvents(store, '-', { batchSize: 3, strict: true, stdin: Readable.from([fresh.join('\n')]) })).rejects.toThrow(/line 46/);
      expect((await store.all<{ n: number }>('SELECT count(*) AS n FROM events'))[0].n).toBe(50);
    } finally {
      await store.close();
    }
  });
});

describe('Parquet reader', () => {
  it('reads text, integer and boolean columns as one JSON text per row, with the values the row objects gave', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'truenorth-parquet-'));
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const simple = join(dir, 'simple.parquet');
      await connection.run(`COPY (SELECT * FROM (VALUES
          ('track', 'E "q" é\\n', 'u1', NULL::VARCHAR, '2026-01-02T03:04:05.678Z', 'm1', 'acct', '{"a":1,"b":[true,null]}', 9007199254740993::BIGINT, TRUE),
          ('track', 'E2', NULL, 'anon', '2026-01-02T03:04:06Z', 'm2', NULL, NULL, -5::BIGINT, FALSE)
        ) t(type, event, userId, anonymousId, timestamp, messageId, "context.groupId", properties, "properties.n", "properties.flag"))
        TO '${simple}' (FORMAT parquet)`);
      const typed = join(dir, 'typed.parquet');
      await connection.run(`COPY (SELECT 'track' AS type, 'E' AS event, 'u1' AS userId, TIMESTAMP '2026-01-02 03:04:05.678' AS timestamp, 'm3' AS messageId)
        TO '${typed}' (FORMAT parquet)`);
      const read = async (path: string) => {
        const source = await openSource(path, 'parquet');
        const out: SourceRecord[] = [];
        for await (const batch of source.batches) out.push(...batch);
        return out;
      };
      expect(await read(simple)).toEqual([
        { line: 1, value: { type: 'track', event: 'E "q" é\\n', userId: 'u1', timestamp: '2026-01-02T03:04:05.678Z', messageId: 'm1', context: { groupId: 'acct' }, properties: { a: 1, b: [true, null], n: 9007199254740992, flag: true } } },
        { line: 2, value: { type: 'track', event: 'E2', anonymousId: 'anon', timestamp: '2026-01-02T03:04:06Z', messageId: 'm2', properties: { n: -5, flag: false } } },
      ]);
      expect(await read(typed)).toEqual([
        { line: 1, value: { type: 'track', event: 'E', userId: 'u1', timestamp: '2026-01-02T03:04:05.678Z', messageId: 'm3' } },
      ]);
    } finally {
      connection.closeSync();
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
