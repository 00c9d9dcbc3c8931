/**
 * `npm run screenshots`: every page of the dashboard on the demo company, as PNGs in
 * docs/screenshots/ (the docs embed them). Generates the demo into a temporary directory with a
 * fixed end date, starts `truenorth serve` on it and drives Debian's Chromium.
 *
 *   npm run screenshots                 # every page: desktop and phone, light and dark
 *   npm run screenshots -- --out /tmp/s # elsewhere
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumAvailable, CHROMIUM, launchBrowser } from './browser.js';
import { buildDemo, ensureWebBuilt, ROOT, serveDemo } from './demo-server.js';
import { plantedDropServer } from '../test/helpers/alert-fixture.js';

interface Shot {
  name: string;
  path: string;
  viewport: { width: number; height: number };
  scheme: 'light' | 'dark';
  /** Taller pages are cut here, so the docs stay readable. */
  maxHeight?: number;
}

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const PHONE_MAX_HEIGHT = 1700;

/** Every page, with the height its desktop image is cut at. */
const PAGES: { name: string; path: string; maxHeight?: number }[] = [
  { name: 'scorecard', path: '/' },
  { name: 'north-star', path: '/north-star' },
  { name: 'journey', path: '/journey', maxHeight: 1500 },
  { name: 'retention', path: '/retention' },
  { name: 'revenue', path: '/revenue', maxHeight: 1100 },
  { name: 'voice', path: '/voice', maxHeight: 1400 },
  { name: 'leading', path: '/leading', maxHeight: 1500 },
  { name: 'okrs', path: '/okrs' },
  { name: 'enter', path: '/enter' },
  { name: 'data', path: '/data', maxHeight: 1200 },
];

/** `<page>.png`, `<page>-dark.png`, `<page>-phone.png`, `<page>-phone-dark.png`. */
const SHOTS: Shot[] = PAGES.flatMap((p) => (['light', 'dark'] as const).flatMap((scheme) => {
  const dark = scheme === 'dark' ? '-dark' : '';
  return [
    { name: `${p.name}${dark}`, path: p.path, viewport: DESKTOP, scheme, maxHeight: p.maxHeight },
    { name: `${p.name}-phone${dark}`, path: p.path, viewport: PHONE, scheme, maxHeight: PHONE_MAX_HEIGHT },
  ];
}));

/** Waits until the page has data on screen: no spinner, no error box (an error fails the run). */
async function settled(page: Page): Promise<void> {
  await page.waitForSelector('main .card, main .banner, main .empty, main .error-box', { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelectorAll('.loading').length === 0, undefined, { timeout: 30_000 });
  const errors = await page.locator('.error-box').allTextContents();
  if (errors.length) throw new Error(`${page.url()} shows an error: ${errors.join(' | ')}`);
  // Let charts lay out after their containers got their size.
  await page.waitForTimeout(250);
}

/** A part of a page, opened by a click where it needs one: `<file>.png` in docs/screenshots. */
interface PartShot {
  file: string;
  path: string;
  /** Clicked before the part shows, when it is opened from the page. */
  open?: string;
  /** Shown once the part is ready. */
  ready: string;
  part: string;
  /** Closes what `open` opened. */
  close?: string;
}

const PARTS: PartShot[] = [
  // The scorecard's "why it moved" panel, opened from the setup row.
  { file: 'why-panel', path: '/', open: 'tr[data-row-id="journey.setup"] [data-testid="why-open"]', ready: '[data-testid="why-panel"]', part: '.why-panel' },
  // The people who signed up and did not set up (the Journey funnel's drop-off), in their drawer.
  { file: 'people-drawer', path: '/journey', open: '[data-testid="dropped-setup"] .people-link', ready: '[data-testid="people-table"]', part: '.people-drawer', close: 'Escape' },
  // The pace card: the week after 2026-W08, read as of its Monday noon (the newest week reads the clock).
  { file: 'pace', path: '/?week=2026-W08', ready: '[data-testid="pace"]', part: '#pace' },
];

async function partShot(page: Page, url: string, out: string, shot: PartShot): Promise<void> {
  await page.setViewportSize(DESKTOP);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(url + shot.path);
  await settled(page);
  if (shot.open) await page.locator(shot.open).click();
  await page.locator(shot.ready).first().waitFor({ timeout: 30_000 });
  const file = join(out, `${shot.file}.png`);
  await page.locator(shot.part).screenshot({ path: file, animations: 'disabled' });
  if (shot.close) await page.keyboard.press(shot.close);
  console.log(`  ${relative(process.cwd(), file)}`);
}

/** The alerts card: the demo company raises none (its numbers are steady), so this is a store with a planted drop: `alerts.png`. */
async function alertsShot(page: Page, out: string): Promise<void> {
  const server = await plantedDropServer();
  try {
    await partShot(page, server.url, out, { file: 'alerts', path: '/?week=2026-W47', ready: '#alerts li.alert-line', part: '#alerts' });
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const outFlag = args.indexOf('--out');
  const out = resolve(outFlag >= 0 ? args[outFlag + 1] : join(ROOT, 'docs/screenshots'));
  if (!chromiumAvailable()) {
    console.error(`screenshots: no Chromium at ${CHROMIUM}; install it (apt-get install -y chromium) or set TRUENORTH_CHROMIUM`);
    process.exitCode = 1;
    return;
  }
  await ensureWebBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'truenorth-shots-'));
  const started = Date.now();
  let server: Awaited<ReturnType<typeof serveDemo>> | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  try {
    console.log('generating the demo company…');
    await buildDemo(dir, { end: '2026-03-02' });
    server = await serveDemo(dir);
    mkdirSync(out, { recursive: true });
    browser = await launchBrowser(DESKTOP);
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
    for (const shot of SHOTS) {
      await page.setViewportSize(shot.viewport);
      await page.emulateMedia({ colorScheme: shot.scheme });
      await page.goto(server.url + shot.path);
      await settled(page);
      const file = join(out, `${shot.name}.png`);
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      const clip = shot.maxHeight && height > shot.maxHeight ? { x: 0, y: 0, width: shot.viewport.width, height: shot.maxHeight } : undefined;
      await page.screenshot({ path: file, fullPage: true, clip, animations: 'disabled' });
      console.log(`  ${relative(process.cwd(), file)}`);
    }
    for (const part of PARTS) await partShot(page, server.url, out, part);
    await alertsShot(page, out);
    if (problems.length) throw new Error(`console errors:\n${problems.join('\n')}`);
    console.log(`${SHOTS.length} screenshots in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await browser?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`screenshots: ${(e as Error).message}`);
  process.exitCode = 1;
});
