/**
 * The scorecard's "why it moved" panel in the browser harness: a row's name opens it, its sentence
 * is the API's for the same row and week, its tables fit the screen and are legible, and it closes.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { json, sidewaysOverflow, textContrasts } from './helpers/web-page.js';
import type { Visit } from './web-cases.js';

export async function checkWhyPanel(page: Page, at: Visit): Promise<void> {
  const row = 'journey.setup';
  const expected = await json<{ sentence: string }>(`${at.url}/api/v1/why?row=${row}&week=${at.week}&as_of=${at.asOf}`);
  expect(expected.status).toBe(200);
  await page.locator(`tr[data-row-id="${row}"] [data-testid="why-open"]`).click();
  const panel = page.locator(`[data-testid="why-panel"][data-row="${row}"]`);
  await panel.waitFor();
  expect(await panel.locator('[data-testid="why-sentence"]').textContent()).toBe(expected.body.sentence);
  // A stage after the first: its conversion is split into mix and rate.
  expect(await panel.locator('[data-testid="why-rate"]').count()).toBeGreaterThan(0);
  expect(await sidewaysOverflow(page), 'sideways overflow with the panel open').toEqual({ excess: expect.toSatisfy((e: number) => e <= 0), culprits: [] });
  const low = (await textContrasts(page, '.why-panel p, .why-panel td, .why-panel th, .why-panel caption, .why-panel strong')).filter((t) => t.ratio < 4.5);
  expect(low.map((t) => `“${t.text}” ${t.ratio.toFixed(2)}`), 'text below 4.5:1 contrast').toEqual([]);
  await page.locator('.why-panel').getByRole('button', { name: 'Close' }).click();
  expect(await panel.count()).toBe(0);
}
