/**
 * `truenorth bench --live`, run tiny: HTTP ingestion at a steady rate while the dashboard's reads run
 * once a second against the real server; every answer is checked for read-your-writes, and the last
 * ones, asked after every event was acknowledged, hold exactly the events sent.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LiveResults } from '../tools/bench/live.js';
import { checkAnswer, countKinds, LIVE_READS, zeroCounts } from '../tools/bench/live-traffic.js';
import { liveReads } from '../tools/bench/suite.js';

const repo = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'truenorth-bench-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench --live', () => {
  it('checks an answer against the events acknowledged before it and sent before its answer', () => {
    const scorecard = LIVE_READS.find((r) => r.name === 'scorecard')!;
    const acked = { message: 40, visit: 3, signup: 2 };
    const sent = { message: 50, visit: 3, signup: 3 };
    expect(checkAnswer(scorecard, 140, 100, acked, sent)).toBeNull();
    expect(checkAnswer(scorecard, 150, 100, acked, sent)).toBeNull();
    expect(checkAnswer(scorecard, 139, 100, acked, sent)).toBe('scorecard: 139, but 140 were acknowledged before the request');
    expect(checkAnswer(scorecard, 151, 100, acked, sent)).toBe('scorecard: 151, more than the 150 sent before the answer');
    expect(checkAnswer(scorecard, null, 100, acked, sent)).toBe('scorecard: no 2026-W47 figure, expected at least 140');
    expect(checkAnswer(scorecard, null, 0, zeroCounts(), sent)).toBeNull();
  });

  it('runs the reads --live-reads names, and refuses a name it does not know', () => {
    expect(liveReads('scorecard, north-star')).toEqual(['scorecard', 'north-star']);
    expect(() => liveReads('scorecard,people')).toThrow('--live-reads: expected some of scorecard, north-star, funnel, retention, got "people"');
  });

  it('ingests at the rate while the reads run, and every answer holds the acknowledged events', () => {
    const args = ['--import', 'tsx', 'tools/bench/main.ts', '--live', '--scale', '20k', '--seconds', '3', '--rate', '200',
      '--engine', 'duckdb', '--data', join(dir, 'data'), '--out', join(dir, 'out'), '--json'];
    const run = spawnSync(process.execPath, args, { cwd: repo, encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).not.toContain('truenorth:');
    expect(run.status).toBe(0);
    const r = JSON.parse(run.stdout) as LiveResults;
    expect(r.ingest.events_sent).toBe(600);
    expect(r.ingest.events_acked).toBe(600);
    expect(r.read_your_writes).toBe(true);
    expect(r.state_build.ms).toBeGreaterThan(0);
    // The first server answered each read once before the restart.
    expect(Object.keys(r.state_build.reads_ms).sort()).toEqual(LIVE_READS.map((x) => x.path).sort());
    expect(r.first_write_ms).toBeGreaterThan(0);
    const kinds = zeroCounts();
    countKinds(0, 600, kinds);
    expect(kinds).toEqual({ message: 540, visit: 30, signup: 30 });
    expect(r.reads.map((f) => f.name)).toEqual(['scorecard', 'north-star', 'funnel', 'retention']);
    for (const f of r.reads) {
      expect(f.failed, f.failures.join('; ')).toBe(0);
      // At least a round while the events stream in and the last one; more when the machine keeps up.
      expect(f.checked).toBeGreaterThanOrEqual(2);
      expect(f.requests).toBe(f.checked);
      expect(f.p95_ms).toBeGreaterThanOrEqual(f.p50_ms);
      // The last answer is asked after every event was acknowledged, so at least it came after a write.
      expect(f.after_write.requests).toBeGreaterThanOrEqual(1);
      expect(f.after_write.requests).toBeLessThan(f.requests);
      expect(f.final, f.name).toBe(f.base + kinds[LIVE_READS.find((x) => x.name === f.name)!.kind]);
    }
    const files = readdirSync(join(dir, 'out'));
    expect(files).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dir, 'out', files[0]), 'utf8'))).toEqual(r);
  }, 150_000);
});
