/**
 * The scorecard's, journey's and retention's own assertions for the browser harness
 * (test/web-cases.ts runs them at both sizes and in both schemes): figures equal to the API's for
 * the visit's period, the off-track mark, rates' changes in points, the funnel's narrowest bar at
 * least MIN_BAR_SHARE of its track, the scorecard's weekly rate beside the cohort's, week 0 = 100 %.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { AA_NORMAL_TEXT, contrastRatio, parseColour } from '../web/src/contrast.js';
import { MIN_BAR_SHARE } from '../web/src/funnel-scale.js';
import { json, settled } from './helpers/web-page.js';
import type { Visit } from './web-cases.js';

interface Row { id: string; unit: string; values: (number | null)[]; trend: number | null; trend_unit: string; target: unknown; months?: string[] }
interface Step { from: string; to: string; actual_rate: number | null }
interface Funnel { steps: { stage: string; actors: number }[]; from: string; to: string }

async function api<T>(at: Visit, path: string): Promise<T> {
  const res = await json<T>(`${at.url}/api/v1/${path}`);
  expect(res.status, path).toBe(200);
  return res.body;
}

const pct1 = (v: number) => `${(v * 100).toFixed(1)}%`;

export async function checkScorecard(page: Page, at: Visit): Promise<void> {
  const card = await api<{ rows: Row[]; bottleneck: { actual_rate: number } | null }>(at, `scorecard?as_of=${at.asOf}`);
  if (card.bottleneck) expect(await page.locator('[data-testid="bottleneck"] .figure-bad').textContent()).toBe(pct1(card.bottleneck.actual_rate));
  const off = page.locator('td.cell[data-status="off_track"]');
  expect(await off.count()).toBeGreaterThan(0);
  expect(await page.locator('td.cell[data-status="off_track"] [data-testid="off-track-mark"]').count()).toBe(await off.count());
  // No glyph that reads as a multiplication before the number.
  for (const text of await off.allInnerTexts()) expect(text).not.toMatch(/[×✕x]/);
  for (const row of card.rows) {
    const cell = page.locator(`tr[data-row-id="${row.id}"] td.trend`);
    expect(await cell.getAttribute('data-trend-unit'), row.id).toBe(row.trend_unit);
    if (row.target) expect(await page.locator(`tr[data-row-id="${row.id}"] .spark-target`).count(), row.id).toBeGreaterThan(0);
    if (row.trend === null) continue;
    const shown = (await cell.locator('.trend-value').textContent())!;
    if (row.unit !== 'rate') {
      expect(shown, row.id).toMatch(/%$/);
      continue;
    }
    expect([row.trend_unit, shown], row.id).toEqual(['points', expect.stringMatching(/ pp$/)]);
    expect(Number(shown.replace('−', '-').replace(' pp', ''))).toBeCloseTo(row.trend * 100, 1);
  }
  // Revenue churn and NRR read monthly: each cell names its month, the change is month over month.
  for (const id of ['health.revenue_churn', 'health.nrr']) {
    const row = card.rows.find((r) => r.id === id)!;
    expect(row.months, id).toHaveLength(row.values.length);
    const current = page.locator(`tr[data-row-id="${id}"] td.cell.current`);
    expect(await current.getAttribute('data-month')).toBe(row.months!.at(-1));
    expect(await current.getAttribute('data-value')).toBe(row.values.at(-1) === null ? '' : String(row.values.at(-1)));
    expect(await page.locator(`tr[data-row-id="${id}"] td.trend`).textContent()).toMatch(/MoM$/);
  }
  // The segment does not change the scorecard: no switch on it.
  expect(await page.getByRole('group', { name: 'Segment' }).count()).toBe(0);
  await checkPace(page, at);
}

interface PaceRow { id: string; so_far: number | null; projected: number | null; on_pace: boolean | null; reason?: string }

/**
 * The unfinished week after the one viewed (read as of that Monday noon): a line per row, its verdict
 * as the API's, in words as well as in colour; a row without a projection says why.
 */
