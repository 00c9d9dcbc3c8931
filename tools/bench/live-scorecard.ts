/**
 * The scorecard on a live store: after each small write (10 events in the current hour), the
 * scorecard read the way the server reads it (the query cache, the live first-reach state), against
 * the same read computed from the events alone (no state, no cache); runs interleaved, medians.
 * `node --import tsx tools/bench/live-scorecard.ts <bench data dir> [runs]` on data the bench
 * generated and imported (bench-data/1m); it works on a copy of the store.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { READS } from '../../src/app/catalogue.js';
import { loadConfig } from '../../src/config/load.js';
import { modelFromConfig } from '../../src/config/model.js';
import { DuckDbStore } from '../../src/engine/duckdb/database.js';
import { ensureLiveState } from '../../src/engine/duckdb/live-state.js';
import { normalizeMessage } from '../../src/engine/ingest/normalize.js';
import { IngestWriter } from '../../src/engine/ingest/writer.js';
import { reportContext } from '../../src/reports/context.js';
import { QueryCache } from '../../src/reports/query-cache.js';
import { BENCH_AS_OF } from './data.js';
import { runRead } from './read.js';

const [dataDir, runsText = '5'] = process.argv.slice(2);
const runs = Number(runsText);
const config = loadConfig(join(dataDir, 'truenorth.yaml'));
const model = modelFromConfig(config);
const work = mkdtempSync(join(tmpdir(), 'truenorth-live-'));
const db = join(work, 'live.duckdb');
copyFileSync(join(dataDir, 'work', 'truenorth.duckdb'), db);
const store = await DuckDbStore.open(db);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  let started = performance.now();
  await ensureLiveState((w) => store.transaction(() => w(store)), model.journey);
  const buildMs = performance.now() - started;
  const writer = new IngestWriter(store, 'bench');
  let sent = 0;
  const smallWrite = () => store.transaction(() => writer.write(Array.from({ length: 10 }, () => {
    const n = ++sent;
    const r = normalizeMessage({ type: 'track', messageId: `live-${n}`, event: n % 2 ? 'Message Sent' : 'Signed Up', userId: `live-${n}`, timestamp: new Date(BENCH_AS_OF - 600_000).toISOString(), properties: { channel: 'general' } });
    if (!r.ok) throw new Error(r.error);
    return r.messages[0];
  })));
  const reader = await store.reader();
  const live = reportContext(reader, model, BENCH_AS_OF, new QueryCache());
  const timed = async (run: () => Promise<unknown>) => {
    started = performance.now();
    await run();
    return performance.now() - started;
  };
  await runRead(READS.scorecard, live, config);
  const times = { live: [] as number[], cold: [] as number[] };
  for (let i = 0; i < runs; i++) {
    await smallWrite();
    times.live.push(await timed(() => runRead(READS.scorecard, live, config)));
    // The same read from the events alone: no query cache, and no state to read.
    await store.transaction(() => store.run('UPDATE live_state_defs SET def = \'off:\' || def'));
    times.cold.push(await timed(() => runRead(READS.scorecard, reportContext(reader, model, BENCH_AS_OF), config)));
    await store.transaction(() => store.run('UPDATE live_state_defs SET def = substr(def, 5)'));
  }
  await reader.close();
  const ms = (x: number) => `${Math.round(x)} ms`;
  console.log(`live state built in ${ms(buildMs)}`);
  console.log(`scorecard after a small write: live ${ms(median(times.live))} (${times.live.map(ms).join(', ')}), from the events ${ms(median(times.cold))} (${times.cold.map(ms).join(', ')}); ${(median(times.cold) / median(times.live)).toFixed(1)}× faster`);
} finally {
  await store.close();
  rmSync(work, { recursive: true, force: true });
}
