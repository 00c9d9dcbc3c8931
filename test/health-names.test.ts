import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { BUILTIN_MANUAL_METRICS, HEALTH_METRICS, healthMetric } from '../src/model/health-metrics.js';
import { rowName } from '../src/model/scorecard-rows.js';
import { scorecardModelFromConfig } from '../src/config/model.js';
import { TruenorthServer } from '../src/server/app.js';
import { runCli } from './helpers/in-process-cli.js';
import { scorecardRowsFromConfig } from '../src/config/model.js';

/** Every built-in health metric as a scorecard row, with an owner. */
const CONFIG = `
product: Names
journey:
  visit: { event: Page Viewed }
  signup: { event: Signed Up }
north_star: { name: Messages, event: Message Sent, measure: count, frequency: week, owner: ceo@x }
health:
${HEALTH_METRICS.map((id) => `  ${id}: { owner: cfo@x }`).join('\n')}
`;
const AS_OF = '2026-11-18T12:00:00Z';

let dir: string;
let db: string;
let configPath: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'truenorth-health-names-'));
  db = join(dir, 'names.duckdb');
  configPath = join(dir, 'truenorth.yaml');
  writeFileSync(configPath, CONFIG);
  const store = await DuckDbStore.open(db);
  await store.run(`INSERT INTO manual_values VALUES ('burn', '2026-W46', 21500, 'cfo@x', TIMESTAMP '2026-11-16 09:00:00', NULL)`);
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row { id: string; name: string; unit: string; lower_is_better?: boolean }

describe('one display name and unit per health metric', () => {
  it('the table covers every health id the config accepts and every hand-entered finance number', () => {
    const config = parseConfig(CONFIG);
    const healthRows = scorecardRowsFromConfig(config).filter((row) => row.id.startsWith('health.'));
    expect(healthRows.map((row) => row.id)).toEqual(HEALTH_METRICS.map((id) => `health.${id}`));
    for (const id of [...HEALTH_METRICS, ...BUILTIN_MANUAL_METRICS]) {
      const facts = healthMetric(id);
      expect(facts?.id, id).toBe(id);
      expect(facts?.name, id).not.toBe(id);
    }
    expect(rowName(scorecardModelFromConfig(config), 'health.burn')).toBe('Net monthly burn');
  });

  it('burn is "Net monthly burn" in money, lower is better, in the CLI, the scorecard and the server', async () => {
    const cliScorecard = await runCli(['--db', db, '--config', configPath, 'scorecard', '--as-of', AS_OF, '--json']);
    expect(cliScorecard.stderr).toBe('');
    const cliBurn = (JSON.parse(cliScorecard.stdout) as { rows: Row[] }).rows.find((row) => row.id === 'health.burn');
    expect(cliBurn).toMatchObject({ name: 'Net monthly burn', unit: 'money', lower_is_better: true });

    const revenue = await runCli(['--db', db, '--config', configPath, 'revenue', '--as-of', AS_OF]);
    expect(revenue.code ?? 0).toBe(0);
    expect(revenue.stdout).toContain('Net monthly burn');
    expect(revenue.stdout).not.toContain('burn/mo');

    const store = await DuckDbStore.open(db);
    const server = await TruenorthServer.create({ store, host: '127.0.0.1', port: 0, configPath, logger: false });
    try {
      const url = await server.listen();
      const res = await fetch(`${url}/api/v1/scorecard?as_of=${AS_OF}`);
      expect(res.status).toBe(200);
      const serverBurn = ((await res.json()) as { rows: Row[] }).rows.find((row) => row.id === 'health.burn');
      expect(serverBurn).toMatchObject({ name: cliBurn!.name, unit: cliBurn!.unit, lower_is_better: true });
    } finally {
      await server.close();
      await store.close();
    }
  });
});