async function checkPace(page: Page, at: Visit): Promise<void> {
  const pace = await api<{ week: string; rows: PaceRow[] }>(at, `pace?as_of=${at.asOf}`);
  expect(pace.rows.filter((r) => r.projected !== null).length).toBeGreaterThan(2);
  expect(await page.locator('#pace-title').textContent()).toBe(`${pace.week} so far`);
  for (const row of pace.rows) {
    const line = page.locator(`[data-testid="pace"] li[data-row-id="${row.id}"]`);
    const verdict = row.on_pace === true ? 'on' : row.on_pace === false ? 'off' : 'none';
    expect(await line.getAttribute('data-on-pace'), row.id).toBe(verdict);
    if (row.projected === null) {
      expect(await line.locator('[data-testid="pace-reason"]').textContent(), row.id).toBe(row.reason);
      continue;
    }
    expect(await line.locator('.pace-so-far').getAttribute('data-value'), row.id).toBe(String(row.so_far));
    expect(await line.locator('.pace-projected').getAttribute('data-value'), row.id).toBe(String(row.projected));
    const said = row.on_pace === null ? row.reason! : verdict === 'on' ? '✓ on pace' : '▼ off pace';
    expect(await line.locator('[data-testid="pace-verdict"]').textContent(), row.id).toBe(said);
    expect(await line.getByRole('img').getAttribute('aria-label'), row.id).toMatch(new RegExp(`so far, heading for .*: ${said.replace(/^[✓▼] /, '')}$`));
  }
}

async function barShares(page: Page): Promise<{ stage: string; share: number }[]> {
  return page.locator('[data-testid="funnel-bars"] .funnel-step').evaluateAll((items) => items.map((li) => ({
    stage: li.getAttribute('data-stage')!,
    share: li.querySelector('.funnel-bar')!.getBoundingClientRect().width / li.querySelector('.funnel-track')!.getBoundingClientRect().width,
  })));
}

