/**
 * The scorecard, journey and retention pages in a real browser at a laptop's and a phone's size
 * (docs/dashboard.md): no console error, no sideways overflow, figures equal to the API's for the
 * same week, the funnel's narrowest bar at least MIN_BAR_SHARE of its track, readable heatmap text.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AA_NORMAL_TEXT, contrastRatio, parseColour } from '../web/src/contrast.js';
import { MIN_BAR_SHARE } from '../web/src/funnel-scale.js';
import { chromiumAvailable, launchBrowser, pageProblems, type Browser } from '../scripts/browser.js';
import { buildDemo, ensureWebBuilt, serveDemo, type Served } from '../scripts/demo-server.js';

const WEEK = '2026-W09';
const EARLIER = '2026-W08';
const AS_OF = '2026-03-02T12:00:00.000Z';
const SIZES = [{ name: 'laptop', width: 1440, height: 900 }, { name: 'phone', width: 390, height: 844 }];

const dir = mkdtempSync(join(tmpdir(), 'truenorth-web-review-'));
let server: Served;

beforeAll(async () => {
  if (!chromiumAvailable()) return;
  await Promise.all([ensureWebBuilt(), buildDemo(dir, { users: 1500, weeks: 12, end: '2026-03-02' })]);
  server = await serveDemo(dir);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${server.url}/api/v1/${path}`);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

async function open(page: Page, path: string): Promise<void> {
  await page.goto(server.url + path);
  await page.waitForSelector('main .card, main .banner');
  await page.waitForFunction(() => document.querySelectorAll('.loading').length === 0);
}

const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
const pct1 = (v: number) => `${(v * 100).toFixed(1)}%`;

interface Row { id: string; unit: string; values: (number | null)[]; status: string[]; trend: number | null; trend_unit: string; target: unknown }
interface Step { from: string; to: string; actual_rate: number | null }

describe.skipIf(!chromiumAvailable()).each(SIZES)('the review pages at $width×$height ($name)', ({ width, height }) => {
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    browser = await launchBrowser({ width, height });
    page = await browser.context.newPage();
    problems = pageProblems(page);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('scorecard: a red dot marks off track, rates change in points, sparklines carry the target, no segment switch', async () => {
    const card = await api<{ rows: Row[]; bottleneck: { actual_rate: number } }>(`scorecard?as_of=${AS_OF}`);
    await open(page, `/?week=${WEEK}`);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    // The banner's figure is the API's, for the same week.
    expect(await page.locator('[data-testid="bottleneck"] .figure-bad').textContent()).toBe(pct1(card.bottleneck.actual_rate));
    const off = page.locator('td.cell[data-status="off_track"]');
    expect(await off.count()).toBeGreaterThan(0);
    expect(await page.locator('td.cell[data-status="off_track"] [data-testid="off-track-mark"]').count()).toBe(await off.count());
    // No glyph that reads as a multiplication before the number.
    for (const text of await off.allInnerTexts()) expect(text).not.toMatch(/[×✕x]/);
    for (const row of card.rows) {
      const cell = page.locator(`tr[data-row-id="${row.id}"] td.trend`);
      expect(await cell.getAttribute('data-trend-unit'), row.id).toBe(row.trend_unit);
      if (row.trend === null) continue;
      const shown = (await cell.textContent())!;
      if (row.unit === 'rate') {
        expect(row.trend_unit).toBe('points');
        expect(shown, row.id).toMatch(/ pp$/);
        expect(Number(shown.replace('−', '-').replace(' pp', ''))).toBeCloseTo(row.trend * 100, 1);
      } else {
        expect(shown, row.id).toMatch(/%$/);
      }
      if (row.target) expect(await page.locator(`tr[data-row-id="${row.id}"] .spark-target`).count(), row.id).toBeGreaterThan(0);
    }
    expect(card.rows.some((r) => r.unit === 'rate' && r.trend !== null), 'the demo has a rate row to check').toBe(true);
    expect(await page.getByRole('group', { name: 'Segment' }).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("journey: every bar visible, ideal users from signup, the week's rate equal to the scorecard's", async () => {
    const [funnel, card] = await Promise.all([
      api<{ steps: { stage: string; actors: number }[]; to: string }>(`funnel?as_of=${AS_OF}`),
      api<{ journey_steps: Step[] }>(`scorecard?as_of=${AS_OF}`),
    ]);
    await open(page, `/journey?week=${WEEK}`);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await page.getByRole('group', { name: 'Segment' }).count()).toBe(1);
    // Bars: from signup by default, the visits as a number; the narrowest at least the documented minimum.
    const bars = page.locator('[data-testid="funnel-bars"] .funnel-step');
    expect(await bars.first().getAttribute('data-stage')).toBe('signup');
    const visits = funnel.steps.find((s) => s.stage === 'visit')!.actors;
    expect(await page.locator('[data-testid="funnel-visits"]').textContent()).toContain(visits.toLocaleString('en-US'));
    const shares = await bars.evaluateAll((items) => items.map((li) => {
      const track = li.querySelector('.funnel-track')!.getBoundingClientRect().width;
      return li.querySelector('.funnel-bar')!.getBoundingClientRect().width / track;
    }));
    expect(shares.length).toBe(funnel.steps.length - 1);
    expect(Math.min(...shares)).toBeGreaterThanOrEqual(MIN_BAR_SHARE - 0.002);
    // The upgrade step is under 4 % of signups in the demo: held at the minimum, its number exact.
    const upgrades = funnel.steps.find((s) => s.stage === 'upgrade')!.actors;
    expect(upgrades / funnel.steps.find((s) => s.stage === 'signup')!.actors).toBeLessThan(MIN_BAR_SHARE);
    expect(await page.locator('.funnel-step[data-stage="upgrade"] .funnel-figure').textContent()).toContain(String(upgrades));
    // The scorecard's rate for each step and week, shown beside the cohort's, with the difference explained.
    for (const step of card.journey_steps) {
      if (step.actual_rate === null) continue;
      expect(await page.locator(`[data-testid="weekly-rate-${step.to}"]`).textContent(), step.to).toBe(pct1(step.actual_rate));
    }
    expect(await page.locator('[data-testid="funnel-vs-scorecard"]').textContent()).toContain('cohort');
    // All vs ideal starts at signup.
    expect(await page.locator('[data-testid="ideal-from-signup"]').count()).toBe(1);
    expect(await page.locator('#segments table tbody tr').first().locator('th').textContent()).toBe('Signup');
    // One small chart per stage, each wide enough to read on a phone.
    const multiples = page.locator('[data-testid="stage-multiples"] .stage-multiple');
    expect(await multiples.count()).toBe(funnel.steps.length);
    for (const w of await multiples.evaluateAll((els) => els.map((el) => el.getBoundingClientRect().width))) expect(w).toBeGreaterThanOrEqual(140);
    expect(await page.locator('.stage-multiple[data-stage="upgrade"] svg.recharts-surface').count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it('journey: the range follows the week picker', async () => {
    const dashboard = await api<{ weeks: { week: string; as_of: string }[] }>('dashboard');
    const earlier = dashboard.weeks.find((w) => w.week === EARLIER)!;
    const funnel = await api<{ from: string; to: string }>(`funnel?as_of=${earlier.as_of}`);
    await open(page, `/journey?week=${EARLIER}`);
    const subtitle = (await page.locator('#funnel .card-head p').textContent())!;
    expect(subtitle).toContain(`to ${EARLIER}`);
    expect(subtitle).toContain(funnel.from.slice(0, 10));
    expect(subtitle).toContain(new Date(Date.parse(funnel.to) - 86_400_000).toISOString().slice(0, 10));
    expect(problems).toEqual([]);
  });

  it('retention: week 0 is 100 % by default, the other reading a toggle away, every cell readable', async () => {
    type Retention = { average: (number | null)[]; period_zero: string };
    const [cohort, action] = await Promise.all([
      api<Retention>(`retention?as_of=${AS_OF}`),
      api<Retention>(`retention?as_of=${AS_OF}&period_zero=action`),
    ]);
    expect(cohort.average[0]).toBe(1);
    expect(action.average[0]).toBeLessThan(1);
    await open(page, `/retention?week=${WEEK}`);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    const average = page.locator('[data-testid="retention-heatmap"] tfoot td.avg');
    expect(await average.first().textContent()).toBe('100%');
    const cells = await page.locator('[data-testid="retention-heatmap"] td.heat').evaluateAll((tds) => tds
      .filter((td) => td.textContent !== '')
      .map((td) => ({ bg: getComputedStyle(td).backgroundColor, fg: getComputedStyle(td).color })));
    expect(cells.length).toBeGreaterThan(50);
    for (const c of cells) expect(contrastRatio(parseColour(c.bg), parseColour(c.fg)), `${c.fg} on ${c.bg}`).toBeGreaterThanOrEqual(AA_NORMAL_TEXT);
    await page.getByRole('group', { name: 'Week 0' }).getByRole('button', { name: /acted/ }).click();
    await expect.poll(() => average.first().textContent()).toBe(`${(action.average[0]! * 100).toFixed(0)}%`);
    expect(problems).toEqual([]);
  });
});
