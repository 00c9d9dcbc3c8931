import type { Command } from 'commander';
import { importEventsToClickHouse, importLedgerToClickHouse, importManualToClickHouse } from '../../engine/clickhouse/import.js';
import type { ManualImportOptions } from '../../engine/ingest/import-manual.js';
import { clickhouseDdl } from '../../engine/clickhouse/schema.js';
import type { ImportReport } from '../../engine/ingest/import-events.js';
import { detectFormat } from '../../engine/ingest/sources.js';
import { engineChoice, openClickHouse, readConfigIfPresent, type GlobalOptions } from '../context.js';
import { progressBar } from '../output.js';

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

/** True when the chosen engine (flag, environment or config) is ClickHouse. */
export function usesClickHouse(globals: GlobalOptions): boolean {
  return engineChoice(globals, readConfigIfPresent(globals)).engine === 'clickhouse';
}

/** `truenorth import events|subscriptions FILE --engine clickhouse`. */
export async function importToClickHouse(
  globals: GlobalOptions, kind: 'events' | 'subscriptions' | 'manual', file: string, flags: { format?: string; strict?: boolean } & ManualImportOptions,
): Promise<ImportReport> {
  const store = await openClickHouse(globals, readConfigIfPresent(globals));
  try {
    if (kind === 'subscriptions') return await importLedgerToClickHouse(store, file, { strict: flags.strict });
    if (kind === 'manual') return await importManualToClickHouse(store, file, flags);
    const format = detectFormat(file, flags.format);
    const bar = progressBar(`importing ${file} into ClickHouse`, format === 'parquet' ? 'rows' : 'bytes');
    try {
      return await importEventsToClickHouse(store, file, { format: flags.format, strict: flags.strict, onProgress: (done, total) => bar.update(done, total) });
    } finally {
      bar.stop();
    }
  } finally {
    await store.close();
  }
}
