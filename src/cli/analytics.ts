import type { Command } from 'commander';
import type { Config } from '../config/schema/index.js';
import type { SqlEngine } from '../engine/sql-engine.js';
import { reportContext, type ReportContext } from '../reports/context.js';
import { readConfig, withEngine, type GlobalOptions } from './context.js';
import { parseAsOf, type ReportFlags } from './options.js';
import { replayEngine, viaServer } from './remote.js';
import { modelFromConfig } from '../config/model.js';

/** Loads the config, opens the store read-only and runs `work` with a report context. */
export async function withReports<T>(
  program: Command, flags: ReportFlags, work: (ctx: ReportContext, config: Config) => Promise<T>,
): Promise<T> {
  const globals = program.opts<GlobalOptions>();
  const config = readConfig(globals);
  const model = modelFromConfig(config);
  const asOf = parseAsOf(flags.asOf);
  return withEngine(globals, config, (engine: SqlEngine) => work(reportContext(engine, model, asOf), config), true)
    // While `truenorth serve` holds the file, the same report runs on rows the server sends back.
    .catch((e) => viaServer(e, globals, config, async (server) => work(reportContext(await replayEngine(server, program, flags, asOf), model, asOf), config)));
}
