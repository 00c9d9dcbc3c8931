/**
 * The browser SDKs as published, unmodified, in Debian's Chromium: posthog-js and analytics.js
 * (`@segment/analytics-next`) on a page served from another site (http://localhost:<port>), pointed
 * at an in-process server (http://127.0.0.1:<port>) the way their documentation says: PostHog's
 * `api_host`, analytics.js's `cdnURL`. Skipped, saying so, without /usr/bin/chromium; the HTTP
 * checks of the SDK routes run regardless.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page, type Route } from 'playwright-core';
import { PostHog } from 'posthog-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, pageProblems } from '../scripts/browser.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const HAS_CHROMIUM = chromiumAvailable();
if (!HAS_CHROMIUM) console.warn(`test/browser-sdks.test.ts: no Chromium at ${CHROMIUM}; the browser tests are skipped (apt-get install -y chromium)`);

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
/** The bundles a browser loads: posthog-js's ES module (what bundlers import), analytics.js's UMD build. */
const BUNDLES: Record<string, string> = {
  '/sdk/posthog.mjs': join(packageDir('posthog-js'), 'dist/module.mjs'),
  '/sdk/analytics-next.js': join(packageDir('@segment/analytics-next'), 'dist/umd/index.js'),
};
const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>Pricing</title>
<script src="/sdk/analytics-next.js"></script>
<script type="module">import posthog from '/sdk/posthog.mjs'; window.posthog = posthog;</script>
<h1>Pricing</h1>`;

let tn: TestServer;
let site: FastifyInstance;
let siteUrl: string;
let browser: Browser | undefined;

beforeAll(async () => {
  tn = await startTestServer('browser-sdks', { logger: false });
  site = Fastify();
  site.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  for (const [path, file] of Object.entries(BUNDLES)) {
    const body = readFileSync(file);
    site.get(path, async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(body));
  }
  await site.listen({ host: '127.0.0.1', port: 0 });
  const address = site.server.address();
  // Another site than the server's 127.0.0.1: every SDK request is cross-site, as in production.
  siteUrl = `http://localhost:${typeof address === 'object' && address ? address.port : 0}/`;
  if (HAS_CHROMIUM) browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await tn?.close();
});

async function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const engine = await tn.store.reader();
  try {
    return (await engine.all(sql)) as unknown as T[];
  } finally {
    await engine.close();
  }
}

