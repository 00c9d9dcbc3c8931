/** A store with a steady daily count, optionally dropping from a given day: the alerts' planted cases. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDbStore } from '../../src/engine/duckdb/database.js';
import { TruenorthServer } from '../../src/server/app.js';
import { seg, storeAt } from './fixture-store.js';

const DAY = 86_400_000;

/**
 * `perDay` Message Sent events a day from `from` up to `to` (UTC dates), `dropped` a day from `dropFrom` on;
 * ten users send them, spread over the day's hours.
 */
export function steadyMessages(options: { from: string; to: string; perDay: number; dropFrom?: string; dropped?: number }): unknown[] {
  const out: unknown[] = [];
  for (let day = Date.parse(`${options.from}T00:00:00Z`); day < Date.parse(`${options.to}T00:00:00Z`); day += DAY) {
    const low = options.dropFrom !== undefined && day >= Date.parse(`${options.dropFrom}T00:00:00Z`);
    const n = low ? options.dropped! : options.perDay;
    for (let i = 0; i < n; i++) out.push(seg.track('Message Sent', { userId: `u${i % 10}` }, new Date(day + Math.floor(((i + 0.5) / n) * DAY)).toISOString()));
  }
  return out;
}

/** The messages in a store at `path` (a file, or `:memory:`). */
export function alertStore(options: Parameters<typeof steadyMessages>[0], path = ':memory:'): Promise<DuckDbStore> {
  return storeAt(path, steadyMessages(options));
}

export const ALERT_CONFIG = (extra = '') => `
product: Acme
journey:
  visit: { event: Page Viewed }
  signup: { event: Signed Up, owner: maya@acme.io }
north_star: { name: Messages sent, event: Message Sent, measure: count, frequency: week, owner: ceo@acme.io }
alerts:
  owners: { ceo@acme.io: "<@U123>" }
  public_url: https://metrics.acme.io/nsm
${extra}`;

/** A local HTTP server standing in for a chat's incoming webhook: it keeps each JSON body (and can refuse). */
export async function startWebhook(): Promise<{ url: string; bodies: unknown[]; status: number; close(): Promise<void> }> {
  const hook = { bodies: [] as unknown[], status: 200 };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hook.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(hook.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(hook, {
    url: `http://127.0.0.1:${port}/services/T000/B000/secret-path-XYZ123456789`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/**
 * `truenorth serve` on a store of 100 messages a day that drops to 60 from Tuesday 2026-11-17, with
 * ALERT_CONFIG: the dashboard's week 2026-W47 shows the alert. `close` removes its files.
 */
export async function plantedDropServer(): Promise<{ url: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'truenorth-planted-drop-'));
  const store = await alertStore({ from: '2026-09-14', to: '2026-11-27', perDay: 100, dropFrom: '2026-11-17', dropped: 40 }, join(dir, 'db.duckdb'));
  writeFileSync(join(dir, 'truenorth.yaml'), ALERT_CONFIG());
  const server = await TruenorthServer.create({ store, port: 0, configPath: join(dir, 'truenorth.yaml'), logger: false });
  return {
    url: await server.listen(),
    async close() {
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
