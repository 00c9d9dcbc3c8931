import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChdbConnection } from '../../src/engine/clickhouse/chdb.js';

interface RawSession {
  queryBindAsync(query: string, params: object, opts?: { format?: string }): Promise<{ text(): string }>;
  insert(params: { table: string; values: string; format: 'JSONEachRow' }): Promise<unknown>;
}

/** TSV-unescapes a query parameter value the way the server does before parsing it by type. */
function unescape(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '0': '\0', b: '\b', f: '\f' } as Record<string, string>)[c] ?? c);
}

/**
 * Just enough of ClickHouse's HTTP interface, answered by an embedded chdb session, to run
 * `@clickhouse/client` — and so the server engine — end to end in tests without a server:
 * `GET /ping`, queries and commands in the POST body with `param_*` values, and
 * `INSERT … FORMAT JSONEachRow` with the rows in the body.
 */
export async function fakeClickHouseServer(connection: ChdbConnection): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const session = (connection as unknown as { session: RawSession }).session;
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        if (url.pathname === '/ping') {
          res.end('Ok.\n');
          return;
        }
        const params: Record<string, string> = {};
        for (const [k, v] of url.searchParams) if (k.startsWith('param_')) params[k.slice(6)] = unescape(v);
        const inUrl = url.searchParams.get('query');
        if (inUrl && /^INSERT INTO/i.test(inUrl)) {
          const m = /^INSERT INTO\s+(\S+)(?:\s*\([^)]*\))?\s+FORMAT\s+JSONEachRow/i.exec(inUrl);
          if (!m) throw new Error(`unsupported insert: ${inUrl}`);
          requests.push(`INSERT ${m[1]}`);
          await session.insert({ table: m[1], values: body, format: 'JSONEachRow' });
          res.end('');
          return;
        }
        const sql = `${inUrl ?? ''}${body}`;
        const format = /\bFORMAT\s+(\w+)\s*$/i.exec(sql)?.[1];
        const text = format ? sql.replace(/\bFORMAT\s+\w+\s*$/i, '') : sql;
        requests.push(text.trim().split(/\s+/).slice(0, 3).join(' '));
        const result = await session.queryBindAsync(text, params, { format: format ?? 'TabSeparated' });
        res.setHeader('X-ClickHouse-Format', format ?? 'TabSeparated');
        res.end(result.text());
      } catch (e) {
        res.statusCode = 500;
        res.setHeader('X-ClickHouse-Exception-Code', '1');
        res.end(`Code: 1. DB::Exception: ${(e as Error).message}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://default:secret@127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
