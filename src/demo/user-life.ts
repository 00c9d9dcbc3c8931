/**
 * Living a planned user's days: a weekly step draws the week's usage (messages per day, integrations,
 * exports, tickets, surveys, seat changes) into the user's queue; each day drains the queue and
 * sends the day's messages. Randomness is keyed by (seed, user, week) and (seed, user, day).
 */
import { isWeekend, timeBetween, timeInDay } from './calendar.js';
import { PURPOSE, type DemoContext } from './context.js';
import {
  AHA_DAYS, CHANNELS, CONTRACTION_WHEN_FADING, DOWNGRADE_WEEKLY_RATE, EXPANSION_WEEKLY_RATE, CONTRACTION_WEEKLY_RATE, EXPORT_WEEKLY_RATE, FILES_PER_MESSAGE,
  KUI_THRESHOLD, KUI_WINDOW_DAYS, LATER_INVITES_PER_WEEK, LIGHT_WEEKLY_MESSAGES_MAX, MARKETING_REVISIT_WEEKLY_RATE,
  NPS_WEEKLY_RATE, PAID_FADE, PAID_MESSAGE_FACTOR, PLAN_UPGRADE_WEEKLY_RATE, PLANTED_INTEGRATION_BOOST,
  PLANTED_INTEGRATION_WEEKLY_RATE, SEARCHES_PER_MESSAGE, SECOND_DEVICE_WEEKLY_RATE,
  SUPPORT_TICKET_BEFORE_CANCEL_RATE, SUPPORT_TICKET_WEEKLY_RATE,
} from './model.js';
import { cumulative, hashKey, Rng } from './prng.js';
import { handleEntry } from './user-events.js';
import { DOWNGRADE, K, pushEntry, type UserState } from './user-plan.js';
import type { UserOutcome } from './stats.js';
import { DAY_MS, WEEK_MS } from '../model/time.js';

const CHANNEL_TABLE = cumulative(CHANNELS.map((c) => c.weight));
const SHARED_CHANNELS = CHANNELS.filter((c) => c.channel !== 'self');
const SHARED_TABLE = cumulative(SHARED_CHANNELS.map((c) => c.weight));
const WEEKDAY_SHARE = 0.18;
const WEEKEND_SHARE = 0.05;

/** One day of one user. Returns true when the user has nothing left to do. */
export function liveUserDay(ctx: DemoContext, u: UserState, day: number): boolean {
  const w = Math.floor(day / 7);
  if (u.stepWeek !== w) weeklyStep(ctx, u, w);
  const dayStart = ctx.window.startMs + day * DAY_MS;
  const dayEnd = dayStart + DAY_MS;
  const rng = new Rng(hashKey(ctx.seed, PURPOSE.userDay, u.index, day));
  while (u.queue.length > 0 && u.queue[0].t < dayEnd) {
    const entry = u.queue.shift()!;
    if (entry.t < ctx.window.endMs) handleEntry(ctx, u, entry, rng);
  }
  const count = u.dayCounts[day - w * 7];
  if (count > 0) messages(ctx, u, day, count, dayStart, dayEnd, rng);
  return day >= u.lastActiveDay && u.queue.length === 0;
}

export function outcome(ctx: DemoContext, u: UserState): UserOutcome {
  return {
    ideal: u.ideal,
    setup: u.setupDone,
    firstStrike: u.firstStrikeDone,
    kui: u.kuiDone,
    upgrade: u.upgradeDone,
    week4Observable: u.signupWeek + 4 < ctx.window.weeks,
    retainedWeek4: u.retainedWeek4,
    invitesFirst7Days: u.invitesFirst7Days,
    searchesFirst7Days: u.searchesFirst7Days,
  };
}

