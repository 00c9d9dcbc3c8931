/**
 * The scorecard page's alerts in a real browser, on a store with a planted drop: the card lists the
 * alert the API answers (what, owner, since) and the row it concerns carries the mark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, pageProblems, type Browser } from '../scripts/browser.js';
import { ensureWebBuilt } from '../scripts/demo-server.js';
import { plantedDropServer } from './helpers/alert-fixture.js';
import { json, settled } from './helpers/web-page.js';

const HAS_CHROMIUM = chromiumAvailable();
let server: Awaited<ReturnType<typeof plantedDropServer>>;
let url: string;
let browser: Browser;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  await ensureWebBuilt();
  // 100 messages a day, 40 from Tuesday 2026-11-17 on: the view of 2026-W47 (as of Monday noon after it) sees the drop.
  server = await plantedDropServer();
  url = server.url;
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.skipIf(!HAS_CHROMIUM)('the alerts on the scorecard page', () => {
  it('lists the planted drop with its owner and since, and marks its row', async () => {
    const page = await browser.context.newPage();
    const problems = pageProblems(page);
    await page.goto(`${url}/?week=2026-W47`);
    await settled(page);
    const api = await json<{ alerts: { row: string; what: string; owner: string; since: string }[] }>(`${url}/api/v1/alerts?as_of=2026-11-23T12:00:00.000Z`);
    expect(api.body.alerts.map((a) => [a.row, a.owner, a.since])).toEqual([['north_star', 'ceo@acme.io', '2026-11-17']]);
    const line = page.locator('#alerts li.alert-line');
    await line.first().waitFor();
    expect(await line.count()).toBe(1);
    expect(await line.getAttribute('data-row-id')).toBe('north_star');
    expect(await line.locator('.alert-what').textContent()).toBe(api.body.alerts[0].what);
    expect(await line.locator('.alert-owner').textContent()).toContain('ceo@acme.io');
    expect(await line.locator('.alert-since').textContent()).toBe('since 2026-11-17');
    expect(await page.locator('tr[data-row-id]:has([data-testid="row-alert"])').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-row-id')))).toEqual(['north_star']);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});
