/**
 * The API's interactive reference at /api/docs (docs/server.md#the-api-reference): generated from
 * /openapi.json, public like that document, loaded in Chromium under the server's content security
 * policy without a console error, and reached from the dashboard's "API (OpenAPI)" link.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, pageProblems, type Browser } from '../scripts/browser.js';
import { ensureWebBuilt } from '../scripts/demo-server.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

let t: TestServer;

beforeAll(async () => {
  await ensureWebBuilt();
  // Bound to loopback but as strict as a public server: reads need a key.
  t = await startTestServer('api-docs', { logger: false, readsNeedKey: true });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('the API reference page', () => {
  it('is public, carries the policy, and serves the same document as /openapi.json', async () => {
    const page = await fetch(`${t.url}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const [document, served] = await Promise.all([fetch(`${t.url}/openapi.json`).then((r) => r.json()), fetch(`${t.url}/api/docs/json`).then((r) => r.json())]);
    expect(served).toEqual(document);
    // Swagger UI's own files (1.5 MB of script) are compressed like the dashboard's.
    const bundle = await fetch(`${t.url}/api/docs/static/swagger-ui-bundle.js`, { headers: { 'accept-encoding': 'br' } });
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-encoding')).toBe('br');
    expect((await bundle.text()).length).toBeGreaterThan(1_000_000);
    expect((await fetch(`${t.url}/api/v1/scorecard`)).status).toBe(401);
  });

  it.skipIf(!chromiumAvailable())('loads in Chromium without a console error, runs a request, and is the dashboard link', async () => {
    const browser: Browser = await launchBrowser();
    try {
      const docs = await browser.context.newPage();
      const problems = pageProblems(docs);
      await docs.goto(`${t.url}/api/docs`);
      await docs.waitForSelector('#operations-Reports-get_api_v1_scorecard');
      expect(await docs.locator('.opblock').count()).toBeGreaterThan(30);
      // "Try it out" on /health, from the page, under its policy.
      await docs.locator('#operations-Operations-get_health .opblock-summary').click();
      await docs.getByRole('button', { name: 'Try it out' }).click();
      await docs.getByRole('button', { name: 'Execute' }).click();
      await docs.waitForSelector('#operations-Operations-get_health .live-responses-table tbody .response-col_status');
      expect((await docs.locator('#operations-Operations-get_health .live-responses-table tbody .response-col_status').first().textContent())?.trim()).toBe('200');
      expect(problems).toEqual([]);

      const app = await browser.context.newPage();
      await app.goto(`${t.url}/`);
      await app.getByLabel('Secret key').fill(t.secret.token);
      await app.getByRole('button', { name: 'Sign in' }).click();
      await app.getByRole('link', { name: 'API (OpenAPI)' }).click();
      await app.waitForURL((url) => url.pathname === '/api/docs');
      await app.waitForSelector('.opblock');
    } finally {
      await browser.close();
    }
  });
});