function messages(ctx: DemoContext, u: UserState, day: number, count: number, dayStart: number, dayEnd: number, rng: Rng): void {
  const { stats, shapes } = ctx;
  const w = Math.floor(day / 7);
  const k = w - u.signupWeek;
  const firstStrikeMs = u.firstStrikeMs!;
  const kuiWindowEnd = u.signupMs + KUI_WINDOW_DAYS * DAY_MS;
  for (let i = 0; i < count; i++) {
    let t: number;
    if (!u.firstStrikeDone && day === u.firstStrikeDay) {
      t = firstStrikeMs;
      u.firstStrikeDone = true;
      stats.weekly.first_strike[w]++;
    } else {
      t = timeInDay(rng, dayStart);
      if (day === u.firstStrikeDay && t <= firstStrikeMs) t = timeBetween(rng, firstStrikeMs + 1000, dayEnd);
    }
    let channel = CHANNELS[rng.weightedIndex(CHANNEL_TABLE)].channel;
    if (channel === 'self' && u.lastNorthStarWeek !== w) channel = SHARED_CHANNELS[rng.weightedIndex(SHARED_TABLE)].channel;
    shapes.track(u.actor, t, 'Message Sent', {
      channel, length: Math.round(rng.lognormal(70, 0.9)) + 1, thread: rng.chance(0.22),
    });
    if (channel !== 'self') {
      stats.weekly.northStar[w]++;
      u.lastNorthStarWeek = w;
      if (k === 4) u.retainedWeek4 = true;
    }
    if (t < kuiWindowEnd && ++u.messagesFirst14Days === KUI_THRESHOLD) {
      u.kuiDone = true;
      stats.weekly.kui[w]++;
    }
  }
}

