import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type { Row } from '../sql-engine.js';
import { decodeRows, RESULT_FORMAT, SESSION_SETTINGS, type ClickHouseConnection, type ClickHouseParams, type QueryLimits } from './connection.js';

/** A ClickHouse server (or cluster entry point) over HTTP(S). Credentials and database may be in the URL. */
export class ServerConnection implements ClickHouseConnection {
  readonly description: string;
  private constructor(private readonly client: ClickHouseClient, url: URL) {
    const shown = new URL(url);
    shown.username = '';
    shown.password = '';
    this.description = shown.toString();
  }

  static async open(url: string): Promise<ServerConnection> {
    const parsed = new URL(url);
    // Loaded here, not at start-up: only a command that talks to a ClickHouse server needs it.
    const { createClient } = await import('@clickhouse/client');
    const client = createClient({
      url: parsed,
      // Progress headers keep long scans alive behind load balancers that cut idle connections.
      clickhouse_settings: { ...SESSION_SETTINGS, send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '30000' } as ClickHouseSettings,
      request_timeout: 600_000,
      application: 'truenorth',
    });
    return new ServerConnection(client, parsed);
  }

  async ping(): Promise<void> {
    const result = await this.client.ping();
    if (!result.success) throw result.error;
  }

  async query(sql: string, params: ClickHouseParams = {}, limits: QueryLimits = {}): Promise<Row[]> {
    const rs = await this.client.query({
      query: sql, query_params: params, format: RESULT_FORMAT,
      abort_signal: limits.signal,
      // An aborted request stops its SELECT on the server too; max_execution_time stops it regardless.
      clickhouse_settings: limits.maxExecutionSeconds
        ? { cancel_http_readonly_queries_on_client_close: 1, max_execution_time: limits.maxExecutionSeconds }
        : undefined,
    });
    return decodeRows(await rs.text());
  }

  async command(sql: string, params: ClickHouseParams = {}): Promise<void> {
    await this.client.command({ query: sql, query_params: params });
  }

  async insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({ table, values: rows as Record<string, unknown>[], format: 'JSONEachRow' });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
