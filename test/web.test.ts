/**
 * The web dashboard in a real browser (docs/dashboard.md): `truenorth serve` on the demo company, driven by
 * playwright-core in Debian's Chromium (CI: `apt-get install -y chromium`). Skipped, saying so, when
 * /usr/bin/chromium is absent; the HTTP checks of the last block run regardless.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumAvailable, launchBrowser, pageProblems, type Browser } from '../scripts/browser.js';
import { buildDemo, cli, ensureWebBuilt, serveDemo, type Served } from '../scripts/demo-server.js';
import { json, settled } from './helpers/web-page.js';

const HAS_CHROMIUM = chromiumAvailable();
if (!HAS_CHROMIUM) {
  console.warn(`test/web.test.ts: no Chromium at ${CHROMIUM}; the browser tests are skipped (install it: apt-get install -y chromium)`);
}

const END = '2026-03-02';
const WEEK = '2026-W09';
const AS_OF = '2026-03-02T12:00:00.000Z';
const ADMIN = 'admin-token-for-the-web-tests-0123456789';

const dir = mkdtempSync(join(tmpdir(), 'truenorth-web-'));
let writeKey = '';
let secretKey = '';

beforeAll(async () => {
  await Promise.all([
    ensureWebBuilt(),
    buildDemo(dir, { users: 1500, weeks: 12, end: END }),
  ]);
  const write = await cli(dir, ['keys', 'create', '--kind', 'write', '--name', 'web test']);
  const secret = await cli(dir, ['keys', 'create', '--kind', 'secret', '--name', 'web test']);
  // (one after the other: each opens the database file for writing)
  expect(write.code, write.stderr).toBe(0);
  expect(secret.code, secret.stderr).toBe(0);
  writeKey = write.stdout.trim();
  secretKey = secret.stdout.trim();
}, 90_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});


interface CardRow { id: string; values: (number | null)[]; status: string[]; reasons?: (string | null)[] }
interface Card { rows: CardRow[]; bottleneck: { stage: string; owner: string } | null; ceo_of_the_week: { owner: string } | null; weeks: string[] }

/** Path, navigation label, page heading. */
const PAGES: [string, string, string][] = [
  ['/', 'Scorecard', 'Weekly scorecard'],
  ['/north-star', 'North Star', 'North Star'],
  ['/journey', 'Journey', 'Journey'],
  ['/retention', 'Retention', 'Retention'],
  ['/revenue', 'Revenue', 'Revenue'],
  ['/voice', 'Voice of the user', 'Voice of the user'],
  ['/leading', 'Leading indicators', 'Leading indicators'],
  ['/okrs', 'OKRs', 'Objectives and key results'],
  ['/enter', 'Enter numbers', 'Enter numbers'],
  ['/data', 'Data', 'Data: the events the store holds'],
];

