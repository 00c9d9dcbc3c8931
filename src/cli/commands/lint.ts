import type { Command } from 'commander';
import { lintConfig, northStarChecks } from '../../config/lint.js';
import { printJson } from '../output.js';
import { readConfig, type GlobalOptions } from '../context.js';

export function registerLint(program: Command): void {
  program
    .command('lint')
    .description('check truenorth.yaml against the scorecard rules and the seven North Star checks')
    .option('--json', 'machine output')
    .action((flags: { json?: boolean }) => {
      const config = readConfig(program.opts<GlobalOptions>());
      const findings = lintConfig(config);
      const checks = northStarChecks(config);
      const errors = findings.filter((f) => f.level === 'error').length;
      if (flags.json) {
        printJson({ findings, north_star_checks: checks });
      } else {
        for (const f of findings) console.log(`${f.level.padEnd(5)} ${f.path}: ${f.message}`);
        if (findings.length === 0) console.log('no findings');
        console.log(`\nNorth Star checks for "${config.north_star.name}":`);
        for (const c of checks) console.log(`  ${c.verdict.padEnd(15)} ${c.check}: ${c.detail}`);
      }
      if (errors > 0) process.exitCode = 1;
    });
}
