/**
 * Anonymous visitors who never sign up: one marketing-site session on their arrival day, and for
 * some a return visit or two within two weeks. Segment `page` calls, or PostHog `$pageview`s.
 */
import { timeInDay } from './calendar.js';
import { PURPOSE, type DemoContext } from './context.js';
import { MARKETING_PAGES, POSTHOG_SHARE, UTM_SOURCES, VISITOR_RETURN_RATE } from './model.js';
import { cumulative, hashKey, Rng } from './prng.js';
import type { Actor } from './shapes.js';
import { DAY_MS, MINUTE_MS } from '../model/time.js';

const PAGE_TABLE = cumulative(MARKETING_PAGES.map((p) => p.weight));
const UTM_TABLE = cumulative(UTM_SOURCES.map((u) => u.weight));
const REFERRERS: Record<string, string> = {
  google: 'https://www.google.com/',
  linkedin: 'https://www.linkedin.com/',
  twitter: 'https://t.co/',
  producthunt: 'https://www.producthunt.com/',
  g2: 'https://www.g2.com/',
};

export type Utm = { source: string | null; medium: string | null };

export function drawUtm(rng: Rng): Utm {
  const u = UTM_SOURCES[rng.weightedIndex(UTM_TABLE)];
  return { source: u.source, medium: u.medium };
}

/**
 * A browsing session of 1–4 marketing pages starting at `start`; returns the session's pages'
 * timestamps (the first page carries the UTM tags and the referrer).
 */
export function session(
  ctx: DemoContext, actor: Actor, rng: Rng, start: number, utm: Utm | null, maxPages = 4, firstPath?: string,
): number[] {
  const pages = Math.min(maxPages, 1 + Math.floor(-Math.log(1 - rng.next()) * 1.1));
  const times: number[] = [];
  let t = start;
  for (let i = 0; i < pages; i++) {
    const page = i === 0 && firstPath ? MARKETING_PAGES.find((p) => p.path === firstPath)! : MARKETING_PAGES[rng.weightedIndex(PAGE_TABLE)];
    const referrer = i === 0 && utm?.source ? REFERRERS[utm.source] : undefined;
    ctx.shapes.page(actor, t, page.path, page.title, i === 0 ? utm : null, actor.anonymousId, referrer);
    times.push(t);
    t += 15_000 + Math.floor(rng.next() * 4 * MINUTE_MS);
  }
  return times;
}

/** All non-converting visitors arriving on `day`. */
export function visitorsForDay(ctx: DemoContext, day: number): void {
  const { window, stats } = ctx;
  const dayStart = window.startMs + day * DAY_MS;
  const first = ctx.visitorOffsets[day];
  const count = ctx.visitorsPerDay[day];
  for (let i = 0; i < count; i++) {
    const v = first + i;
    const rng = new Rng(hashKey(ctx.seed, PURPOSE.visitor, v));
    const actorIndex = ctx.users + v;
    const actor: Actor = {
      actor: actorIndex, seq: 0, posthog: rng.chance(POSTHOG_SHARE),
      userId: null, anonymousId: ctx.ids.anonymous(actorIndex), accountId: null,
    };
    const start = timeInDay(rng, dayStart);
    session(ctx, actor, rng, start, drawUtm(rng));
    stats.visitors++;
    const firstWeek = Math.floor(day / 7);
    stats.weekly.visits[firstWeek]++;
    let lastWeek = firstWeek;
    if (rng.chance(VISITOR_RETURN_RATE)) {
      const returns = rng.chance(0.3) ? 2 : 1;
      let t = start;
      for (let r = 0; r < returns; r++) {
        const gapDays = 1 + Math.floor(rng.next() * 6);
        t = timeInDay(rng, Math.floor((t - window.startMs) / DAY_MS) * DAY_MS + window.startMs + gapDays * DAY_MS);
        if (t >= window.endMs) break;
        session(ctx, actor, rng, t, null, 2);
        const week = Math.floor((t - window.startMs) / (7 * DAY_MS));
        if (week !== lastWeek) {
          stats.weekly.visits[week]++;
          lastWeek = week;
        }
      }
    }
  }
}