describe.skipIf(!HAS_CHROMIUM)('the dashboard on localhost (open)', () => {
  let server: Served;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    [server, browser] = await Promise.all([serveDemo(dir), launchBrowser()]);
    page = await browser.context.newPage();
    problems = pageProblems(page);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('renders every page without console errors, and is usable with the keyboard', async () => {
    // A page's own address loads the app (the server falls back to index.html); then every page through the navigation.
    await page.goto(`${server.url}/voice?week=${WEEK}`);
    await settled(page);
    expect(await page.locator('h1').first().textContent()).toBe('Voice of the user');
    for (const [path, label, title] of PAGES) {
      await page.locator('nav').getByRole('link', { name: label, exact: false }).click();
      await page.waitForURL((url) => url.pathname === path);
      await settled(page);
      expect(await page.locator('h1').first().textContent(), path).toBe(title);
      expect(await page.locator('.error-box').count(), `${path}: ${await page.locator('.error-box').allTextContents()}`).toBe(0);
      expect(await page.locator('nav a[aria-current="page"]').count(), path).toBe(1);
    }
    // Charts are drawn by the charting library, as SVG.
    await page.goto(`${server.url}/revenue`);
    await settled(page);
    expect(await page.locator('[data-testid="waterfall"] svg.recharts-surface').count()).toBe(1);
    expect(problems).toEqual([]);

    // Keyboard: the first Tab reaches the skip link, the next ones the navigation; Enter follows a link.
    await page.goto(server.url + '/');
    await settled(page);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    let label = '';
    for (let i = 0; i < 12 && label !== '⇢Journey'; i++) {
      await page.keyboard.press('Tab');
      label = (await page.evaluate(() => document.activeElement?.textContent)) ?? '';
    }
    expect(label).toBe('⇢Journey');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/journey$/);
    await settled(page);
    expect(await page.locator('h1').textContent()).toBe('Journey');
    expect(problems).toEqual([]);
  });

  it('marks the planted bottleneck (signup → setup) off track in red and names li@acme.io CEO of the week', async () => {
    const api = await json<Card>(`${server.url}/api/v1/scorecard?as_of=${AS_OF}`);
    expect(api.status).toBe(200);
    expect(api.body.bottleneck?.stage).toBe('setup');
    expect(api.body.ceo_of_the_week?.owner).toBe('li@acme.io');

    await page.goto(server.url + '/');
    await settled(page);
    const row = page.locator('tr[data-row-id="journey.setup"]');
    await expect.poll(() => row.count()).toBe(1);
    const cell = row.locator('td.cell.current');
    expect(await cell.getAttribute('data-week')).toBe(WEEK);
    expect(await cell.getAttribute('data-status')).toBe('off_track');
    const [r, g, b] = (await cell.evaluate((el) => getComputedStyle(el).backgroundColor)).match(/\d+/g)!.map(Number);
    expect(r, 'red cell').toBeGreaterThan(g + 20);
    expect(r, 'red cell').toBeGreaterThan(b + 20);
    expect(await row.locator('.pill').textContent()).toContain('Off track');
    expect(await row.textContent()).toContain('bottleneck');
    expect(await row.getAttribute('class')).toContain('row-bottleneck');
    expect(await page.locator('[data-testid="ceo-owner"]').textContent()).toBe('li@acme.io');
    expect(await page.locator('[data-testid="bottleneck"]').textContent()).toContain('Signup → Setup');
    // An on-track row for contrast: green.
    const green = page.locator('tr[data-row-id="north_star"] td.cell.current');
    expect(await green.getAttribute('data-status')).toBe('on_track');
    const [gr, gg] = (await green.evaluate((el) => getComputedStyle(el).backgroundColor)).match(/\d+/g)!.map(Number);
    expect(gg).toBeGreaterThan(gr);
    expect(problems).toEqual([]);
  });

  it('shows a week before the demo data begins as "no data", never a zero, with the reason on hover', async () => {
    const api = await json<Card>(`${server.url}/api/v1/scorecard?as_of=${AS_OF}`);
    // The scorecard shows 13 weeks of a 12-week demo: its first week ends before the first visit.
    const visits = api.body.rows.find((r) => r.id === 'journey.visit')!;
    expect([visits.values[0], visits.status[0]]).toEqual([null, 'no_data']);
    expect(visits.reasons![0]).toMatch(/^before the first `Page Viewed` event \(\d{4}-\d{2}-\d{2}\)$/);
    expect(visits.status[1]).not.toBe('no_data');

    await page.goto(server.url + '/');
    await settled(page);
    const cell = page.locator(`tr[data-row-id="journey.visit"] td.cell[data-week="${api.body.weeks[0]}"]`);
    await expect.poll(() => cell.count()).toBe(1);
    expect(await cell.getAttribute('data-status')).toBe('no_data');
    expect(await cell.locator('.no-data').textContent()).toBe('no data');
    expect(await cell.innerText()).not.toMatch(/\d/);
    expect(await cell.getAttribute('title')).toContain(visits.reasons![0]!);
    expect(problems).toEqual([]);
  });

  it('records a hand-entered value through the form: the grid and the API change, with the audit trail', async () => {
    const before = await json<Card>(`${server.url}/api/v1/scorecard?as_of=${AS_OF}`);
    const cashBefore = before.body.rows.find((r) => r.id === 'health.cash_balance')!;
    expect(cashBefore.values.at(-1)).not.toBe(123456);

    await page.goto(server.url + '/enter');
    await settled(page);
    await page.getByLabel('Metric').selectOption('cash_balance');
    await page.locator('#record-week').selectOption(WEEK);
    await page.getByLabel(/^Value/).fill('123,456');
    await page.getByLabel('Entered by').fill('cfo@acme.io');
    await page.locator('#record-note').fill('bank statement, browser test');
    await page.getByRole('button', { name: 'Record' }).click();
    await expect.poll(() => page.locator('[data-testid="form-ok"]').textContent()).toContain(`Cash balance = 123,456 for ${WEEK}`);
    // The history shows the new entry on top, the old one corrected.
    await expect.poll(() => page.locator('#history tbody tr').first().textContent()).toContain('bank statement, browser test');

    const after = await json<Card>(`${server.url}/api/v1/scorecard?as_of=${AS_OF}`);
    const cash = after.body.rows.find((r) => r.id === 'health.cash_balance')!;
    expect(cash.values.at(-1)).toBe(123456);
    expect(cash.status.at(-1)).toBe('off_track');
    const history = await json<{ entries: { period: string; value: number; entered_by: string; note: string }[] }>(`${server.url}/api/v1/record?metric=cash_balance`);
    expect(history.body.entries.filter((e) => e.period === WEEK).at(-1)).toMatchObject({ value: 123456, entered_by: 'cfo@acme.io', note: 'bank statement, browser test' });

    // A review note through the other form.
    await page.getByLabel('Scorecard row').selectOption('journey.setup');
    await page.getByLabel('Your name or email').fill('li@acme.io');
    await page.locator('#note-text').fill('Workspace creation fails on SSO accounts; fix ships Tuesday');
    await page.getByRole('button', { name: `Add note for ${WEEK}` }).click();
    await expect.poll(() => page.locator('#review-notes [data-testid="form-ok"]').textContent()).toContain('Noted on Setups');

    // Back on the scorecard (in-app navigation): the new value, off track against ≥ 340k, and the note.
    await page.getByRole('link', { name: /Scorecard/ }).click();
    await settled(page);
    const cell = page.locator('tr[data-row-id="health.cash_balance"] td.cell.current');
    await expect.poll(() => cell.getAttribute('data-value')).toBe('123456');
    expect(await cell.getAttribute('data-status')).toBe('off_track');
    expect(await cell.textContent()).toContain('$123.5k');
    await expect.poll(() => page.locator('#notes').textContent()).toContain('Workspace creation fails on SSO accounts');
    expect(problems).toEqual([]);

    // The form validates like `truenorth record`: a computed metric cannot be entered by hand.
    const refused = await json<{ message: string }>(`${server.url}/api/v1/record`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metric: 'mrr', week: WEEK, value: 1, entered_by: 'x' }),
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/computed from the subscription ledger/);
  });

  it('shows the data-quality panel: a rejected message and a clamped future timestamp sent now are counted', async () => {
    type Totals = { rejected: number; future_clamped: number };
    const before = await json<{ totals: { all_time: Totals } }>(`${server.url}/api/v1/quality`);
    const sent = await fetch(`${server.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ batch: [
        // An alias, not an event: the demo's weeks and figures stay as the other tests expect them.
        { type: 'alias', previousId: 'quality-anon', userId: 'quality-test', messageId: 'quality-future', timestamp: '2036-01-01T00:00:00Z' },
        { type: 'track', userId: 'quality-test', messageId: 'quality-rejected' },
      ] }),
    });
    expect(sent.status).toBe(200);
    await page.goto(server.url + '/enter');
    await settled(page);
    const panel = page.locator('[data-testid="quality-panel"]');
    await expect.poll(() => panel.count()).toBe(1);
    const allTime = (key: string) => page.locator(`[data-testid="quality-${key}"] td`).nth(1).textContent();
    expect(await allTime('rejected')).toBe((before.body.totals.all_time.rejected + 1).toLocaleString('en-US'));
    expect(await allTime('future_clamped')).toBe((before.body.totals.all_time.future_clamped + 1).toLocaleString('en-US'));
    expect(await panel.locator('table[aria-label="Rejected messages by reason and source"]').textContent()).toContain('http:segment');
    expect(problems).toEqual([]);
  });

  it('changes the funnel numbers with the segment switch', async () => {
    const [all, ideal] = await Promise.all(['all', 'ideal'].map((s) =>
      json<{ steps: { stage: string; actors: number }[] }>(`${server.url}/api/v1/funnel?as_of=${AS_OF}&segment=${s}`)));
    const signups = (r: typeof all) => r.body.steps.find((s) => s.stage === 'signup')!.actors;
    expect(signups(ideal)).toBeLessThan(signups(all));

    await page.goto(server.url + '/journey');
    await settled(page);
    const cell = page.locator('[data-testid="actors-signup"]');
    expect(await cell.textContent()).toBe(signups(all).toLocaleString('en-US'));
    await page.getByRole('group', { name: 'Segment' }).getByRole('button', { name: 'Ideal' }).click();
    await expect.poll(() => cell.textContent()).toBe(signups(ideal).toLocaleString('en-US'));
    expect(page.url()).toContain('segment=ideal');
    expect(await page.getByRole('group', { name: 'Segment' }).getByRole('button', { name: 'Ideal' }).getAttribute('aria-pressed')).toBe('true');
    expect(problems).toEqual([]);
  });

  it('lists the stored events on the Data page, and warns on every page while the config names an event the store lacks', async () => {
    // A request of the last test's page cut short by this navigation is no fault of the page.
    await page.goto(`${server.url}/data`);
    problems.length = 0;
    const catalogue = await json<{ events: { event: string; count: number }[] }>(`${server.url}/api/v1/events`);
    const sent = catalogue.body.events.find((e) => e.event === 'Message Sent')!;
    await settled(page);
    const row = page.locator('#catalogue tbody tr', { hasText: 'Message Sent' });
    expect(await row.locator('td').first().textContent()).toBe(sent.count.toLocaleString('en-US'));
    expect(await page.locator('.config-warnings').count()).toBe(0);

    // The server reads truenorth.yaml again when it changes: a typo in the setup stage's event.
    const file = join(dir, 'truenorth.yaml');
    const original = readFileSync(file, 'utf8');
    expect(original).toContain('event: Workspace Created');
    try {
      writeFileSync(file, original.replace('event: Workspace Created', 'event: workspace_craeted'));
      const card = await json<{ warnings: { path: string; suggestions: string[] }[] }>(`${server.url}/api/v1/scorecard?as_of=${AS_OF}`);
      expect(card.body.warnings).toEqual([expect.objectContaining({ path: 'journey.setup.event', suggestions: ['Workspace Created'] })]);
      for (const path of ['/', '/journey']) {
        await page.goto(server.url + path);
        await settled(page);
        const banner = page.locator('.config-warnings');
        await expect.poll(() => banner.count()).toBe(1);
        expect(await banner.textContent()).toContain('journey.setup.event');
        expect(await banner.textContent()).toContain('did you mean “Workspace Created”');
      }
    } finally {
      writeFileSync(file, original);
    }
    expect(problems).toEqual([]);
  });
});

describe('the dashboard bound beyond localhost', () => {
  let server: Served;
  let browser: Browser | undefined;

  beforeAll(async () => {
    server = await serveDemo(dir, { host: '0.0.0.0', env: { TRUENORTH_ADMIN_TOKEN: ADMIN } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('refuses the read API without a key, and to write keys', async () => {
    expect((await json(`${server.url}/api/v1/scorecard`)).status).toBe(401);
    expect((await json(`${server.url}/api/v1/dashboard`)).status).toBe(401);
    const asWriter = { headers: { authorization: `Bearer ${writeKey}` } };
    expect((await json(`${server.url}/api/v1/scorecard`, asWriter)).status).toBe(403);
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      json<{ error: string }>(`${server.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    expect((await post({ key: writeKey })).status).toBe(403);
    expect((await post({ key: 'tns_not_a_key' })).status).toBe(401);
    expect((await json<{ auth_required: boolean }>(`${server.url}/api/v1/session`)).body.auth_required).toBe(true);
    const record = await json(`${server.url}/api/v1/record`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metric: 'cash_balance', value: 1, entered_by: 'x' }),
    });
    expect(record.status).toBe(401);
    // With the secret key: the same data as on localhost.
    const card = await json<Card>(`${server.url}/api/v1/scorecard?as_of=${AS_OF}`, { headers: { authorization: `Bearer ${secretKey}` } });
    expect(card.status).toBe(200);
    expect(card.body.ceo_of_the_week?.owner).toBe('li@acme.io');
    // Forms: JSON from this origin only; the write goes through the server (the file is held).
    const asAdmin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const entry = { metric: 'burn', week: WEEK, value: '21,500', entered_by: 'cfo@acme.io', note: 'from the API' };
    const crossSite = await json(`${server.url}/api/v1/record`, { method: 'POST', headers: { ...asAdmin, origin: 'https://evil.example' }, body: JSON.stringify(entry) });
    expect(crossSite.status).toBe(403);
    const asText = await json(`${server.url}/api/v1/record`, { method: 'POST', headers: { ...asAdmin, 'content-type': 'text/plain' }, body: JSON.stringify(entry) });
    expect(asText.status).toBe(415);
    const saved = await json<{ period: string; value: number }>(`${server.url}/api/v1/record`, { method: 'POST', headers: asAdmin, body: JSON.stringify(entry) });
    expect(saved).toMatchObject({ status: 201, body: { period: WEEK, value: 21500 } });
    // The OpenAPI document lists the dashboard's routes.
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(`${server.url}/openapi.json`);
    for (const path of ['/api/v1/scorecard', '/api/v1/okrs', '/api/v1/digest', '/api/v1/revenue', '/api/v1/heart', '/api/v1/dashboard']) expect(doc.body.paths[path]?.get, path).toBeDefined();
    for (const path of ['/api/v1/record', '/api/v1/notes', '/api/v1/checkins', '/api/v1/session']) expect(doc.body.paths[path]?.post, path).toBeDefined();
    // The app's files carry no data and load for the sign-in form.
    const index = await fetch(`${server.url}/journey`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    // No path leaves dist/web.
    for (const path of ['/..%2f..%2fpackage.json', '/assets/..%2f..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json']) {
      const res = await fetch(server.url + path);
      expect(await res.text(), path).not.toContain('"name": "truenorth"');
    }
  });

  it.skipIf(!HAS_CHROMIUM)('shows a sign-in form instead of data, and the scorecard after signing in with the secret key', async () => {
    browser = await launchBrowser();
    const page = await browser.context.newPage();
    await page.goto(server.url + '/');
    await page.waitForSelector('[data-testid="login"]');
    expect(await page.locator('[data-testid="scorecard-grid"]').count()).toBe(0);
    expect(await page.locator('tr[data-row-id]').count()).toBe(0);

    await page.getByLabel('Secret key').fill(writeKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('[data-testid="login-error"]').textContent()).toContain('write key');

    await page.getByLabel('Secret key').fill(secretKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('[data-testid="scorecard-grid"]');
    await settled(page);
    expect(await page.locator('[data-testid="ceo-owner"]').textContent()).toBe('li@acme.io');
    const cookies = await browser.context.cookies(server.url);
    const session = cookies.find((c) => c.name === 'truenorth_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Strict');
    // The session survives a reload and reaches every page.
    await page.goto(`${server.url}/north-star`);
    await settled(page);
    expect(await page.locator('.error-box').count()).toBe(0);
  });
});
