import type { Command } from 'commander';
import { createKey, listKeys, parseKind, revokeKey, type ApiKey, type CreatedKey } from '../../server/keys.js';
import { storeTarget, withControlStore } from '../../engine/open-store.js';
import type { KeyTable } from '../../engine/control.js';
import type { Config } from '../../config/schema/index.js';
import { readConfigIfPresent, type GlobalOptions } from '../context.js';
import { formatTable, printJson } from '../output.js';
import { remoteKeys, viaServer } from '../remote.js';

/** The keys of the store the flags and config name: the DuckDB file, or ClickHouse's shared ones. */
function withKeys<T>(globals: GlobalOptions, config: Config | undefined, work: (keys: KeyTable) => Promise<T>): Promise<T> {
  return withControlStore(storeTarget(globals, config?.database), (control) => work(control.keys));
}

/** `truenorth keys create|list|revoke`: on the file, or through the server that holds it. */
export function registerKeys(program: Command): void {
  const cmd = program.command('keys').description('API keys for `truenorth serve`: write keys send events, secret keys read and administer');
  const globals = () => program.opts<GlobalOptions>();

  cmd
    .command('create')
    .description('create a key; its token is printed once (only a hash is stored)')
    .option('--kind <kind>', 'write | secret', 'write')
    .option('--name <name>', 'what the key is for, e.g. "web app"')
    .option('--json', 'machine output')
    .action(async (flags: { kind: string; name?: string; json?: boolean }) => {
      const kind = parseKind(flags.kind);
      const g = globals();
      const config = readConfigIfPresent(g);
      const key = await withKeys(g, config, (keys) => createKey(keys, kind, flags.name))
        .catch((e) => viaServer(e, g, config, (server) => remoteKeys<CreatedKey>(server, 'POST', '', { kind, name: flags.name })));
      if (flags.json) return printJson(key);
      process.stdout.write(`${key.token}\n`);
      process.stderr.write(`created ${key.kind} key ${key.id}${key.name ? ` (${key.name})` : ''}; the token above is shown only now\n`);
    });

  cmd
    .command('list')
    .description('list keys by prefix (tokens are never shown again)')
    .option('--json', 'machine output')
    .action(async (flags: { json?: boolean }) => {
      const g = globals();
      const config = readConfigIfPresent(g);
      const keys = await withKeys(g, config, (keys) => listKeys(keys))
        .catch((e) => viaServer(e, g, config, (server) => remoteKeys<ApiKey[]>(server, 'GET', '')));
      if (flags.json) return printJson({ keys });
      if (keys.length === 0) return void process.stdout.write('no keys; create one with `truenorth keys create`\n');
      process.stdout.write(formatTable(['id', 'kind', 'name', 'created', 'revoked'], keys.map((k) => [k.id, k.kind, k.name, k.created_at.slice(0, 16), k.revoked_at?.slice(0, 16) ?? null])) + '\n');
    });

  cmd
    .command('revoke <id>')
    .description('revoke a key by its id (the prefix shown by `keys list`) or its token')
    .option('--json', 'machine output')
    .action(async (id: string, flags: { json?: boolean }) => {
      const g = globals();
      const config = readConfigIfPresent(g);
      const key = await withKeys(g, config, (keys) => revokeKey(keys, id))
        .catch((e) => viaServer(e, g, config, (server) => remoteKeys<ApiKey>(server, 'DELETE', `/${encodeURIComponent(id.slice(0, 12))}`)));
      if (flags.json) return printJson(key);
      process.stdout.write(`revoked ${key.kind} key ${key.id}\n`);
    });
}
