/**
 * The dashboard's files over HTTP (docs/server.md#the-dashboards-files): compressed per
 * Accept-Encoding with the decoded bytes equal to the file, cached by kind, the app's pages falling
 * back to index.html, and compression kept away from ingestion bodies and streamed exports.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt } from '../scripts/demo-server.js';
import { WEB_ROOT } from '../src/server/static-app.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

interface Raw { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

/** A request whose body arrives as sent (fetch would decode it). */
function raw(url: string, headers: Record<string, string> = {}, method = 'GET', body?: Buffer): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function decoded(res: Raw): Buffer {
  const encoding = res.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(res.body);
  if (encoding === 'gzip') return gunzipSync(res.body);
  return res.body;
}

let t: TestServer;
let bundle: string;

beforeAll(async () => {
  await ensureWebBuilt();
  bundle = readdirSync(join(WEB_ROOT, 'assets')).find((f) => f.endsWith('.js'))!;
  t = await startTestServer('static', { logger: false });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('the dashboard bundle', () => {
  it('is compressed as the client accepts, and decodes to the file byte for byte', async () => {
    const file = readFileSync(join(WEB_ROOT, 'assets', bundle));
    for (const [accept, encoding] of [['br, gzip', 'br'], ['gzip, deflate', 'gzip'], ['br;q=0, gzip', 'gzip'], ['identity', undefined], ['', undefined]] as const) {
      const res = await raw(`${t.url}/assets/${bundle}`, accept ? { 'accept-encoding': accept } : {});
      expect(res.status, accept).toBe(200);
      expect(res.headers['content-encoding'], accept).toBe(encoding);
      expect(res.headers['content-type'], accept).toMatch(/^(?:text|application)\/javascript; charset=utf-8$/);
      expect(res.headers.vary, accept).toMatch(/accept-encoding/i);
      expect(decoded(res).equals(file), accept).toBe(true);
      if (!encoding) continue;
      expect(res.body.length, accept).toBeLessThan(file.length / 3);
      // The build writes the best-compressed forms beside the file; the server sends those as they are.
      const ready = join(WEB_ROOT, 'assets', `${bundle}.${encoding === 'br' ? 'br' : 'gz'}`);
      if (existsSync(ready)) expect(res.body.equals(readFileSync(ready)), accept).toBe(true);
    }
  });

  it('is cached for good (its name carries its hash); the page is revalidated each time', async () => {
    const asset = await raw(`${t.url}/assets/${bundle}`);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['x-content-type-options']).toBe('nosniff');
    expect(asset.headers['content-security-policy']).toBeUndefined();
    const etag = asset.headers.etag as string;
    expect(etag).toBeTruthy();
    expect((await raw(`${t.url}/assets/${bundle}`, { 'if-none-match': etag })).status).toBe(304);
    const index = readFileSync(join(WEB_ROOT, 'index.html'));
    for (const path of ['/', '/journey', '/revenue/', '/okrs?week=2026-W09']) {
      const page = await raw(t.url + path, { 'accept-encoding': 'gzip' });
      expect(page.status, path).toBe(200);
      expect(page.headers['cache-control'], path).toBe('no-cache');
      expect(page.headers['content-type'], path).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy'], path).toContain("script-src 'self'");
      expect(page.headers['x-frame-options'], path).toBe('DENY');
      expect(page.headers['referrer-policy'], path).toBe('no-referrer');
      expect(decoded(page).equals(index), path).toBe(true);
    }
  });

  it('answers 404 JSON for a missing file and for unknown API paths, and never leaves dist/web', async () => {
    for (const path of ['/assets/missing.js', '/nope.css', '/v1/nothing', '/api/v2/x', '/webhooks/other', '/i/v9']) {
      const res = await raw(t.url + path);
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.body.toString()).error, path).toBe('not_found');
    }
    for (const path of ['/..%2f..%2fpackage.json', '/assets/..%2f..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/assets/../../package.json']) {
      const res = await raw(t.url + path);
      expect(res.body.toString(), path).not.toContain('"name": "truenorth"');
    }
  });
});

describe('compression leaves the API alone', () => {
  it('reads gzip ingestion bodies as before, and streams exports as they are', async () => {
    const body = gzipSync(JSON.stringify({ batch: [{ type: 'track', event: 'signed_up', userId: 'u1', messageId: 'm-static-1', timestamp: '2026-01-05T10:00:00Z' }] }));
    const auth = `Basic ${Buffer.from(`${t.write.token}:`).toString('base64')}`;
    const ack = await raw(`${t.url}/v1/batch`, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'accept-encoding': 'br, gzip', authorization: auth }, 'POST', body);
    expect(ack.status, ack.body.toString()).toBe(200);
    expect(JSON.parse(ack.body.toString())).toMatchObject({ success: true, accepted: 1 });
    const exported = await raw(`${t.url}/api/v1/export/events`, { 'accept-encoding': 'br, gzip', authorization: `Bearer ${t.secret.token}` });
    expect(exported.status, exported.body.toString()).toBe(200);
    expect(exported.headers['content-encoding']).toBeUndefined();
    expect(exported.body.toString()).toContain('m-static-1');
  });
});