/** Rows of `sql` once `done` holds for them (the SDKs batch and retry on their own clocks). */
async function eventually<T>(sql: string, done: (rows: T[]) => boolean, timeoutMs = 25_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await query<T>(sql);
    if (done(rows) || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

/** Console errors, uncaught exceptions, failed requests and HTTP errors of a page. */

async function openPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(siteUrl);
  await page.waitForFunction(() => 'posthog' in window && 'AnalyticsNext' in window);
  return page;
}

type Counted = { name: string; n: number };
const counts = (rows: Counted[]) => Object.fromEntries(rows.map((r) => [r.name, Number(r.n)]));
const eventCounts = (source: string, like = '%') =>
  `SELECT event AS name, count(*) AS n FROM events WHERE source = '${source}' AND event LIKE '${like}' GROUP BY event ORDER BY event`;
const identityCounts = (source: string) =>
  `SELECT kind AS name, count(*) AS n FROM identity_messages WHERE source = '${source}' GROUP BY kind ORDER BY kind`;

describe.skipIf(!HAS_CHROMIUM)('the browser SDKs, unmodified, in Chromium', () => {
  it('analytics.js and posthog-js deliver page views, events, identify, group and alias exactly once, with no console error', async () => {
    const context = await browser!.newContext();
    const page = await openPage(context);
    const problems = pageProblems(page);
    const requests: string[] = [];
    const gzipped: boolean[] = [];
    page.on('request', (r) => {
      requests.push(`${r.method()} ${r.url()}`);
      const body = r.postDataBuffer();
      if (r.method() === 'POST' && /^\/(?:e|i\/v0\/e)\/?$/.test(new URL(r.url()).pathname) && body) gzipped.push(body[0] === 0x1f && body[1] === 0x8b);
    });

    const flags = await page.evaluate(async ({ host, key }) => {
      const w = window as unknown as Record<string, any>;
      // analytics.js as its documentation says, its settings taken from this server.
      const [analytics] = await w.AnalyticsNext.AnalyticsBrowser.load({ writeKey: key, cdnURL: host });
      await analytics.page('Pricing');
      await analytics.track('Report Exported', { format: 'csv' });
      await analytics.identify('seg-user', { plan: 'pro', email: 'ada@example.com' });
      await analytics.group('seg-acct', { name: 'Acme' });
      await analytics.alias('seg-user-2', 'seg-user');
      // posthog-js as its documentation says.
      const posthog = w.posthog;
      // (An automated browser looks like a bot to posthog-js, which drops its events unless told not to.)
      posthog.init(key, { api_host: host, person_profiles: 'identified_only', opt_out_useragent_filter: true });
      posthog.capture('Report Exported', { format: 'pdf' });
      posthog.identify('ph-user', { plan: 'team' });
      posthog.group('company', 'ph-acct', { name: 'Beta' });
      posthog.capture('Invite Sent');
      posthog.alias('ph-alias');
      return new Promise<{ flags: string[]; errorsLoading: boolean }>((resolve) => {
        posthog.onFeatureFlags((list: string[], _variants: unknown, context: { errorsLoading?: boolean }) =>
          resolve({ flags: list, errorsLoading: context?.errorsLoading === true }));
        posthog.reloadFeatureFlags();
      });
    }, { host: tn.url, key: tn.write.token });
    expect(flags).toEqual({ flags: [], errorsLoading: false });

    const segment = await eventually<Counted>(eventCounts('http:segment'), (r) => r.length >= 2);
    expect(counts(segment)).toEqual({ 'Page Viewed': 1, 'Report Exported': 1 });
    const segmentIds = await eventually<Counted>(identityCounts('http:segment'), (r) => r.length >= 3);
    expect(counts(segmentIds)).toEqual({ alias: 1, group: 1, identify: 1 });
    const [identify] = await query<{ user_id: string; anonymous_id: string; traits: string }>(
      `SELECT user_id, anonymous_id, traits::VARCHAR AS traits FROM identity_messages WHERE source = 'http:segment' AND kind = 'identify'`);
    expect(identify.user_id).toBe('seg-user');
    expect(identify.anonymous_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(identify.traits)).toEqual({ plan: 'pro', email: 'ada@example.com' });
    expect(await query(`SELECT account_id FROM identity_messages WHERE source = 'http:segment' AND kind = 'group'`)).toEqual([{ account_id: 'seg-acct' }]);

    const posthog = await eventually<Counted>(eventCounts('http:posthog'), (r) => r.length >= 3);
    expect(counts(posthog)).toEqual({ 'Invite Sent': 1, 'Page Viewed': 1, 'Report Exported': 1 });
    const posthogIds = await eventually<Counted>(identityCounts('http:posthog'), (r) => r.length >= 3);
    expect(counts(posthogIds)).toEqual({ alias: 1, group: 1, identify: 1 });
    // The anonymous id identify linked, and the alias.
    const links = await query<{ anonymous_id: string }>(`SELECT anonymous_id FROM identity_links WHERE user_id = 'ph-user' ORDER BY anonymous_id = 'ph-alias'`);
    expect(links.map((l) => l.anonymous_id)).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/), 'ph-alias']);
    expect(await query(`SELECT account_id FROM events WHERE source = 'http:posthog' AND event = 'Invite Sent'`)).toEqual([{ account_id: 'ph-acct' }]);
    // Person properties: posthog-js sends identify's properties as a top-level $set; they are the user's traits.
    const [person] = await query<{ traits: string }>(`SELECT traits::VARCHAR AS traits FROM users WHERE user_id = 'ph-user'`);
    expect(JSON.parse(person.traits)).toMatchObject({ plan: 'team' });
    const [segmentPerson] = await query<{ traits: string }>(`SELECT traits::VARCHAR AS traits FROM users WHERE user_id = 'seg-user'`);
    expect(JSON.parse(segmentPerson.traits)).toEqual({ plan: 'pro', email: 'ada@example.com' });

    // posthog-js took the offered compression (gzip bodies); analytics.js used its short paths.
    expect(gzipped.length).toBeGreaterThan(0);
    expect(gzipped.every(Boolean)).toBe(true);
    for (const short of ['t', 'p', 'i', 'g', 'a']) expect(requests, `POST /v1/${short}`).toContain(`POST ${tn.url}/v1/${short}`);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('a batch retried after a cut connection and after a 503 is stored once, by both SDKs', async () => {
    const context = await browser!.newContext();
    // The server stores each batch; the browser sees the first connection cut, the second answered 503.
    const faults = ['cut', '503'];
    const sent: Record<string, number> = {};
    const retryHeaders: string[] = [];
    await context.route(/127\.0\.0\.1:\d+\/(?:v1\/b|e|i\/v0\/e)\/?(?:\?|$)/, async (route: Route) => {
      const request = route.request();
      const sdk = new URL(request.url()).pathname === '/v1/b' ? 'segment' : 'posthog';
      sent[sdk] = (sent[sdk] ?? 0) + 1;
      const retry = request.headers()['x-retry-count'];
      if (retry) retryHeaders.push(retry);
      const fault = faults[sent[sdk] - 1];
      if (!fault) return route.continue();
      const stored = await route.fetch();
      expect(stored.status()).toBe(200);
      return fault === 'cut' ? route.abort('connectionreset') : route.fulfill({ status: 503, body: '{"error":"overloaded"}', headers: { 'access-control-allow-origin': '*' } });
    });
    const page = await openPage(context);
    await page.evaluate(async ({ host, key }) => {
      const w = window as unknown as Record<string, any>;
      const batching = { strategy: 'batching', config: { size: 2, timeout: 200 } };
      const [analytics] = await w.AnalyticsNext.AnalyticsBrowser.load(
        { writeKey: key, cdnURL: host }, { integrations: { 'Segment.io': { deliveryStrategy: batching } } });
      void analytics.track('Retry Seg 1');
      void analytics.track('Retry Seg 2');
      await new Promise((r) => setTimeout(r, 500));
      void analytics.track('Retry Seg 3');
      void analytics.track('Retry Seg 4');
      const posthog = w.posthog;
      posthog.init(key, { api_host: host, capture_pageview: false, autocapture: false, opt_out_useragent_filter: true });
      posthog.capture('Retry PH 1');
      posthog.capture('Retry PH 2');
      await new Promise((r) => setTimeout(r, 3_500));
      posthog.capture('Retry PH 3');
      posthog.capture('Retry PH 4');
    }, { host: tn.url, key: tn.write.token });

    // Each SDK retries past both faults: analytics.js within a second, posthog-js after 3 s and 6 s (±50 %).
    // Both faulted analytics.js requests are retried, each retry with its count, whichever order its batches go in.
    await until(() => sent.segment >= 3 && sent.posthog >= 4 && retryHeaders.length >= 2, 25_000);
    expect(sent.segment).toBeGreaterThanOrEqual(3);
    expect(sent.posthog).toBeGreaterThanOrEqual(4);
    expect(retryHeaders.length, JSON.stringify(retryHeaders)).toBeGreaterThanOrEqual(2);
    for (const count of retryHeaders) expect(count).toMatch(/^[1-9]\d*$/);
    const expected = (prefix: string) => Object.fromEntries([1, 2, 3, 4].map((i) => [`${prefix} ${i}`, 1]));
    // Stored by the first attempt already; a retry that added a copy would show once the retries are answered.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(counts(await query<Counted>(eventCounts('http:segment', 'Retry Seg%')))).toEqual(expected('Retry Seg'));
    expect(counts(await query<Counted>(eventCounts('http:posthog', 'Retry PH%')))).toEqual(expected('Retry PH'));
    await context.close();
  });
});