/** Run with the visit's segment (ideal users), then all users through the switch. */
export async function checkJourney(page: Page, at: Visit): Promise<void> {
  // Ideal users start at signup: before the identify nobody is known to be ideal.
  if (at.segment === 'ideal') {
    expect((await barShares(page))[0].stage).toBe('signup');
    expect(await page.locator('[data-testid="funnel-table"] tr[data-stage="visit"]').count()).toBe(0);
    await page.getByRole('group', { name: 'Segment' }).getByRole('button', { name: 'All' }).click();
    await page.waitForURL((u) => !u.searchParams.has('segment') || u.searchParams.get('segment') === 'all');
    await settled(page);
  }
  const [funnel, card] = await Promise.all([
    api<Funnel>(at, `funnel?as_of=${at.asOf}`),
    api<{ journey_steps: Step[] }>(at, `scorecard?as_of=${at.asOf}`),
  ]);
  const actors = (stage: string) => funnel.steps.find((s) => s.stage === stage)!.actors;
  // From signup by default, the visits as a number; the narrowest bar at least the documented minimum.
  const shares = await barShares(page);
  expect(shares.map((s) => s.stage)).toEqual(funnel.steps.map((s) => s.stage).filter((s) => s !== 'visit'));
  expect(await page.locator('[data-testid="funnel-visits"]').textContent()).toContain(actors('visit').toLocaleString('en-US'));
  expect(Math.min(...shares.map((s) => s.share))).toBeGreaterThanOrEqual(MIN_BAR_SHARE - 0.002);
  // Every bar is its share of the first step, or the minimum when that is smaller; the number stays exact.
  const first = actors('signup');
  for (const { stage, share } of shares) expect(share, stage).toBeCloseTo(Math.max(MIN_BAR_SHARE, actors(stage) / first), 2);
  expect(await page.locator('.funnel-step[data-stage="upgrade"] .funnel-figure').textContent()).toContain(actors('upgrade').toLocaleString('en-US'));
  // From visits, later steps are far under the minimum share: each is held at it.
  await page.getByRole('group', { name: 'Funnel starts at' }).getByRole('button', { name: 'From visit' }).click();
  const fromVisit = await barShares(page);
  expect(fromVisit.map((s) => s.stage)).toEqual(funnel.steps.map((s) => s.stage));
  expect(actors('upgrade') / actors('visit')).toBeLessThan(MIN_BAR_SHARE);
  expect(Math.min(...fromVisit.map((s) => s.share))).toBeGreaterThanOrEqual(MIN_BAR_SHARE - 0.002);
  await page.getByRole('group', { name: 'Funnel starts at' }).getByRole('button', { name: 'From signup' }).click();
  // The range is the visit's week and the twelve before it.
  const subtitle = (await page.locator('#funnel .card-head p').textContent())!;
  expect(subtitle).toContain(`to ${at.week} (${funnel.from.slice(0, 10)} – ${new Date(Date.parse(funnel.to) - 86_400_000).toISOString().slice(0, 10)})`);
  // The scorecard's rate for each step in that week, beside the cohort's, with why they differ.
  for (const step of card.journey_steps) {
    if (step.actual_rate !== null) expect(await page.locator(`[data-testid="weekly-rate-${step.to}"]`).textContent(), step.to).toBe(pct1(step.actual_rate));
  }
  expect(await page.locator('[data-testid="funnel-vs-scorecard"]').textContent()).toContain('cohort');
  // The PQL tiles are the API's, for the same weeks.
  const pql = await api<{ upgrade_rate: number | null; weeks: { pqls: number }[] }>(at, `pql?as_of=${at.asOf}`);
  const tiles = await page.locator('#pql .kpi').evaluateAll((els) => els.map((el) => [el.querySelector('.kpi-label')!.textContent, el.querySelector('.kpi-value')!.textContent]));
  expect(tiles).toEqual([
    ['PQL → upgrade', pql.upgrade_rate === null ? '—' : `${(pql.upgrade_rate * 100).toFixed(0)}%`],
    ['PQLs in range', pql.weeks.reduce((n, w) => n + w.pqls, 0).toLocaleString('en-US')],
  ]);
  // All vs ideal starts at signup.
  expect(await page.locator('[data-testid="ideal-from-signup"]').count()).toBe(1);
  expect(await page.locator('#segments table tbody tr').first().locator('th').textContent()).toBe('Signup');
  // One small chart per stage, each wide enough to read on a phone.
  const multiples = page.locator('[data-testid="stage-multiples"] .stage-multiple');
  expect(await multiples.count()).toBe(funnel.steps.length);
  for (const w of await multiples.evaluateAll((els) => els.map((el) => el.getBoundingClientRect().width))) expect(w).toBeGreaterThanOrEqual(140);
  expect(await page.locator('.stage-multiple[data-stage="upgrade"] svg.recharts-surface').count()).toBe(1);
  // Weeks before the first event stored read "no data", never zero.
  const stored = new Set((await api<{ weeks: { week: string }[] }>(at, 'dashboard')).weeks.map((w) => w.week));
  const cells = await page.locator('#weekly td[data-week]').evaluateAll((tds) => tds.map((td) => [td.getAttribute('data-week')!, td.textContent!.trim()]));
  const before = cells.filter(([week]) => !stored.has(week));
  expect(before.length, 'the range reaches before the demo data').toBeGreaterThan(0);
  for (const [week, text] of before) expect(text, week).toBe('no data');
  for (const [week, text] of cells.filter(([w]) => stored.has(w))) expect(text, week).toMatch(/^[\d,]+$/);
}

export async function checkRetention(page: Page, at: Visit): Promise<void> {
  type Retention = { average: (number | null)[] };
  const query = `retention?as_of=${at.asOf}&segment=${at.segment}`;
  const [cohort, action] = await Promise.all([api<Retention>(at, query), api<Retention>(at, `${query}&period_zero=action`)]);
  expect(cohort.average[0]).toBe(1);
  expect(action.average[0]).toBeLessThan(1);
  const average = page.locator('[data-testid="retention-heatmap"] tfoot td.avg');
  expect(await average.first().textContent()).toBe('100%');
  const cells = await page.locator('[data-testid="retention-heatmap"] td.heat').evaluateAll((tds) => tds
    .filter((td) => td.textContent !== '')
    .map((td) => ({ bg: getComputedStyle(td).backgroundColor, fg: getComputedStyle(td).color })));
  expect(cells.length).toBeGreaterThan(50);
  for (const c of cells) expect(contrastRatio(parseColour(c.bg), parseColour(c.fg)), `${c.fg} on ${c.bg}`).toBeGreaterThanOrEqual(AA_NORMAL_TEXT);
  await page.getByRole('group', { name: 'Week 0' }).getByRole('button', { name: /acted/ }).click();
  await expect.poll(() => average.first().textContent()).toBe(`${(action.average[0]! * 100).toFixed(0)}%`);
}
