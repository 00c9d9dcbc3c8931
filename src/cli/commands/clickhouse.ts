import type { Command } from 'commander';
import { clickhouseDdl } from '../../engine/clickhouse/schema.js';

/** `truenorth clickhouse ddl [--cluster NAME] [--database NAME]`: the schema to apply by hand or by migration tooling. */
export function registerClickHouse(program: Command): void {
  const cmd = program.command('clickhouse').description('ClickHouse engine tools (the schema is created automatically on first use)');
  cmd
    .command('ddl')
    .description('print the ClickHouse schema: single node, or Replicated + Distributed tables for a cluster')
    .option('--cluster <name>', 'emit ON CLUSTER DDL with ReplicatedMergeTree tables and a Distributed events table')
    .option('--database <name>', 'create and use this database')
    .action((flags: { cluster?: string; database?: string }) => {
      const statements = clickhouseDdl({ cluster: flags.cluster, database: flags.database });
      process.stdout.write(statements.map((s) => `${s};\n`).join('\n'));
    });
}
