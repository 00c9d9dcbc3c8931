/**
 * Replays the alerts day by day over a company's whole history, as `serve`'s schedule would judge
 * them at noon each day, and prints every condition that fires with the rate per owner per month
 * (docs/alerts.md, "Measured"). Over the demo company by default:
 *
 *   npx tsx scripts/alerts-replay.ts [dir=truenorth-demo]   (after `truenorth demo --dir dir`)
 */
import { join } from 'node:path';
import { computeAlerts } from '../src/app/reads/alerts.js';
import { loadConfig } from '../src/config/load.js';
import { modelFromConfig, scorecardRowsFromConfig } from '../src/config/model.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { DAY_MS, HOUR_MS } from '../src/model/time.js';
import { reportContext } from '../src/reports/context.js';

const dir = process.argv[2] ?? 'truenorth-demo';
const config = loadConfig(join(dir, 'truenorth.yaml'));
const model = modelFromConfig(config);
const store = await DuckDbStore.open(join(dir, 'truenorth.duckdb'));
try {
  const [{ first, last }] = await store.all<{ first: number; last: number }>('SELECT epoch_ms(min(ts)) AS first, epoch_ms(max(ts)) AS last FROM events');
  const fired = new Map<string, string>();
  let days = 0;
  for (let day = Math.floor(Number(first) / DAY_MS) * DAY_MS + DAY_MS; day <= Number(last); day += DAY_MS, days++) {
    const report = await computeAlerts(reportContext(store, model, day + 12 * HOUR_MS), config);
    for (const alert of report.alerts) {
      if (fired.has(alert.key)) continue;
      fired.set(alert.key, alert.owner ?? 'no owner');
      console.log(`${report.day}  ${alert.owner ?? 'no owner'}  ${alert.what}`);
    }
  }
  const owners = new Set(scorecardRowsFromConfig(config).map((r) => r.owner).filter(Boolean)).size;
  const months = days / (365.25 / 12);
  console.log(`${fired.size} alerts over ${days} days and ${owners} owners: ${(fired.size / (owners * months)).toFixed(3)} per owner per month`);
} finally {
  await store.close();
}
