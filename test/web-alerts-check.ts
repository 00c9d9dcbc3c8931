/**
 * The scorecard's alerts in the browser harness: the card lists the alerts the API answers for the
 * same day (or says none fire), and every row an alert concerns carries the mark, no other row.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { json } from './helpers/web-page.js';
import type { Visit } from './web-cases.js';

interface AlertsAnswer { day: string; alerts: { row: string; what: string; owner: string | null; since: string }[] }

export async function checkAlerts(page: Page, at: Visit): Promise<void> {
  const card = page.locator('#alerts');
  await card.waitFor();
  const listed = await card.locator('li.alert-line').evaluateAll((items) => items.map((li) => ({ row: li.getAttribute('data-row-id')!, what: li.querySelector('.alert-what')!.textContent! })));
  if (listed.length === 0) expect(await card.locator('[data-testid="alerts-none"]').textContent()).toBe('No alerts firing.');
  const marked = await page.locator('tr[data-row-id]:has([data-testid="row-alert"])').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-row-id')));
  const scorecardRows = new Set(await page.locator('tr[data-row-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-row-id'))));
  expect(marked.sort()).toEqual([...new Set(listed.map((a) => a.row))].filter((row) => scorecardRows.has(row)).sort());
  const subtitle = (await card.locator('p.muted.small').first().textContent()) ?? '';
  const answer = await json<AlertsAnswer>(`${at.url}/api/v1/alerts?as_of=${at.asOf}`);
  expect(answer.status).toBe(200);
  // The same day judged (the view reads that as-of): the same alerts, in the same order.
  if (subtitle.includes(`As of ${answer.body.day}:`)) expect(listed).toEqual(answer.body.alerts.map((a) => ({ row: a.row, what: a.what })));
}
