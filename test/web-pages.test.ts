/**
 * Every dashboard page at 1440×900 and 390×844, light and dark (docs/dashboard.md), on the demo
 * company served by `truenorth serve`, in Debian's Chromium. The pages are the case table of
 * test/web-cases.ts; this file is the harness that runs each case. Skipped, saying so, without
 * Chromium.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, pageProblems, type Browser } from '../scripts/browser.js';
import { buildDemo, ensureWebBuilt, serveDemo, type Served } from '../scripts/demo-server.js';
import { json, parseCsv, settled, sidewaysOverflow, textContrasts } from './helpers/web-page.js';
import { PAGE_CASES, VIEWPORTS, type PageCase, type Scheme, type Size, type Visit } from './web-cases.js';

const HAS_CHROMIUM = chromiumAvailable();

/** The palettes' page background, card background and body text, as the browser computes them. */
const PALETTE: Record<Scheme, { bg: string; panel: string; text: string; axis: string }> = {
  light: { bg: 'rgb(246, 247, 249)', panel: 'rgb(255, 255, 255)', text: 'rgb(17, 24, 39)', axis: 'rgb(107, 114, 128)' },
  dark: { bg: 'rgb(11, 17, 32)', panel: 'rgb(19, 28, 46)', text: 'rgb(229, 231, 235)', axis: 'rgb(156, 163, 175)' },
};
/** WCAG AA for body text. */
const MIN_CONTRAST = 4.5;
const TEXT = 'main h2, main h3, main p, main td, main th, main li, main dt, main dd, main label, main span, main a, main strong, .topbar span, .foot';

interface Week { week: string; as_of: string }

const dir = mkdtempSync(join(tmpdir(), 'truenorth-web-pages-'));
let server: Served;
let browser: Browser;
let page: Page;
let problems: string[];
/** An earlier week than the latest, so a shared link is told apart from the default. */
let shared: Week;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  await Promise.all([ensureWebBuilt(), buildDemo(dir, { users: 1500, weeks: 12, end: '2026-03-02' })]);
  [server, browser] = await Promise.all([serveDemo(dir), launchBrowser()]);
  const ctx = await json<{ weeks: Week[] }>(`${server.url}/api/v1/dashboard`);
  shared = ctx.body.weeks[2];
  page = await browser.context.newPage();
  problems = pageProblems(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function open(c: PageCase, size: Size, scheme: Scheme): Promise<Visit> {
  await page.setViewportSize(VIEWPORTS[size]);
  await page.emulateMedia({ colorScheme: scheme });
  const at: Visit = { url: server.url, size, scheme, week: shared.week, asOf: shared.as_of, segment: 'ideal' };
  problems.length = 0;
  await page.goto(`${server.url}${c.path}?week=${at.week}&segment=${at.segment}`);
  await settled(page);
  return at;
}

async function expectPalette(scheme: Scheme): Promise<void> {
  const want = PALETTE[scheme];
  const seen = await page.evaluate(() => ({
    bg: getComputedStyle(document.documentElement).backgroundColor,
    panel: getComputedStyle(document.querySelector('.topbar')!).backgroundColor,
    text: getComputedStyle(document.querySelector('h1')!).color,
    axis: [...document.querySelectorAll('.recharts-cartesian-axis-tick-value')].map((t) => getComputedStyle(t).fill),
  }));
  expect({ bg: seen.bg, panel: seen.panel, text: seen.text }).toEqual({ bg: want.bg, panel: want.panel, text: want.text });
  // Charts take their colours from the same palette.
  for (const fill of new Set(seen.axis)) expect(fill, 'chart axis labels').toBe(want.axis);
}

async function expectSharedView(c: PageCase, at: Visit): Promise<void> {
  expect(await page.locator('.topbar select').inputValue(), 'week from the link').toBe(at.week);
  expect(await page.locator('.foot').textContent()).toContain(`Week ${at.week}`);
  expect(new URL(page.url()).searchParams.get('segment'), 'the segment stays in the address').toBe(at.segment);
  if (c.segmented) {
    const ideal = page.getByRole('group', { name: 'Segment' }).getByRole('button', { name: 'Ideal' });
    expect(await ideal.getAttribute('aria-pressed'), 'segment from the link').toBe('true');
  }
}

/** Each table's "Export CSV": the file is named after page, week and table, and its records equal the API's. */
async function expectCsvExports(c: PageCase, at: Visit): Promise<void> {
  for (const t of c.csv ?? []) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`button[data-export="${t.table}"]`).click()]);
    const slug = c.path === '/' ? 'scorecard' : c.path.slice(1);
    expect(download.suggestedFilename()).toBe(`${slug}-${at.week}-${t.table}.csv`);
    const file = readFileSync((await download.path())!, 'utf8');
    const api = await json<never>(`${server.url}${t.api(at)}`);
    expect(api.status).toBe(200);
    expect(parseCsv(file), `${t.table}.csv`).toEqual(t.expected(api.body, at));
  }
}

/** A page's whole case (several API reads, a download) on a loaded machine. */
const PAGE_TIMEOUT = 120_000;

const RUNS: [Size, Scheme][] = [['desktop', 'light'], ['desktop', 'dark'], ['phone', 'light'], ['phone', 'dark']];

