/**
 * A write of the operation catalogue from the command line: the same body the dashboard's form
 * sends, checked by the same schema before the store is opened, then written to the store, or sent
 * to the server that holds its file.
 */
import type { Command } from 'commander';
import type { WriteOperation } from '../app/operation.js';
import { checkWrite } from '../app/run.js';
import { modelFromConfig } from '../config/model.js';
import type { Config } from '../config/schema/index.js';
import type { ParamsSchema } from '../app/operation.js';
import { onReader } from '../engine/sql-engine.js';
import { withPort, type GlobalOptions } from './context.js';
import { remoteJson, viaServer } from './remote.js';

export async function runWrite<S extends ParamsSchema, C, R>(
  program: Command, op: WriteOperation<S, C, R>, request: Record<string, unknown>, config: Config | undefined,
): Promise<R> {
  const globals = program.opts<GlobalOptions>();
  const checked = checkWrite(op, request, config);
  const model = config ? modelFromConfig(config) : undefined;
  const path = op.path.replace(/:(\w+)/g, (_, key: string) => encodeURIComponent(String(request[key])));
  return withPort(globals, config, (store) => op.run({
    config, model, store, manualLane: (work) => onReader(store, (engine) => work(engine, store.importers.manualValues)),
  }, checked))
    .catch((e) => viaServer(e, globals, config, (server) => remoteJson<R>(server, 'POST', `/api/v1/${path}`, request)));
}
