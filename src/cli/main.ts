import { Command, CommanderError } from 'commander';
import { isTruenorthError } from '../errors.js';
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
import { registerBench } from './commands/bench.js';
import { registerRitual } from './commands/ritual.js';

export function buildProgram(): Command {
  const program = new Command('truenorth')
    .description('North Star Metric and weekly scorecard for product-led SaaS teams')
    .option('-c, --config <file>', 'config file (default ./truenorth.yaml or $TRUENORTH_CONFIG)')
    .option('--db <file>', 'database file (default ./truenorth.duckdb or $TRUENORTH_DB)')
    .option('--engine <engine>', 'duckdb | clickhouse (default: database.engine in the config, else duckdb)')
    .option('--clickhouse-url <url>', 'ClickHouse server, http(s)://user:password@host:8123/database; without it, --engine clickhouse uses the embedded engine (chdb) in --db')
    .showHelpAfterError('(run `truenorth --help` for usage)')
    .exitOverride();
  program.configureOutput({ outputError: (text, write) => write(text.split('\n')[0] + '\n') });
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
  registerBench(program);
  registerHealth(program);
  registerRitual(program);
  return program;
}

/** Runs the CLI; returns the exit code. Errors are one line on stderr, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isTruenorthError(e)) {
      process.stderr.write(`truenorth: ${e.message}\n`);
      return e.exitCode;
    }
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    process.stderr.write(`truenorth: unexpected error: ${message}\n`);
    if (process.env.TRUENORTH_DEBUG) console.error(e);
    return 1;
  }
}