describe.skipIf(!HAS_CHROMIUM).each(RUNS)('every page at %s size, %s', (size, scheme) => {
  it.each(PAGE_CASES.map((c) => [c.path, c] as const))('%s', async (_path, c) => {
    const at = await open(c, size, scheme);
    expect(await page.locator('h1').first().textContent()).toBe(c.heading);
    expect(await page.locator('.error-box').allTextContents()).toEqual([]);
    if (c.fits.includes(size)) expect(await sidewaysOverflow(page), 'sideways overflow').toEqual({ excess: expect.toSatisfy((e: number) => e <= 0), culprits: [] });
    await expectPalette(scheme);
    if (c.legible.includes(scheme)) {
      const low = (await textContrasts(page, TEXT)).filter((t) => t.ratio < MIN_CONTRAST);
      expect(low.map((t) => `“${t.text}” ${t.colour} on ${t.background}: ${t.ratio.toFixed(2)}`), 'text below 4.5:1 contrast').toEqual([]);
    }
    await expectSharedView(c, at);
    await expectCsvExports(c, at);
    await c.check?.(page, at);
    expect(problems).toEqual([]);
  }, PAGE_TIMEOUT);
});

describe.skipIf(!HAS_CHROMIUM)('links and history', () => {
  it('keeps week and segment across pages, and Back and Forward restore the previous view', async () => {
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.emulateMedia({ colorScheme: 'light' });
    problems.length = 0;
    await page.goto(`${server.url}/journey`);
    await settled(page);
    const latest = await page.locator('.topbar select').inputValue();
    expect(latest).not.toBe(shared.week);
    await page.locator('.topbar select').selectOption(shared.week);
    await page.waitForURL((u) => u.searchParams.get('week') === shared.week);
    await page.getByRole('group', { name: 'Segment' }).getByRole('button', { name: 'Ideal' }).click();
    await page.waitForURL((u) => u.searchParams.get('segment') === 'ideal');
    await page.locator('nav').getByRole('link', { name: 'Retention' }).click();
    await page.waitForURL((u) => u.pathname === '/retention');
    await settled(page);
    expect(new URL(page.url()).search).toBe(`?week=${shared.week}&segment=ideal`);

    const pressed = () => page.getByRole('group', { name: 'Segment' }).getByRole('button', { name: 'Ideal' }).getAttribute('aria-pressed');
    await page.goBack(); // Journey, ideal
    await page.waitForURL((u) => u.pathname === '/journey');
    expect(await pressed()).toBe('true');
    await page.goBack(); // Journey, all users
    await expect.poll(pressed).toBe('false');
    expect(await page.locator('.topbar select').inputValue()).toBe(shared.week);
    await page.goBack(); // Journey, the latest week
    await expect.poll(() => page.locator('.topbar select').inputValue()).toBe(latest);
    await page.goForward();
    await expect.poll(() => page.locator('.topbar select').inputValue()).toBe(shared.week);
    await settled(page);
    expect(problems).toEqual([]);
  });
});

/** A4 landscape less 10 mm margins, at 96 px per inch: the width the print layout gets. */
const PRINT_WIDTH = Math.floor(((297 - 20) / 25.4) * 96);

describe.skipIf(!HAS_CHROMIUM)('printing the weekly review', () => {
  it.each(PAGE_CASES.map((c) => [c.path, c] as const))('%s prints without the navigation, in the light palette, charts kept, within the paper', async (_path, c) => {
    await page.setViewportSize({ width: PRINT_WIDTH, height: 800 });
    await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
    problems.length = 0;
    await page.goto(`${server.url}${c.path}?week=${shared.week}`);
    await settled(page);
    const seen = await page.evaluate(() => ({
      hidden: ['.sidebar', '.topbar .controls', '.export-csv'].map((s) => [...document.querySelectorAll(s)].every((e) => getComputedStyle(e).display === 'none')),
      charts: [...document.querySelectorAll('svg.recharts-surface')].filter((s) => !s.closest('.recharts-legend-wrapper')).map((s) => s.getBoundingClientRect().width),
    }));
    expect(seen.hidden).toEqual([true, true, true]);
    for (const width of seen.charts) expect(width, 'a chart is drawn').toBeGreaterThan(100);
    expect(await sidewaysOverflow(page), 'wider than the paper').toEqual({ excess: expect.toSatisfy((e: number) => e <= 0), culprits: [] });
    // Paper stays light, whatever the screen's scheme: white sheet, the light palette's text.
    expect(await page.evaluate(() => [getComputedStyle(document.documentElement).backgroundColor, getComputedStyle(document.querySelector('h1')!).color]))
      .toEqual(['rgb(255, 255, 255)', PALETTE.light.text]);
    expect(problems).toEqual([]);
  });

  it('prints the scorecard on A4 landscape sheets: banner and grid first, the rest on the next sheet, colours kept', async () => {
    await page.emulateMedia({ media: 'print', colorScheme: 'light' });
    await page.goto(`${server.url}/`);
    await settled(page);
    const cell = page.locator('tr[data-row-id="journey.setup"] td.cell.current');
    expect(await cell.evaluate((e) => getComputedStyle(e).printColorAdjust)).toBe('exact');
    expect(await page.locator('#scorecard').evaluate((e) => getComputedStyle(e).breakAfter)).toBe('page');
    const pdf = (await page.pdf({ preferCSSPageSize: true, printBackground: true })).toString('latin1');
    const sheets = pdf.match(/\/Type\s*\/Page\b/g) ?? [];
    expect(sheets.length).toBeGreaterThanOrEqual(2);
    // A4 landscape: 297 × 210 mm in points.
    const box = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(pdf)!;
    expect([Math.round(Number(box[1])), Math.round(Number(box[2]))]).toEqual([842, 595]);
  });
});
