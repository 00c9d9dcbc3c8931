import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_CAPABILITIES } from '../src/engine/capabilities.js';
import { z } from 'zod';
import { READ_OPERATIONS, READS, WRITE_OPERATIONS } from '../src/app/catalogue.js';
import { defineRead } from '../src/app/operation.js';
import { prepareRead } from '../src/app/run.js';
import type { SqlEngine } from '../src/engine/sql-engine.js';
import { defaultAuthor } from '../src/cli/author.js';
import { loadConfig } from '../src/config/load.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { listCheckins, reviewNotes } from '../src/engine/workspace.js';
import { TruenorthServer } from '../src/server/app.js';
import { runCli } from './helpers/in-process-cli.js';

/**
 * Each operation is defined once in the catalogue; the command line and HTTP are two entrances to
 * it. Where the entrances used to hold copies that disagreed, these pin the one answer.
 */
const dir = mkdtempSync(join(tmpdir(), 'truenorth-operations-'));
const demo = join(dir, 'demo');
const db = join(demo, 'truenorth.duckdb');
const config = join(demo, 'truenorth.yaml');
const AS_OF = '2026-11-18';

/** The CLI on the demo's files; `TRUENORTH_USER` cleared unless given. */
const cli = (args: string[], env: Record<string, string> = {}) => runCli(['--db', db, '--config', config, ...args], { TRUENORTH_USER: '', ...env });

/**
 * Every read, as the command line asks for it: the command and its flags for the JSON that
 * `GET /api/v1/<name>?<query>` answers. `null`: a read only the dashboard makes.
 */
const CLI_FORMS: Record<string, { args: string[]; query: string } | null> = {
  'north-star': { args: ['north-star', '--json', '--segment', 'ideal', '--from', '2026-W40'], query: 'segment=ideal&from=2026-W40' },
  funnel: { args: ['funnel', '--json', '--weekly'], query: 'weekly=1' },
  retention: { args: ['retention', '--json', '--period', 'month', '--mode', 'on-or-after'], query: 'period=month&mode=on-or-after' },
  pql: { args: ['pql', '--json'], query: '' },
  leading: { args: ['leading', '--json', '--within', '14d', '--min-users', '5'], query: 'within=14d&min_users=5' },
  tree: { args: ['tree', '--json'], query: '' },
  risk: { args: ['risk', '--json'], query: '' },
  predictive: { args: ['predictive', '--json'], query: '' },
  quality: { args: ['quality', '--json'], query: '' },
  events: { args: ['events', '--json'], query: '' },
  scorecard: { args: ['scorecard', '--json', '--weeks', '6'], query: 'weeks=6' },
  why: { args: ['why', 'journey.setup', '--json', '--week', '2026-W45'], query: 'row=journey.setup&week=2026-W45' },
  pace: { args: ['pace', '--json'], query: '' },
  okrs: { args: ['okrs', 'list', '--json'], query: '' },
  digest: { args: ['digest', '--format', 'json'], query: '' },
  alerts: { args: ['alerts', '--json', '--week', '2026-W46'], query: 'week=2026-W46' },
  ideas: { args: ['ideas', 'list', '--json'], query: '' },
  revenue: { args: ['revenue', '--json', '--period', 'week'], query: 'period=week' },
  surveys: { args: ['surveys', '--json'], query: '' },
  heart: { args: ['heart', '--json'], query: '' },
  guardrails: { args: ['guardrails', '--json'], query: '' },
  benchmarks: { args: ['benchmarks', '--json'], query: '' },
  record: { args: ['record', 'cash_balance', '--history', '--json'], query: 'metric=cash_balance' },
  lint: { args: ['lint', '--json'], query: '' },
  people: { args: ['people', '--json', '--of', 'funnel', '--step', '2', '--dropped', '--limit', '20'], query: 'of=funnel&step=2&dropped=1&limit=20' },
  notes: null,
  dashboard: null,
};

/** What `lint` adds on the command line alone: the line of each finding in the file. */
const withoutLines = (report: { findings?: { line?: number }[] }) => ({ ...report, findings: report.findings?.map(({ line: _, ...f }) => f) });

