import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleConfigYaml } from '../src/config/template.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { TruenorthServer } from '../src/server/app.js';
import type { DashboardContext, Scorecard, ScorecardRow } from '../web/src/types.js';

/**
 * The dashboard's types are aliases of what the operation catalogue's reads answer. Two checks keep
 * them honest: the web project type-checks against the server's types (a field the server renames
 * breaks the pages that read it), and the objects a server serves carry exactly the keys the types
 * name. The key lists below are checked by the compiler against the types: `true` for a key that is
 * always there, `false` for one that may be left out.
 */
const DASHBOARD_KEYS: Record<keyof DashboardContext, boolean> = {
  product: true, engine: true, gaps: true, stage: true, business_model: true, timezone: true, week_start: true, first_event: true,
  last_event: true, default_week: true, weeks: true, north_star: true, journey: true, rows: true, manual_metrics: true,
  computed_metrics: true, ideal_user: true, surveys: true, heart: true, guardrails: true, okrs: true, tree: true,
};
const SCORECARD_KEYS: Record<keyof Scorecard, boolean> = {
  weeks: true, rows: true, bottleneck: true, bottleneck_ideal: true, bottleneck_note: true, ceo_of_the_week: true, ceo_note: true,
  praise: true, accountability: true, journey_steps: true, warnings: true, pace: true,
};
const ROW_KEYS: Record<keyof ScorecardRow, boolean> = {
  id: true, name: true, owner: true, target: true, source: true, unit: true, values: true, status: true, trend: true, trend_unit: true,
  manual: false, baseline: false, lower_is_better: false, reasons: false, base: false, months: false, pace: false,
};

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'truenorth-web-types-'));
let store: DuckDbStore;
let server: TruenorthServer;
let url: string;

beforeAll(async () => {
  const configPath = join(dir, 'truenorth.yaml');
  writeFileSync(configPath, exampleConfigYaml('Acme Chat'));
  store = await DuckDbStore.open(join(dir, 'db.duckdb'));
  server = await TruenorthServer.create({ store, port: 0, configPath, logger: false });
  url = await server.listen();
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The served object's keys against a key list: every key named, every always-there key present. */
function expectKeys(served: object, keys: Record<string, boolean>, what: string): void {
  const named = Object.keys(keys);
  expect(Object.keys(served).filter((k) => !named.includes(k)), `${what}: keys the web's types do not name`).toEqual([]);
  expect(named.filter((k) => keys[k] && !(k in served)), `${what}: keys the web's types promise and the server left out`).toEqual([]);
}

describe("the web's types", () => {
  it('type-check against the operation catalogue', () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', 'web/tsconfig.json', '--noEmit'], { cwd: ROOT, stdio: 'pipe' })).not.toThrow();
  }, 120_000);

  it('name exactly the keys of the dashboard context and the scorecard a server serves', async () => {
    const context = (await (await fetch(`${url}/api/v1/dashboard?as_of=2026-03-30`)).json()) as DashboardContext;
    expectKeys(context, DASHBOARD_KEYS, 'dashboard');
    const scorecard = (await (await fetch(`${url}/api/v1/scorecard?as_of=2026-03-30`)).json()) as Scorecard;
    expectKeys(scorecard, SCORECARD_KEYS, 'scorecard');
    expect(scorecard.rows.length).toBeGreaterThan(5);
    for (const row of scorecard.rows) expectKeys(row, ROW_KEYS, `scorecard row ${row.id}`);
  });
});