describe('the SDK routes over HTTP', () => {
  const get = (path: string, init?: RequestInit) => fetch(tn.url + path, init);

  it('answers "no flags" in the shape of every /flags and /decide version, with compression and CORS', async () => {
    for (const path of ['/flags/?v=2', '/flags?v=2&config=true', '/flags', '/decide/?v=3', '/decide/?v=4', '/decide?v=2']) {
      const res = await get(path, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://elsewhere.test', 'sec-fetch-site': 'cross-site' }, body: '{"token":"x","distinct_id":"d"}' });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
      const body = await res.json() as Record<string, unknown>;
      expect(body, path).toMatchObject({ flags: {}, featureFlags: {}, featureFlagPayloads: {}, errorsWhileComputingFlags: false, supportedCompression: ['gzip', 'gzip-js'] });
    }
    const v1 = await (await get('/decide/', { method: 'POST', body: 'data=e30%3D', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).json();
    expect(v1).toMatchObject({ featureFlags: [], supportedCompression: ['gzip', 'gzip-js'] });
  });

  it('posthog-node reads no flags, without an error', async () => {
    const errors: unknown[] = [];
    const client = new PostHog(tn.write.token, { host: tn.url, flushAt: 1 });
    client.on('error', (e) => errors.push(e));
    expect(await client.getAllFlags('u-1')).toEqual({});
    expect(await client.getFeatureFlag('beta', 'u-1')).toBeUndefined();
    await client.shutdown();
    expect(errors).toEqual([]);
  });

  it('a preflight gets the headers it asks for (X-Retry-Count included) on every SDK path', async () => {
    for (const path of ['/v1/t', '/v1/b', '/v1/batch', '/flags/', '/e/', '/v1/projects/k/settings']) {
      const res = await get(path, { method: 'OPTIONS', headers: { origin: 'http://elsewhere.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-retry-count' } });
      expect(res.status, path).toBe(204);
      expect(res.headers.get('access-control-allow-headers'), path).toBe('authorization,content-type,x-retry-count');
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
    }
  });

  it('serves analytics.js its settings and PostHog its remote config as JSON and as a script', async () => {
    const settings = await get(`/v1/projects/${tn.write.token}/settings`, { headers: { 'x-forwarded-proto': 'https' } });
    const host = new URL(tn.url).host;
    expect(await settings.json()).toMatchObject({ integrations: { 'Segment.io': { apiKey: tn.write.token, apiHost: `${host}/v1`, protocol: 'https' } }, metrics: { sampleRate: 0 } });
    const config = await get(`/array/${tn.write.token}/config`);
    expect(config.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await config.json()).toMatchObject({ token: tn.write.token, supportedCompression: ['gzip', 'gzip-js'], hasFeatureFlags: false });
    const script = await get(`/array/${tn.write.token}/config.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    const window: Record<string, any> = {};
    new Function('window', await script.text())(window);
    expect(window._POSTHOG_REMOTE_CONFIG[tn.write.token].config.supportedCompression).toEqual(['gzip', 'gzip-js']);
    expect((await get('/array/bad%20key/config')).status).toBe(400);
  });

  it('never answers an SDK path with the dashboard page', async () => {
    for (const path of ['/array/k/config.json', '/array/k/x', '/static/array.js', '/static/1.449.2/surveys.js', '/analytics-next/bundles/x.js', '/next-integrations/x.js', '/v1/projects/k/other']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
    }
  });
});