beforeAll(async () => {
  const made = await runCli(['demo', '--users', '300', '--weeks', '12', '--dir', demo]);
  expect(made.code, made.stderr).toBe(0);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the operation catalogue', () => {
  it('names a command-line form for every read, or says it is the dashboard\'s alone', () => {
    expect(READ_OPERATIONS.map((op) => op.name).sort()).toEqual(Object.keys(CLI_FORMS).sort());
  });

  it('gives the same answer to the same read with the same parameters from the command line and over HTTP', async () => {
    const fromCli = new Map<string, { answer?: unknown; refusal?: string }>();
    for (const [name, form] of Object.entries(CLI_FORMS)) {
      if (!form) continue;
      const run = await cli([...form.args, ...(name === 'ideas' || name === 'record' ? [] : ['--as-of', AS_OF])]);
      // A read this config cannot answer (the demo has no heart: section) is refused alike.
      fromCli.set(name, run.code === 0 ? { answer: JSON.parse(run.stdout) } : { refusal: run.stderr.replace(/^truenorth: /, '').trimEnd() });
    }
    expect([...fromCli.values()].filter((r) => r.refusal).length).toBeLessThan(4);
    const store = await DuckDbStore.open(db);
    const server = await TruenorthServer.create({ store, port: 0, configPath: config, logger: false });
    try {
      const url = await server.listen();
      for (const [name, form] of Object.entries(CLI_FORMS)) {
        if (!form) continue;
        const res = await fetch(`${url}/api/v1/${name}?as_of=${AS_OF}&${form.query}`);
        const body = await res.json() as Record<string, unknown>;
        const { answer, refusal } = fromCli.get(name)!;
        if (refusal !== undefined) {
          expect([name, res.status, body.message]).toEqual([name, 400, refusal]);
          continue;
        }
        expect(res.status, name).toBe(200);
        if (name === 'lint') expect(withoutLines(body), name).toEqual(withoutLines(answer as Record<string, unknown>));
        else expect(body, name).toEqual(answer);
      }
    } finally {
      await server.close();
      await store.close();
    }
  }, 240_000);

  it('refuses a bad parameter naming it as each entrance spells it', async () => {
    const run = await cli(['leading', '--json', '--min-users', '0']);
    expect(run.stderr).toBe('truenorth: --min-users: expected a whole number ≥ 1, got "0"\n');
    const store = await DuckDbStore.open(db);
    const server = await TruenorthServer.create({ store, port: 0, configPath: config, logger: false });
    try {
      const res = await fetch(`${await server.listen()}/api/v1/leading?min_users=0`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toBe('min_users: expected a whole number ≥ 1, got "0"');
    } finally {
      await server.close();
      await store.close();
    }
  });
});

describe("what an operation needs of the store", () => {
  it('refuses a read the store cannot answer, with the store\'s reason, before a query runs', async () => {
    const queries: string[] = [];
    const clickhouse = { dialect: 'clickhouse', all: async (sql: string) => { queries.push(sql); return []; } } as unknown as SqlEngine;
    const exportish = defineRead({ name: 'exportish', summary: 'needs the export', params: z.object({}), needs: ['export_events'], run: async () => ({ ok: true }) });
    const cfg = loadConfig(config);
    const { modelFromConfig } = await import('../src/config/model.js');
    const read = prepareRead(exportish, {}, 'http');
    // Every engine has every capability today: one is declared missing for the length of the check.
    const table = ENGINE_CAPABILITIES.clickhouse as Record<string, unknown>;
    table.export_events = { gap: 'events are stored in ClickHouse here; export them from ClickHouse itself' };
    try {
      await expect(read.run(clickhouse, cfg, modelFromConfig(cfg))).rejects.toMatchObject({
        code: 'not_supported', message: 'the exportish read is not supported here: events are stored in ClickHouse here; export them from ClickHouse itself',
      });
    } finally {
      table.export_events = true;
    }
    expect(queries).toEqual([]);
    await expect(read.run(clickhouse, cfg, modelFromConfig(cfg))).resolves.toEqual({ ok: true });
    // On an engine that has it, the same read runs.
    await expect(read.run({ dialect: 'duckdb' } as unknown as SqlEngine, cfg, modelFromConfig(cfg))).resolves.toEqual({ ok: true });
  });

  it('declares the team\'s tables for the reads and writes of notes, check-ins and ideas, and the write lane for hand entries', () => {
    expect([READS.ideas.needs, READS.notes.needs]).toEqual([['team_tables'], ['team_tables']]);
    expect(Object.fromEntries(WRITE_OPERATIONS.map((op) => [op.name, op.needs]))).toEqual({
      record: ['write_lane'], notes: ['team_tables'], checkins: ['team_tables'], ideas: ['team_tables'], 'idea-status': ['team_tables'],
    });
  });
});

describe('the writes both entrances share', () => {
  it('puts a check-in with no week on the last complete week, from the command line and from the dashboard', async () => {
    const now = new Date();
    const cfg = loadConfig(config);
    // The last complete week: the Monday-to-Sunday week before the one now falls in (the demo's weeks start on Monday, in UTC).
    const monday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - ((now.getUTCDay() + 6) % 7) - 7));
    const thursday = new Date(monday.getTime() + 3 * 86_400_000);
    const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
    const isoWeek = Math.floor((thursday.getTime() - yearStart) / 86_400_000 / 7) + 1;
    const expected = `${thursday.getUTCFullYear()}-W${String(isoWeek).padStart(2, '0')}`;
    expect(cfg.week_start).toBe('monday');
    expect(cfg.timezone).toBe('UTC');

    const run = await cli(['okrs', 'checkin', '1', 'from the command line', '--by', 'li@acme.io']);
    expect(run.code, run.stderr).toBe(0);
    const store = await DuckDbStore.open(db);
    const server = await TruenorthServer.create({ store, port: 0, configPath: config, logger: false });
    try {
      const url = await server.listen();
      const res = await fetch(`${url}/api/v1/checkins`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ objective: '1', note: 'from the dashboard', author: 'maya@acme.io' }),
      });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { week: string }).week).toBe(expected);
      const weeks = (await server.withReportEngine(listCheckins)).map((c) => [c.note, c.week]);
      expect(weeks).toEqual([['from the command line', expected], ['from the dashboard', expected]]);
    } finally {
      await server.close();
      await store.close();
    }
  });

  it('takes the author from --by, else $TRUENORTH_USER, else the login name, for notes, check-ins and hand entries alike', async () => {
    expect(defaultAuthor('li@acme.io', { TRUENORTH_USER: 'maya@acme.io' })).toBe('li@acme.io');
    expect(defaultAuthor(undefined, { TRUENORTH_USER: 'maya@acme.io' })).toBe('maya@acme.io');
    expect(defaultAuthor(undefined, {})).toBe(userInfo().username);

    const env = { TRUENORTH_USER: 'maya@acme.io' };
    for (const args of [['note', 'north_star', 'env note'], ['okrs', 'checkin', '1', 'env check-in'], ['record', 'burn', '1000', '--week', '2026-W40', '--note', 'env entry']]) {
      const run = await cli(args, env);
      expect(run.code, run.stderr).toBe(0);
    }
    for (const args of [['note', 'north_star', 'login note'], ['okrs', 'checkin', '1', 'login check-in'], ['record', 'burn', '2000', '--week', '2026-W41', '--note', 'login entry']]) {
      const run = await cli(args);
      expect(run.code, run.stderr).toBe(0);
    }
    const history = JSON.parse((await cli(['record', 'burn', '--history', '--json'])).stdout) as { entries: { period: string; entered_by: string; note: string | null }[] };
    const store = await DuckDbStore.open(db, { readOnly: true });
    try {
      const notes = (await reviewNotes(store)).filter((n) => n.note.endsWith(' note')).map((n) => [n.note, n.author]);
      const checkins = (await listCheckins(store)).filter((c) => c.note.endsWith(' check-in')).map((c) => [c.note, c.author]);
      const login = userInfo().username;
      expect(notes).toEqual([['env note', 'maya@acme.io'], ['login note', login]]);
      expect(checkins).toEqual([['env check-in', 'maya@acme.io'], ['login check-in', login]]);
      expect(history.entries.filter((e) => e.note?.endsWith(' entry')).map((e) => [e.period, e.entered_by]))
        .toEqual([['2026-W40', 'maya@acme.io'], ['2026-W41', login]]);
    } finally {
      await store.close();
    }
  });
});