function weeklyStep(ctx: DemoContext, u: UserState, w: number): void {
  u.stepWeek = w;
  u.dayCounts.fill(0);
  const k = w - u.signupWeek;
  if (k < 0 || u.onboarding === null || k >= u.active.length || u.active[k] === 0) return;
  const { window } = ctx;
  const rng = new Rng(hashKey(ctx.seed, PURPOSE.userWeek, u.index, w));
  const firstDay = w * 7;
  const boosted = u.kui && u.lastConnectWeek === w - 1;
  // Use fades the week before a user goes quiet or churns (a churn-risk signal for paid accounts).
  const fading = k + 1 < u.active.length && u.active[k + 1] === 0;
  const rate = u.weeklyRate * (u.paid ? PAID_MESSAGE_FACTOR : 1) * (fading ? (u.paid ? PAID_FADE : 0.45) : 1);
  const eligible: number[] = [];
  let total = 0;
  let later = 0;
  for (let dow = 0; dow < 7; dow++) {
    const day = firstDay + dow;
    if (day < u.firstStrikeDay || day >= window.days) continue;
    eligible.push(day);
    const j = day - u.signupDay;
    const share = isWeekend(day) ? WEEKEND_SHARE : WEEKDAY_SHARE;
    let c = j < KUI_WINDOW_DAYS ? u.onboarding[j] : rng.poisson(rate * share);
    if (j >= KUI_WINDOW_DAYS) later += c;
    if (boosted) c += rng.poisson(rate * (PLANTED_INTEGRATION_BOOST - 1) * share);
    u.dayCounts[dow] = c;
    total += c;
  }
  if (eligible.length === 0) return;
  // Light users stay well under the KUI threshold in any two weeks.
  for (let dow = 6; !u.kui && later > LIGHT_WEEKLY_MESSAGES_MAX && dow >= 0; dow--) {
    const day = firstDay + dow;
    while (later > LIGHT_WEEKLY_MESSAGES_MAX && u.dayCounts[dow] > 0 && day - u.signupDay >= KUI_WINDOW_DAYS) {
      u.dayCounts[dow]--;
      later--;
      total--;
    }
  }
  // An active week always has at least one message.
  if (total === 0) {
    const day = eligible.find((d) => !isWeekend(d)) ?? eligible[0];
    u.dayCounts[day - firstDay] = 1;
    total = 1;
  }

  const weights = cumulative(eligible.map((d) => (isWeekend(d) ? 0.3 : 1)));
  const floor = u.firstStrikeMs! + 60_000;
  const when = (notBefore = floor): number | null => {
    const day = eligible[rng.weightedIndex(weights)];
    const dayStart = window.startMs + day * DAY_MS;
    const t = timeInDay(rng, dayStart);
    if (t >= notBefore) return t;
    return notBefore < dayStart + DAY_MS ? timeBetween(rng, notBefore, dayStart + DAY_MS) : null;
  };
  const schedule = (kind: number, arg = 0, notBefore = floor) => {
    const t = when(notBefore);
    if (t !== null && t < window.endMs) pushEntry(u.queue, { t, kind, arg });
  };
  const afterWeekOne = Math.max(floor, u.signupMs + AHA_DAYS * DAY_MS);
  const level = u.kui ? 'kui' : 'light';

  // PLANTED driver: campaign weeks make active KUI users connect integrations; the boost lands next week.
  if (u.kui && rng.chance(PLANTED_INTEGRATION_WEEKLY_RATE * ctx.campaign[w] * (u.paid ? 1.4 : 1))) {
    schedule(K.integration, rng.int(0, 1000));
    u.lastConnectWeek = w;
  }
  for (let n = rng.poisson(LATER_INVITES_PER_WEEK[level]); n > 0; n--) schedule(K.invite, 0, afterWeekOne);
  for (let n = rng.poisson(FILES_PER_MESSAGE * total); n > 0; n--) schedule(K.file);
  for (let n = Math.min(20, rng.poisson(SEARCHES_PER_MESSAGE * total)); n > 0; n--) schedule(K.search, 0, afterWeekOne);
  if (rng.chance(EXPORT_WEEKLY_RATE[level])) schedule(K.exportStart);
  const weekStart = window.startMs + w * WEEK_MS;
  // A paying team whose use fades drops seats soon after (a churn-risk signal, like the cancellations).
  if (u.paid && fading && rng.chance(CONTRACTION_WHEN_FADING)) {
    const t = timeInDay(rng, weekStart + rng.int(14, 20) * DAY_MS);
    // At a single seat there is nothing to drop: the team falls back to the free plan instead.
    if (t < window.endMs) pushEntry(u.queue, u.seats > 1 ? { t, kind: K.contract, arg: 1 } : { t, kind: K.cancel, arg: DOWNGRADE });
  }
  // Tickets come in the weeks before the cancellation or the dropped seats, not after them.
  const cancelSoon = u.paid && u.queue.some((e) => (e.kind === K.cancel || e.kind === K.contract) && e.t >= weekStart + WEEK_MS && e.t < weekStart + 3 * WEEK_MS);
  if (rng.chance(cancelSoon ? SUPPORT_TICKET_BEFORE_CANCEL_RATE : SUPPORT_TICKET_WEEKLY_RATE)) schedule(K.ticket, cancelSoon ? 1 : 0);
  if (k >= 2 && rng.chance(NPS_WEEKLY_RATE)) schedule(K.nps);
  if (rng.chance(MARKETING_REVISIT_WEEKLY_RATE)) schedule(K.revisit);
  if (!u.secondDevice && rng.chance(SECOND_DEVICE_WEEKLY_RATE)) {
    u.secondDevice = true;
    schedule(K.secondDevice);
  }
  if (u.paid) {
    // A team about to drop seats does not add any first.
    const dropping = u.queue.some((e) => e.kind === K.contract && e.t >= weekStart);
    if (rng.chance(EXPANSION_WEEKLY_RATE) && !dropping) schedule(K.expand, rng.int(1, 4));
    if (rng.chance(CONTRACTION_WEEKLY_RATE)) schedule(K.contract, rng.int(1, 2));
    if (u.plan === 'team' && rng.chance(PLAN_UPGRADE_WEEKLY_RATE)) schedule(K.planUp);
    if (rng.chance(DOWNGRADE_WEEKLY_RATE)) schedule(K.cancel, DOWNGRADE);
  }
}
