/** Shared data for the leading-indicator, metric-tree and churn-risk tests. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import { generateDemo, type DemoSummary } from '../../src/demo/index.js';
import { DuckDbStore } from '../../src/engine/duckdb/database.js';
import { importEvents } from '../../src/engine/ingest/import-events.js';
import { importLedger } from '../../src/engine/ingest/import-ledger.js';
import type { SqlEngine } from '../../src/engine/sql-engine.js';
import { reportContext, type ReportContext } from '../../src/reports/context.js';
import { modelFromConfig } from '../../src/config/model.js';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

export interface DemoCompany {
  ctx: ReportContext;
  summary: DemoSummary;
  cleanup: () => Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What the demo database depends on: a change to any of these builds a fresh one. */
const INPUTS = ['src/demo', 'src/engine/ingest', 'src/engine/duckdb', 'src/model/message.ts', 'test/helpers/beyond.ts'];

function sourceKey(): string {
  const hash = createHash('sha256');
  const walk = (path: string) => {
    const full = join(ROOT, path);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) {
      for (const name of readdirSync(full).sort()) walk(join(path, name));
    } else {
      hash.update(path).update(readFileSync(full));
    }
  };
  for (const input of INPUTS) walk(input);
  return hash.digest('hex').slice(0, 16);
}

/** Builds the demo database once per source version; concurrent test files wait for the first. */
async function demoDatabase(): Promise<{ dir: string; db: string; summary: DemoSummary }> {
  const dir = join(tmpdir(), `truenorth-beyond-demo-${sourceKey()}`);
  const db = join(dir, 'demo.duckdb');
  const ready = join(dir, 'summary.json');
  const lock = `${dir}.lock`;
  const deadline = Date.now() + 300_000;
  while (!existsSync(ready)) {
    let mine = false;
    try {
      mkdirSync(lock);
      mine = true;
    } catch {
      // Another test file is building it; a lock older than 5 minutes is left over from a killed run.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
    }
    if (mine) {
      try {
        if (!existsSync(ready)) {
          rmSync(dir, { recursive: true, force: true });
          mkdirSync(dir, { recursive: true });
          const summary = await generateDemo({ outDir: dir });
          const building = `${db}.building`;
          const store = await DuckDbStore.open(building);
          await importEvents(store, summary.files.events, { batchSize: 100_000 });
          await importLedger(store, summary.files.subscriptions);
          await store.checkpoint();
          await store.close();
          renameSync(building, db);
          writeFileSync(ready, JSON.stringify(summary));
          // Databases of older source versions are of no more use.
          for (const name of readdirSync(tmpdir())) {
            const other = join(tmpdir(), name);
            if (name.startsWith('truenorth-beyond-demo-') && other !== dir && !name.endsWith('.lock') && !existsSync(`${other}.lock`)) {
              rmSync(other, { recursive: true, force: true });
            }
          }
        }
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
      break;
    }
    if (Date.now() > deadline) throw new Error('timed out waiting for the demo database');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { dir, db, summary: JSON.parse(readFileSync(ready, 'utf8')) as DemoSummary };
}

/**
 * The demo company (`truenorth demo`'s data, default size and seed) in a DuckDB file opened
 * read-only, with its truenorth.yaml, as of the end of its data. Built once per source version
 * (in the system temp directory) and shared by the test files.
 */
export async function demoCompany(): Promise<DemoCompany> {
  const { dir, db, summary } = await demoDatabase();
  const store = await DuckDbStore.open(db, { readOnly: true });
  const model = modelFromConfig(loadConfig(join(dir, 'truenorth.yaml')));
  const asOf = Date.parse(`${summary.period.end}T00:00:00Z`);
  return { ctx: reportContext(store, model, asOf), summary, cleanup: () => store.close() };
}

/** Counts the statements a report sends to the engine. */
export function countingEngine(engine: SqlEngine): SqlEngine & { statements: number } {
  const counting = {
    dialect: engine.dialect,
    statements: 0,
    all<T>(sql: string, params?: Parameters<SqlEngine['all']>[1]) {
      counting.statements++;
      return engine.all<T>(sql, params) as Promise<T[]>;
    },
    close: () => engine.close(),
  };
  return counting as SqlEngine & { statements: number };
}

/** A small seeded generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let counter = 0;
/** A Segment track message. */
export function track(event: string, userId: string, ms: number, properties: object = {}): object {
  return { type: 'track', event, userId, timestamp: new Date(ms).toISOString(), properties, messageId: `b${++counter}` };
}

export function identify(userId: string, traits: object, ms: number): object {
  return { type: 'identify', userId, traits, timestamp: new Date(ms).toISOString(), messageId: `b${++counter}` };
}

export function group(userId: string, groupId: string, traits: object, ms: number): object {
  return { type: 'group', userId, groupId, traits, timestamp: new Date(ms).toISOString(), messageId: `b${++counter}` };
}
