import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { importManualToClickHouse } from '../src/engine/clickhouse/import.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { importManualCsv } from '../src/engine/ingest/import-manual.js';
import { fetchManualEntries } from '../src/reports/revenue.js';
import { currentManualValues } from '../src/reports/manual-values.js';
import { contextFor } from './helpers/fixture-store.js';
import { openChdb } from './helpers/engines.js';

const CONFIG = `
product: M
journey: { visit: { event: Page Viewed }, signup: { event: Signed Up } }
north_star: { name: n, event: E, measure: count, frequency: week }
`;

let ch: { store: ClickHouseStore; cleanup: () => Promise<void> };
beforeAll(async () => { ch = await openChdb(); }, 120_000);
afterAll(() => ch?.cleanup());

describe('hand-entered values CSV on ClickHouse', () => {
  it('imports with the same rows, corrections and rejected lines as DuckDB', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tn-manual-')), 'manual.csv');
    writeFileSync(file, [
      'metric,week,value,entered_by,note',
      'cash_balance,2026-W45,100000,cfo@x,first',
      'cash_balance,2026-W45,120000,cfo@x,corrected',
      'burn,2026-W45,not-a-number,cfo@x,',
      'burn,2026-W46,30000,cfo@x,',
    ].join('\n'));
    const duck = await DuckDbStore.open(':memory:');
    const onDuck = await importManualCsv(duck, file);
    const onCh = await importManualToClickHouse(ch.store, file);
    expect(onCh).toEqual(onDuck);
    expect(onCh).toMatchObject({ imported: 3, rejected: 1, errors: [{ line: 4 }] });
    const current = async (engine: DuckDbStore | ClickHouseStore) => {
      const entries = await fetchManualEntries(contextFor(engine as DuckDbStore, CONFIG, '2026-11-22T00:00:00Z'));
      return [...currentManualValues(entries)].map(([metric, periods]) => [metric, [...periods].map(([p, e]) => [p, e.value, e.note])]).sort();
    };
    expect(await current(ch.store)).toEqual(await current(duck));
    expect(await current(duck)).toEqual([
      ['burn', [['2026-W46', 30000, null]]],
      ['cash_balance', [['2026-W45', 120000, 'corrected']]],
    ]);
    await duck.close();
  });
});
