import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { lintConfig, northStarChecks, type NorthStarEvidence } from '../../config/lint.js';
import { resolveDbPath } from '../../engine/duckdb/database.js';
import { modelFromConfig } from '../../model/from-config.js';
import { reportContext } from '../../reports/context.js';
import { northStarEvidence, type NorthStarEvidenceReport } from '../../reports/north-star-evidence.js';
import { printJson } from '../output.js';
import { readConfig, withStore, type GlobalOptions } from '../context.js';
import { parseAsOf } from '../options.js';

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
      const findings = lintConfig(config);
      let evidence: NorthStarEvidenceReport | undefined;
      const dbPath = resolveDbPath(globals.db, config.database?.path);
      if (flags.data && existsSync(dbPath)) {
        evidence = await withStore(globals, config, (store) =>
          northStarEvidence(reportContext(store, modelFromConfig(config), parseAsOf(flags.asOf)), config), true);
      }
      const checks = northStarChecks(config, evidence as NorthStarEvidence | undefined);
      const errors = findings.filter((f) => f.level === 'error').length;
      if (flags.json) {
        printJson({ findings, north_star_checks: checks, evidence: evidence ?? null });
      } else {
        for (const f of findings) console.log(`${f.level.padEnd(5)} ${f.path}: ${f.message}`);
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
