/**
 * Helpers of the browser tests (test/web*.test.ts): waiting for a page's data, reading the API,
 * and measuring what a reader sees (colours, contrast, overflow).
 */
import type { Page } from 'playwright-core';

/** Data on screen: no spinner left. */
export async function settled(page: Page): Promise<void> {
  await page.waitForSelector('main .card, main .banner, main .empty, main .error-box');
  await page.waitForFunction(() => document.querySelectorAll('.loading').length === 0);
}

export async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as T };
}

/** How far the page reaches past the viewport sideways (0: it fits), and the widest culprits. */
export function sidewaysOverflow(page: Page): Promise<{ excess: number; culprits: string[] }> {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const excess = document.scrollingElement!.scrollWidth - width;
    const culprits = excess <= 0 ? [] : [...document.querySelectorAll('main *')]
      .filter((el) => el.getBoundingClientRect().right > width + 1 && !el.closest('.table-scroll, .tree-scroll, .scroll-x'))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} right=${Math.round(el.getBoundingClientRect().right)}`);
    return { excess, culprits };
  });
}

export interface TextContrast {
  text: string;
  colour: string;
  background: string;
  ratio: number;
}

/**
 * The contrast ratio (WCAG 2) of each visible text element matched by `selector` against the
 * background it is painted on (translucent backgrounds composited up the tree). Lowest first.
 */
export function textContrasts(page: Page, selector: string): Promise<TextContrast[]> {
  return page.evaluate((sel) => {
    type Rgba = [number, number, number, number];
    const parse = (c: string): Rgba => {
      const n = (c.match(/[\d.]+/g) ?? []).map(Number);
      return [n[0] ?? 0, n[1] ?? 0, n[2] ?? 0, n.length > 3 ? n[3] : 1];
    };
    const over = (top: Rgba, under: Rgba): Rgba => {
      const a = top[3];
      return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat(1) as Rgba;
    };
    const backgroundOf = (el: Element): Rgba => {
      const layers: Rgba[] = [];
      for (let e: Element | null = el; e; e = e.parentElement) {
        const bg = parse(getComputedStyle(e).backgroundColor);
        if (bg[3] > 0) layers.push(bg);
        if (bg[3] >= 1) break;
      }
      let result: Rgba = layers.length && layers[layers.length - 1][3] >= 1 ? layers.pop()! : [255, 255, 255, 1];
      while (layers.length) result = over(layers.pop()!, result);
      return result;
    };
    const luminance = ([r, g, b]: Rgba) => {
      const lin = (v: number) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const out: { text: string; colour: string; background: string; ratio: number }[] = [];
    for (const el of document.querySelectorAll(sel)) {
      const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim());
      const box = el.getBoundingClientRect();
      if (!own || box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      const bg = backgroundOf(el);
      const fg = over(parse(getComputedStyle(el).color), bg);
      const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
      out.push({ text: el.textContent!.trim().slice(0, 40), colour: `rgb(${fg.slice(0, 3).map(Math.round).join(', ')})`, background: `rgb(${bg.slice(0, 3).map(Math.round).join(', ')})`, ratio: (hi + 0.05) / (lo + 0.05) });
    }
    return out.sort((a, b) => a.ratio - b.ratio);
  }, selector);
}

/** Reads RFC 4180 CSV (quoted fields, doubled quotes, CRLF records) into records of fields. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { record.push(field); field = ''; }
    else if (ch === '\r' && text[i + 1] === '\n') { record.push(field); records.push(record); record = []; field = ''; i++; }
    else field += ch;
  }
  if (field !== '' || record.length) throw new Error('CSV: the last record does not end in CRLF');
  return records;
}
