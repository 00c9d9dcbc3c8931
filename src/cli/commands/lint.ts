import { existsSync, readFileSync } from 'node:fs';
import { lineLocator } from '../../config/locate.js';
import type { Command } from 'commander';
import { resolveDbPath } from '../../engine/duckdb/database.js';
import { printJson } from '../output.js';
import { configPath, readConfig, withStore, type GlobalOptions } from '../context.js';
import { READS } from '../../app/catalogue.js';
import { prepareRead } from '../../app/run.js';
import { replayEngine, viaServer } from '../remote.js';
import { modelFromConfig } from '../../config/model.js';
import { lintReport } from '../../app/north-star-evidence.js';

export function registerLint(program: Command): void {
  program
    .command('lint')
    .description('check truenorth.yaml against the scorecard rules and the seven North Star checks (with what the data says)')
    .option('--json', 'machine output')
    .option('--no-data', 'judge the config alone, without reading the database')
    .option('--as-of <date>', 'treat this date as today')
    .action(async (flags: { json?: boolean; data: boolean; asOf?: string }) => {
      const globals = program.opts<GlobalOptions>();
      const config = readConfig(globals);
      const model = modelFromConfig(config);
      const read = prepareRead(READS.lint, flags, 'cli');
      const dbPath = resolveDbPath(globals.db, config.database?.path);
      const report = flags.data && existsSync(dbPath)
        ? await withStore(globals, config, (store) => read.run(store, config, model), true)
          // While `truenorth serve` holds the file, the evidence is read from the rows the server sends back.
          .catch((e) => viaServer(e, globals, config, async (server) => read.run(await replayEngine(server, program, {}, read.asOf), config, model)))
        : await lintReport(config);
      const { findings, north_star_checks: checks, evidence } = report;
      const lineOf = lineLocator(readFileSync(configPath(globals), 'utf8'));
      for (const f of findings) f.line ??= lineOf(f.path);
      const errors = findings.filter((f) => f.level === 'error').length;
      if (flags.json) {
        printJson(report);
      } else {
        for (const f of findings) console.log(`${f.level.padEnd(5)} ${f.path}${f.line ? ` (line ${f.line})` : ''}: ${f.message}`);
        if (findings.length === 0) console.log('no findings');
        console.log(`\nNorth Star checks for "${config.north_star.name}"${evidence ? ` (data: last ${evidence.weeks} weeks)` : ' (config only)'}:`);
        for (const c of checks) console.log(`  ${c.verdict.padEnd(15)} ${c.check}: ${c.detail}`);
        if (evidence) {
          if (evidence.retention_lag !== null) console.log(`  (retention: best when the North Star leads by ${evidence.retention_lag} week${evidence.retention_lag === 1 ? '' : 's'})`);
          if (evidence.revenue_lag !== null) console.log(`  (MRR: best when the North Star leads by ${evidence.revenue_lag} week${evidence.revenue_lag === 1 ? '' : 's'})`);
          for (const n of evidence.notes) console.log(`  note: ${n}`);
        }
      }
      if (errors > 0) process.exitCode = 1;
    });
}
