/**
 * The people behind a number in the browser harness (test/web-cases.ts): a count opens, from the
 * keyboard, a dialog whose total equals the count; the page shows up to 50 of them, focus is inside
 * the dialog and Escape closes it; on a laptop in the light scheme its CSV holds the whole list.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { parseCsv } from './helpers/web-page.js';
import type { Visit } from './web-cases.js';

type Check = (page: Page, at: Visit) => Promise<void>;

/** The number a count stands for: its text, or with `fromTitle` the "n of m" its title names (a rate's cell). */
async function countOf(page: Page, selector: string, fromTitle: boolean): Promise<number> {
  const count = page.locator(selector).first();
  const text = fromTitle ? /([\d,]+) of /.exec((await count.getAttribute('title')) ?? '')?.[1] : await count.textContent();
  return Number((text ?? '').replace(/[^\d]/g, ''));
}

export function peopleCheck(selector: string, options: { fromTitle?: boolean } = {}): Check {
  return async (page, at) => {
    const shown = await countOf(page, selector, options.fromTitle ?? false);
    const count = page.locator(selector).first();
    await count.focus();
    await page.keyboard.press('Enter');
    const drawer = page.getByTestId('people-drawer');
    const total = drawer.getByTestId('people-total');
    await total.waitFor();
    expect(Number(await total.getAttribute('data-total')), `the people behind ${selector}`).toBe(shown);
    await drawer.locator('.loading').waitFor({ state: 'detached' });
    expect(await drawer.locator('[data-testid="people-table"] tbody tr').count()).toBe(Math.min(shown, 50));
    expect(await page.evaluate(() => document.activeElement?.closest('dialog') !== null), 'focus inside the dialog').toBe(true);
    if (at.size === 'desktop' && at.scheme === 'light' && shown > 0) await expectWholeListCsv(page, shown);
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
  };
}

/** The drawer's CSV: a header and one record per person of the whole list, in the API's order. */
async function expectWholeListCsv(page: Page, total: number): Promise<void> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('people-drawer').locator('button[data-export="people"]').click()]);
  expect(download.suggestedFilename()).toMatch(/^people-.*\.csv$/);
  const records = parseCsv(readFileSync((await download.path())!, 'utf8'));
  expect(records.length).toBe(total + 1);
  expect(records[0].slice(0, 3)).toEqual(expect.arrayContaining(['last_seen']));
  const ids = records.slice(1).map((r) => r[0]);
  expect([...ids].sort(), 'in id order').toEqual(ids);
}

/** Both checks, one after the other. */
export const andThen = (first: Check | undefined, second: Check): Check => async (page, at) => {
  await first?.(page, at);
  await second(page, at);
};
