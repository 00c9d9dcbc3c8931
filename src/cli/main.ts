import { Command } from 'commander';
import { registerBeyond } from './commands/beyond.js';
import { registerQuality } from './commands/quality.js';
import { registerClickHouse } from './commands/clickhouse.js';
import { registerImport } from './commands/import.js';
import { registerHealth } from './commands/health.js';
import { registerInit } from './commands/init.js';
import { registerDemo } from './commands/demo.js';
import { registerEvents } from './commands/events.js';
import { registerLint } from './commands/lint.js';
import { registerReports } from './commands/reports.js';
import { registerServe } from './commands/serve.js';
import { registerKeys } from './commands/keys.js';
import { registerDevTools } from './commands/dev-tools.js';
import { registerRitual } from './commands/ritual.js';
import { registerWhy } from './commands/why.js';
import { registerAlerts } from './commands/alerts.js';
import { groupCommandsByTask } from './help-groups.js';
import { runProgram, withOneLineErrors } from './run.js';
import { packageVersion } from '../app/version.js';

export function buildProgram(): Command {
  const program = new Command('truenorth')
    .description('North Star Metric and weekly scorecard for product-led SaaS teams')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('-c, --config <file>', 'config file (default ./truenorth.yaml or $TRUENORTH_CONFIG)')
    .option('--db <file>', 'database file (default ./truenorth.duckdb or $TRUENORTH_DB)')
    .option('--engine <engine>', 'duckdb | clickhouse (default: database.engine in the config, else duckdb)')
    .option('--clickhouse-url <url>', 'ClickHouse server, http(s)://user:password@host:8123/database; without it, --engine clickhouse uses the embedded engine (chdb, installed separately: npm install chdb) in --db');
  withOneLineErrors(program, '(run `truenorth --help` for usage)');
  registerInit(program);
  registerImport(program);
  registerDemo(program);
  registerLint(program);
  registerEvents(program);
  registerReports(program);
  registerClickHouse(program);
  registerBeyond(program);
  registerQuality(program);
  registerServe(program);
  registerKeys(program);
  registerDevTools(program);
  registerHealth(program);
  registerRitual(program);
  registerWhy(program);
  registerAlerts(program);
  groupCommandsByTask(program);
  return program;
}

/** Runs the CLI; returns the exit code. Errors are one line on stderr, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  return runProgram(buildProgram(), argv);
}
