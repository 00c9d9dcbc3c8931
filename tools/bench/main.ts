/**
 * The benchmark, a development tool kept out of the published package: `npm run bench`, or
 * `node --import tsx tools/bench/main.ts [options]` (in a checkout, `truenorth bench [options]`
 * delegates here). What it measures and how to read it: docs/performance.md.
 */
import { Command } from 'commander';
import { runProgram, withOneLineErrors } from '../../src/cli/run.js';
import { registerIngest } from './ingest-command.js';
import { registerBenchSuite } from './suite.js';

export function buildBenchProgram(): Command {
  const program = new Command('truenorth bench')
    .description('measure performance on generated data')
    .option('--engine <engine>', 'duckdb | clickhouse | both (default both; both without chdb installed measures DuckDB only)');
  withOneLineErrors(program, '(run `truenorth bench --help` for usage)');
  registerBenchSuite(program);
  registerIngest(program);
  return program;
}

runProgram(buildBenchProgram(), process.argv).then((code) => {
  process.exitCode = code;
});
